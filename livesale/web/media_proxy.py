"""Shop processes forward WHIP/WHEP to the media process over its unix socket.

The media process answers as it would on the public port: it writes
`Location` as a path (`/whip/{show}/{session}`), which is the same path on
the shop port, and builds every absolute URL and `Link` from the same
settings (`server.public_url`, host and port, ICE servers) the shop
processes have. So status, body and headers go back to the client unchanged.
"""

from __future__ import annotations

import logging
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import aiohttp
from aiohttp import web
from multidict import CIMultiDict
from yarl import URL

from livesale.domain.errors import ServiceUnavailable
from livesale.live.lifecycle import ShowLifecycle
from livesale.logging_setup import request_id_var
from livesale.web.client_address import FORWARDED_FOR
from livesale.web.middleware import REQUEST_ID_HEADER

if TYPE_CHECKING:
    # The relay's own type only: a shop process never loads aiortc and av.
    from livesale.media.service import MediaService

logger = logging.getLogger(__name__)

# An answer waits for the media process's ICE gathering, STUN/TURN included.
PROXY_TIMEOUT_SECONDS = 30.0
END_BROADCAST_PATH = "/internal/shows/{show_id}/end-broadcast"
DISCONNECT_PUBLISHER_PATH = "/internal/shows/{show_id}/disconnect-publisher"
# RFC 9110 7.6.1: these describe one connection, not the message, so they stop here.
_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
# aiohttp writes these itself for the message it sends on.
_NOT_SENT_ON = _HOP_BY_HOP | {"content-length", REQUEST_ID_HEADER.lower()}
_NOT_SENT_BACK = _HOP_BY_HOP | {"content-length", "date", "server"}
# Headers aiohttp's client would invent; the media process should see only the client's.
_NO_AUTO_HEADERS = ("Accept", "Accept-Encoding", "User-Agent", "Content-Type")


class MediaProxy:
    """An HTTP client of the media process, reached through its unix socket."""

    def __init__(self, socket_path: Path, timeout_seconds: float = PROXY_TIMEOUT_SECONDS) -> None:
        self.socket_path = socket_path
        self._timeout = timeout_seconds
        self._client: aiohttp.ClientSession | None = None

    async def open(self) -> None:
        """Make the client (it belongs to the running event loop)."""
        # A new connection per request: unix connects are cheap, WHIP/WHEP requests
        # are few, and a kept-alive connection would be dead after a media restart.
        connector = aiohttp.UnixConnector(path=str(self.socket_path), force_close=True)
        self._client = aiohttp.ClientSession(
            connector=connector,
            timeout=aiohttp.ClientTimeout(total=self._timeout),
            auto_decompress=False,
            skip_auto_headers=_NO_AUTO_HEADERS,
        )

    async def close(self) -> None:
        """Close the client."""
        if self._client is not None:
            await self._client.close()
            self._client = None

    @property
    def _session(self) -> aiohttp.ClientSession:
        if self._client is None:
            raise RuntimeError("the media proxy is not open")
        return self._client

    async def forward(self, request: web.Request) -> web.Response:
        """Send `request` to the media process; its answer, as it is (503 if it is down)."""
        headers = CIMultiDict(
            (name, value)
            for name, value in request.headers.items()
            if name.lower() not in _NOT_SENT_ON
        )
        request_id = request_id_var.get()
        if request_id is not None:
            # One id in both processes' logs, and the one the client gets back.
            headers[REQUEST_ID_HEADER] = request_id
        # The media process believes this header from its private socket: it must
        # name the client this process settled on, never what the client sent.
        headers.popall(FORWARDED_FOR, None)
        if request.remote:
            headers[FORWARDED_FOR] = request.remote
        body = await request.read() if request.body_exists else None
        url = URL(f"http://media{request.raw_path}", encoded=True)
        try:
            async with self._session.request(
                request.method, url, headers=headers, data=body, allow_redirects=False
            ) as upstream:
                payload = await upstream.read()
                status, reason = upstream.status, upstream.reason
                upstream_headers = upstream.headers
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise self._unavailable(exc) from exc
        back = CIMultiDict(
            (name, value)
            for name, value in upstream_headers.items()
            if name.lower() not in _NOT_SENT_BACK
        )
        return web.Response(status=status, reason=reason, body=payload, headers=back)

    async def end_broadcast(self, show_id: str) -> None:
        """Ask the media process to hang up the show's publisher and viewers."""
        path = END_BROADCAST_PATH.format(show_id=show_id)
        url = URL.build(scheme="http", host="media", path=path)
        try:
            async with self._session.post(url) as response:
                status = response.status
                await response.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise self._unavailable(exc) from exc
        if status != 204:
            raise ServiceUnavailable(
                "the video service could not end the broadcast; try again", status=status
            )

    async def disconnect_publisher(self, show_id: str) -> bool:
        """Ask the media process to hang up the show's publisher; whether there was one."""
        path = DISCONNECT_PUBLISHER_PATH.format(show_id=show_id)
        url = URL.build(scheme="http", host="media", path=path)
        try:
            async with self._session.post(url) as response:
                status = response.status
                answer = await response.json() if status == 200 else None
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise self._unavailable(exc) from exc
        if not isinstance(answer, dict) or not isinstance(answer.get("disconnected"), bool):
            raise ServiceUnavailable(
                "the video service could not disconnect the publisher; try again", status=status
            )
        return bool(answer["disconnected"])

    def _unavailable(self, exc: BaseException) -> ServiceUnavailable:
        logger.warning("media process at %s is not answering: %r", self.socket_path, exc)
        return ServiceUnavailable("the video service is not available; try again in a moment")


def add_media_proxy_routes(app: web.Application, *, proxy: MediaProxy) -> None:
    """Every WHIP/WHEP route, every method, forwarded to the media process."""
    for kind in ("whip", "whep"):
        app.router.add_route("*", f"/{kind}/{{show_id}}", partial(forward, proxy=proxy))
        app.router.add_route(
            "*", f"/{kind}/{{show_id}}/{{session_id}}", partial(forward, proxy=proxy)
        )


async def forward(request: web.Request, *, proxy: MediaProxy) -> web.Response:
    """Answer with whatever the media process answers."""
    return await proxy.forward(request)


def add_media_control_routes(
    app: web.Application, *, media: MediaService, lifecycle: ShowLifecycle
) -> None:
    """Routes of the media process alone, for the shop processes.

    They need no authentication: the media process listens only on its unix
    socket (mode 0600), and the shop processes never forward these paths.
    """
    app.router.add_post(
        END_BROADCAST_PATH, partial(end_broadcast, media=media, lifecycle=lifecycle)
    )
    app.router.add_post(DISCONNECT_PUBLISHER_PATH, partial(disconnect_publisher, media=media))


async def end_broadcast(
    request: web.Request, *, media: MediaService, lifecycle: ShowLifecycle
) -> web.Response:
    """End a show's broadcast, as `POST /api/shows/{id}/end` does in a single process."""
    show_id = request.match_info["show_id"]
    await media.end_broadcast(show_id)
    # Also end the show here, as WHIP DELETE does: this lifecycle then stops
    # keeping the show's publisher key alive; the shop's own end() finds it ended.
    await lifecycle.end(show_id)
    return web.Response(status=204)


async def disconnect_publisher(request: web.Request, *, media: MediaService) -> web.Response:
    """Hang up a show's publisher, keeping the show and its viewers (a rotated stream key)."""
    disconnected = await media.disconnect_publisher(request.match_info["show_id"])
    return web.json_response({"disconnected": disconnected})
