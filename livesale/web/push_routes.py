"""Web Push: the server's public key, each device's subscription, and the service worker."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from livesale.config import NotifySettings
from livesale.domain.errors import ValidationFailed
from livesale.domain.languages import DEFAULT_LANGUAGE, language_of
from livesale.live.push_sender import PushSender
from livesale.storage.push_subscriptions import PushSubscription, PushSubscriptionRepository
from livesale.web.auth import Identity
from livesale.web.json_body import read_object
from livesale.web.pages import STATIC_DIR

MAX_ENDPOINT = 1000
MAX_DEVICES = 10
_P256_POINT = 65  # an uncompressed P-256 public key: 0x04, x, y
_AUTH_SECRET = 16


@dataclass(frozen=True, slots=True)
class PushParts:
    """What the push routes need."""

    subscriptions: PushSubscriptionRepository
    sender: PushSender
    settings: NotifySettings
    identity: Identity


def add_push_routes(app: web.Application, *, parts: PushParts) -> None:
    """Register the key, the subscriptions and /sw.js (served at the root: scope "/")."""
    app.router.add_get("/api/push/key", partial(get_key, parts=parts))
    app.router.add_post("/api/push/subscriptions", partial(subscribe, parts=parts))
    app.router.add_delete("/api/push/subscriptions", partial(unsubscribe, parts=parts))
    app.router.add_get("/sw.js", service_worker)


async def get_key(_request: web.Request, *, parts: PushParts) -> web.Response:
    """The VAPID public key a browser subscribes with (`applicationServerKey`)."""
    return web.json_response({"public_key": parts.sender.public_key})


async def subscribe(request: web.Request, *, parts: PushParts) -> web.Response:
    """Keep this device's subscription for the caller's guest: `{endpoint, keys, lang}`."""
    viewer = await parts.identity.require_viewer(request)
    body = await read_object(request, allowed=("endpoint", "keys", "lang"))
    endpoint = _endpoint(body.get("endpoint"), parts.settings)
    keys = body.get("keys")
    if not isinstance(keys, dict):
        raise ValidationFailed("keys must be {p256dh, auth}", field="keys", reason="wrong_type")
    p256dh = _key(keys.get("p256dh"), "keys.p256dh", _P256_POINT)
    auth = _key(keys.get("auth"), "keys.auth", _AUTH_SECRET)
    raw_lang = body.get("lang")
    lang = (language_of(raw_lang[:35]) if isinstance(raw_lang, str) else None) or DEFAULT_LANGUAGE
    if await parts.subscriptions.count(viewer.id) >= MAX_DEVICES:
        await parts.subscriptions.delete(endpoint, viewer.id)  # a device renewing is fine
        if await parts.subscriptions.count(viewer.id) >= MAX_DEVICES:
            raise ValidationFailed(
                f"at most {MAX_DEVICES} devices",
                field="endpoint",
                reason="too_many",
                max=MAX_DEVICES,
            )
    await parts.subscriptions.save(PushSubscription(endpoint, viewer.id, p256dh, auth, lang))
    return web.json_response({"subscribed": True}, status=201)


async def unsubscribe(request: web.Request, *, parts: PushParts) -> web.Response:
    """Forget this device's subscription (`{endpoint}`; only the caller's own)."""
    viewer = await parts.identity.require_viewer(request)
    body = await read_object(request, allowed=("endpoint",))
    endpoint = body.get("endpoint")
    if not isinstance(endpoint, str):
        raise ValidationFailed("endpoint is required", field="endpoint", reason="required")
    await parts.subscriptions.delete(endpoint, viewer.id)
    return web.json_response({"subscribed": False})


async def service_worker(_request: web.Request) -> web.Response:
    """The service worker, from the root so its scope is the whole site; never cached stale."""
    return web.Response(
        body=(STATIC_DIR / "sw.js").read_bytes(),
        content_type="text/javascript",
        headers={"Service-Worker-Allowed": "/", "Cache-Control": "no-cache"},
    )


def _endpoint(raw: Any, settings: NotifySettings) -> str:
    if not isinstance(raw, str) or not raw:
        raise ValidationFailed("endpoint is required", field="endpoint", reason="required")
    if len(raw) > MAX_ENDPOINT:
        raise ValidationFailed(
            "endpoint is too long", field="endpoint", reason="too_long", max=MAX_ENDPOINT
        )
    parts = urlsplit(raw)
    schemes = ("https", "http") if settings.push_allow_http else ("https",)
    if parts.scheme not in schemes or not parts.hostname:
        raise ValidationFailed(
            "endpoint must be the push service's https URL", field="endpoint", reason="bad_format"
        )
    return raw


def _key(raw: Any, field: str, size: int) -> str:
    if not isinstance(raw, str) or len(raw) > 200:
        raise ValidationFailed(f"{field} is required", field=field, reason="required")
    try:
        decoded = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
    except (binascii.Error, ValueError):
        decoded = b""
    if len(decoded) != size or (size == _P256_POINT and decoded[0] != 4):
        raise ValidationFailed(
            f"{field} is not a key a browser made", field=field, reason="bad_format"
        )
    return raw
