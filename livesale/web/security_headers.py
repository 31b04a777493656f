"""Security headers on every answer: a strict CSP for pages, no framing by others, no sniffing.

With an `https://` public URL the answers also carry HSTS, so a browser that
came once never talks plain HTTP to the server again (a downgrade on a café's
wifi would otherwise hand over the session cookie's first request).
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from livesale.config import Settings

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
HSTS = "Strict-Transport-Security"


def hsts_value(settings: Settings) -> str | None:
    """The HSTS header's value when the public URL is https and HSTS is on, else None."""
    max_age = settings.server.hsts_max_age_seconds
    if max_age <= 0 or not settings.base_url.startswith("https://"):
        return None
    return f"max-age={max_age}"


def add_security_headers(response: web.StreamResponse, hsts: str | None) -> None:
    """Add the headers to an answer not sent yet; headers it set itself (its own CSP) win."""
    if response.prepared:
        return  # a WebSocket or a stream already sent its headers
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    response.headers.setdefault("Content-Security-Policy", PAGE_POLICY)
    if hsts is not None:
        response.headers.setdefault(HSTS, hsts)


def security_headers_middleware(settings: Settings) -> Middleware:
    """Middleware adding the headers to every answer, errors included."""
    hsts = hsts_value(settings)

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            add_security_headers(exc, hsts)
            raise
        add_security_headers(response, hsts)
        return response

    return middleware
