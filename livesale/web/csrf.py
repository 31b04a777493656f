"""Cross-site request refusal: cookie-authenticated writes must come from our own pages.

SameSite=Lax cookies already stay home on cross-site POSTs in current
browsers; this check also covers older browsers, same-site sibling hosts and
any cookie that is not Lax, and needs no token in every form.
"""

from __future__ import annotations

import functools

from aiohttp import hdrs, web
from aiohttp.typedefs import Handler, Middleware
from yarl import URL

from livesale.domain.errors import CrossSiteRefused

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PROTECTED_PREFIX = "/api/"
# Payment webhooks are server-to-server and prove themselves with signatures.
EXEMPT_PREFIXES = ("/api/payments/stripe/webhook",)
# `none`: the user typed the URL or used a bookmark, no other site involved.
_TRUSTED_FETCH_SITES = frozenset({"same-origin", "none"})

Origin = tuple[str, str, int | None]


def is_same_origin(request: web.Request, base_url: str) -> bool:
    """Whether the request comes from this server's own pages (or a non-browser that says so).

    Browsers send Sec-Fetch-Site, which is decisive when present; otherwise the
    Origin header must equal the public URL's origin or the one this request
    was addressed to. A request with neither is refused: API clients must send
    `Origin`.
    """
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site.strip().lower() in _TRUSTED_FETCH_SITES
    offered = request.headers.get(hdrs.ORIGIN)
    if offered is None:
        return False
    origin = _origin(offered)
    if origin is None:  # "null" (sandboxed frames, file://) or garbage
        return False
    own = {
        _origin(base_url),
        _origin(f"{request.scheme}://{request.host}"),
    }
    return origin in own


def csrf_middleware(base_url: str) -> Middleware:
    """Refuse unsafe methods under /api/ unless the request is same-origin (403).

    `base_url` is the public URL whose origin counts as this server's own.
    """

    @web.middleware
    async def refuse_cross_site(request: web.Request, handler: Handler) -> web.StreamResponse:
        if needs_check(request) and not is_same_origin(request, base_url):
            # Nothing about the request is echoed: the message is all a client needs.
            raise CrossSiteRefused(
                "cross-site requests may not change anything; send Origin with this server's URL"
            )
        return await handler(request)

    return refuse_cross_site


def needs_check(request: web.Request) -> bool:
    """Whether this request changes state through the cookie-authenticated API."""
    path = request.path
    return (
        request.method in UNSAFE_METHODS
        and path.startswith(PROTECTED_PREFIX)
        and not path.startswith(EXEMPT_PREFIXES)
    )


@functools.lru_cache(maxsize=256)
def _origin(text: str) -> Origin | None:
    try:
        url = URL(text.strip())
    except (ValueError, TypeError):
        return None
    if not url.scheme or not url.host:
        return None
    # yarl fills in 80/443 for http/https, so "https://a" equals "https://a:443".
    return (url.scheme.lower(), url.host.lower().rstrip("."), url.port)
