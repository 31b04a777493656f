"""ICE servers for peers: configured STUN/TURN plus short-lived TURN credentials."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from livesale.config import MediaSettings

if TYPE_CHECKING:
    from aiortc import RTCConfiguration


@dataclass(frozen=True)
class IceServerEntry:
    """One ICE server as browsers and WHIP `Link` headers want it."""

    urls: tuple[str, ...]
    username: str | None = None
    credential: str | None = None

    def as_json(self) -> dict[str, object]:
        """The RTCIceServer dictionary shape."""
        entry: dict[str, object] = {"urls": list(self.urls)}
        if self.username is not None:
            entry["username"] = self.username
            entry["credential"] = self.credential
        return entry


def turn_credentials(secret: str, ttl_seconds: int, user: str, now: float) -> tuple[str, str]:
    """coturn's `use-auth-secret` scheme: username `expiry:user`, HMAC-SHA1 password."""
    username = f"{int(now) + ttl_seconds}:{user}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode()


def client_ice_servers(
    settings: MediaSettings, user: str, now: float | None = None
) -> list[IceServerEntry]:
    """ICE servers for a browser or WHIP client, with fresh TURN credentials."""
    entries = [IceServerEntry(s.urls, s.username, s.credential) for s in settings.ice_servers]
    if settings.turn_urls and settings.turn_secret:
        username, password = turn_credentials(
            settings.turn_secret,
            settings.turn_credential_ttl_seconds,
            user,
            time.time() if now is None else now,
        )
        entries.append(IceServerEntry(settings.turn_urls, username, password))
    return entries


def server_rtc_configuration(settings: MediaSettings) -> RTCConfiguration:
    """The server side's own ICE configuration: never aiortc's public STUN default."""
    # Imported here: shop processes hand out ICE servers but never load aiortc (~35 MB).
    from aiortc import RTCConfiguration, RTCIceServer

    servers = [
        RTCIceServer(urls=list(entry.urls), username=entry.username, credential=entry.credential)
        for entry in client_ice_servers(settings, "livesale-relay")
    ]
    return RTCConfiguration(iceServers=servers)


def link_header_values(entries: list[IceServerEntry]) -> list[str]:
    """RFC 9725 `Link: <url>; rel="ice-server"` values."""
    values = []
    for entry in entries:
        for url in entry.urls:
            value = f'<{url}>; rel="ice-server"'
            if entry.username is not None:
                value += (
                    f'; username="{entry.username}"; credential="{entry.credential}"'
                    '; credential-type="password"'
                )
            values.append(value)
    return values
