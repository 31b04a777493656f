"""ICE servers as WHIP/WHEP advertise them: Link headers and coturn-style TURN credentials."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time

from aiohttp import ClientResponse

LINK = re.compile(
    r'<(?P<url>[^>]+)>; rel="ice-server"'
    r'(?:; username="(?P<username>[^"]*)"; credential="(?P<credential>[^"]*)"'
    r'; credential-type="password")?$'
)


STUN = "stun:stun.example.test:3478"
TURN_URLS = (
    "turn:turn.example.test:3478?transport=udp",
    "turns:turn.example.test:443?transport=tcp",
)
TURN_SECRET = "test-turn-secret"
TURN_TTL = 600


def parse_links(response: ClientResponse) -> list[dict[str, str | None]]:
    links = []
    for value in response.headers.getall("Link", []):
        match = LINK.fullmatch(value)
        assert match, value
        links.append(match.groupdict())
    return links


def assert_ice_links(response: ClientResponse) -> None:
    links = parse_links(response)
    assert [link["url"] for link in links] == [STUN, *TURN_URLS]
    assert links[0]["username"] is None
    assert links[0]["credential"] is None
    for turn in links[1:]:
        assert turn["username"]
        assert turn["credential"]
        verify_turn(turn["username"], turn["credential"], TURN_SECRET, TURN_TTL)


def verify_turn(username: str, credential: str, secret: str, ttl: int) -> None:
    """coturn's use-auth-secret: `expiry:user`, base64(HMAC-SHA1(secret, username))."""
    expiry, _, user = username.partition(":")
    assert user, username
    assert abs(int(expiry) - (time.time() + ttl)) < 30, username
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    assert credential == base64.b64encode(digest).decode()
