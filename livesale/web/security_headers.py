"""Security headers on every answer: a strict CSP for pages, no framing by others, no sniffing."""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

# Scripts only from this origin (no inline script anywhere) and Stripe's, which
# the checkout loads on demand; only this origin may frame its pages, and
# Stripe frames its card fields.
PAGE_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' https://js.stripe.com https://*.js.stripe.com",
        "style-src 'self'",
        "img-src 'self' data: blob: https://*.stripe.com",
        "media-src 'self' blob:",
        "connect-src 'self' ws: wss: https://api.stripe.com",
        "frame-src 'self' https://js.stripe.com https://*.js.stripe.com https://hooks.stripe.com",
        "frame-ancestors 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "object-src 'none'",
    ]
)
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    # The host page and the console's studio use the camera and microphone.
    "Permissions-Policy": "camera=(self), microphone=(self), geolocation=(), payment=(self)",
    "Cross-Origin-Opener-Policy": "same-origin",
}


@web.middleware
async def security_headers_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Add the headers to every answer, errors included; an answer's own CSP wins."""
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        _add(exc)
        raise
    _add(response)
    return response


def _add(response: web.StreamResponse) -> None:
    if response.prepared:
        return  # a WebSocket or a stream already sent its headers
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    response.headers.setdefault("Content-Security-Policy", PAGE_POLICY)
