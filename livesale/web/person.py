"""The person keys of a request: its guest identity and its client address (see domain.person).

`request.remote` is already the settled client address (trusted proxies are
resolved by `client_address_middleware`), so every limit that uses these
helpers agrees on who a request comes from.
"""

from __future__ import annotations

from aiohttp import web

from livesale.domain.person import PersonKeys, address_key, person_keys
from livesale.web.auth import Identity


def request_address(request: web.Request) -> str:
    """The request's normalised client address (IPv6 cut to /64; "unknown" if none)."""
    return address_key(request.remote)


async def request_person(request: web.Request, identity: Identity) -> PersonKeys:
    """The request's guest identity (from its cookie, if any) and normalised address."""
    viewer = await identity.current_viewer(request)
    return person_keys(None if viewer is None else viewer.id, request.remote)
