"""Who a request really comes from when it passed reverse proxies (`server.trusted_proxies`).

Behind a proxy every request arrives from the proxy's address, so login
throttling and per-address limits would lump all users together. A proxy
adds the address it got the request from to `X-Forwarded-For`; that list is
read from the right and the first address that is not a trusted proxy is
the client. Such a proxy's `X-Forwarded-Proto` likewise says whether the
client came over TLS (so cookies get `Secure` behind a TLS-terminating proxy).
Nobody else's headers are believed: anyone can send them.
A request over a unix socket comes from a shop process of this server
forwarding WHIP/WHEP (the socket is private), which says who its client was.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable, Iterable

from aiohttp import web
from aiohttp.typedefs import Middleware

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

FORWARDED_FOR = "X-Forwarded-For"
FORWARDED_PROTO = "X-Forwarded-Proto"
SCHEMES = ("http", "https")


class TrustedProxies:
    """The networks whose `X-Forwarded-For` is believed."""

    def __init__(self, proxies: Iterable[str]) -> None:
        self._networks: tuple[Network, ...] = tuple(
            ipaddress.ip_network(proxy, strict=False) for proxy in proxies
        )

    def trusts(self, address: str | None) -> bool:
        """Whether a peer at `address` may name the client ("" is a unix socket: ours)."""
        if address == "":
            return True
        if address is None or not self._networks:
            return False
        try:
            parsed = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(parsed in network for network in self._networks)

    def client_of(self, peer: str | None, forwarded_for: Iterable[str]) -> str | None:
        """The client's address: the nearest hop that is not a trusted proxy."""
        if not self.trusts(peer):
            return peer
        hops = [hop.strip() for value in forwarded_for for hop in value.split(",")]
        hops = [hop for hop in hops if hop]
        for hop in reversed(hops):
            if not _is_address(hop):
                return peer  # a garbled list: keep what the socket says
            if not self.trusts(hop):
                return hop
        # Every hop is a trusted proxy: the request started at the farthest one.
        return hops[0] if hops else peer


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _forwarded_scheme(request: web.Request) -> str | None:
    """The scheme the nearest proxy saw (the last value of the header), if it is one we know."""
    values = request.headers.getall(FORWARDED_PROTO, [])
    if not values:
        return None
    scheme = values[-1].rsplit(",", 1)[-1].strip().lower()
    return scheme if scheme in SCHEMES else None


def client_address_middleware(proxies: TrustedProxies) -> Middleware:
    """Middleware giving each request its client's address as `request.remote`."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        peer = request.remote
        forwarded = request.headers.getall(FORWARDED_FOR, [])
        client = proxies.client_of(peer, forwarded) if forwarded else peer
        remote = client if client is not None and client != peer else None
        scheme = _forwarded_scheme(request)
        # Only a configured proxy may say so; the unix socket ("") carries no client's TLS.
        if scheme == request.scheme or not (peer and proxies.trusts(peer)):
            scheme = None
        # One clone: a clone of a clone would forget the first one's changes.
        if remote is not None and scheme is not None:
            request = request.clone(remote=remote, scheme=scheme)
        elif remote is not None:
            request = request.clone(remote=remote)
        elif scheme is not None:
            request = request.clone(scheme=scheme)
        return await handler(request)

    return middleware
