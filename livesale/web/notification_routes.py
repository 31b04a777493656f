"""A person's notifications: the list, marking read, what to receive, and the live stream."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from functools import partial
from typing import Any

from aiohttp import web

from livesale.domain.errors import ValidationFailed
from livesale.domain.notifications import NotificationKind
from livesale.live.notifier import Notifier
from livesale.live.notify_hub import END
from livesale.storage.notifications import NotificationRepository
from livesale.web.auth import Identity
from livesale.web.field_readers import string_list
from livesale.web.json_body import read_object

DEFAULT_LIMIT = 20
MAX_LIMIT = 50
MAX_READ_IDS = 100
# A comment line this often keeps proxies from closing a quiet stream.
HEARTBEAT_SECONDS = 15.0
_KINDS = {kind.value: kind for kind in NotificationKind}


@dataclass(frozen=True, slots=True)
class NotificationParts:
    """What the notification routes need."""

    repository: NotificationRepository
    notifier: Notifier
    identity: Identity


def add_notification_routes(app: web.Application, *, parts: NotificationParts) -> None:
    """Register /api/notifications and its read, settings and stream routes."""
    app.router.add_get("/api/notifications", partial(list_notifications, parts=parts))
    app.router.add_post("/api/notifications/read", partial(mark_read, parts=parts))
    app.router.add_get("/api/notifications/settings", partial(get_settings, parts=parts))
    app.router.add_put("/api/notifications/settings", partial(put_settings, parts=parts))
    app.router.add_get("/api/notifications/stream", partial(stream, parts=parts))


async def list_notifications(request: web.Request, *, parts: NotificationParts) -> web.Response:
    """The caller's newest notifications and unread count (none without a guest identity)."""
    limit = _limit(request.query.get("limit"))
    viewer = await parts.identity.current_viewer(request)
    if viewer is None:
        return web.json_response({"items": [], "unread": 0, "viewer": False})
    items = await parts.repository.latest(viewer.id, limit)
    unread = await parts.repository.unread(viewer.id)
    return web.json_response({"items": [n.json() for n in items], "unread": unread, "viewer": True})


async def mark_read(request: web.Request, *, parts: NotificationParts) -> web.Response:
    """Mark `ids` read, or all of the caller's notifications without `ids`."""
    viewer = await parts.identity.require_viewer(request)
    body = await read_object(request, allowed=("ids",))
    ids = None
    if "ids" in body:
        ids = string_list(body["ids"], "ids", "ids must be a list of notification ids")
        if len(ids) > MAX_READ_IDS:
            raise ValidationFailed(
                f"at most {MAX_READ_IDS} ids at a time",
                field="ids",
                reason="too_many",
                max=MAX_READ_IDS,
            )
    await parts.repository.mark_read(viewer.id, ids)
    return web.json_response({"unread": await parts.repository.unread(viewer.id)})


async def get_settings(request: web.Request, *, parts: NotificationParts) -> web.Response:
    """Which kinds of notification the caller receives (all, without a guest identity)."""
    viewer = await parts.identity.current_viewer(request)
    off = set() if viewer is None else await parts.repository.turned_off(viewer.id)
    return web.json_response(_settings_json(off))


async def put_settings(request: web.Request, *, parts: NotificationParts) -> web.Response:
    """Turn kinds on or off: `{"kinds": {"live": false, ...}}` (kinds left out stay)."""
    viewer = await parts.identity.require_viewer(request)
    body = await read_object(request, allowed=("kinds",))
    raw = body.get("kinds")
    if not isinstance(raw, dict):
        raise ValidationFailed(
            "kinds must be an object of kind: true or false", field="kinds", reason="wrong_type"
        )
    changes: dict[NotificationKind, bool] = {}
    for name, on in raw.items():
        if name not in _KINDS:
            raise ValidationFailed(
                "no such kind of notification",
                field=f"kinds.{name[:40]}",
                reason="not_allowed",
                allowed=sorted(_KINDS),
            )
        if not isinstance(on, bool):
            raise ValidationFailed(
                "each kind is true or false", field=f"kinds.{name}", reason="wrong_type"
            )
        changes[_KINDS[name]] = on
    await parts.repository.set_kinds(viewer.id, changes)
    return web.json_response(_settings_json(await parts.repository.turned_off(viewer.id)))


async def stream(request: web.Request, *, parts: NotificationParts) -> web.StreamResponse:
    """Server-sent events: `ready` with the unread count, then each new `notification`."""
    viewer = await parts.identity.require_viewer(request)
    hub = parts.notifier.hub
    queue = await hub.listen(viewer.id)
    try:
        response = web.StreamResponse(
            headers={
                "Content-Type": "text/event-stream",
                "Cache-Control": "no-store",
                "X-Accel-Buffering": "no",  # a proxy must pass each event on at once
            }
        )
        await response.prepare(request)
        unread = await parts.repository.unread(viewer.id)
        await _send(response, "ready", {"unread": unread})
        while True:
            try:
                notification = await asyncio.wait_for(queue.get(), HEARTBEAT_SECONDS)
            except TimeoutError:
                await response.write(b": keep-alive\n\n")
                continue
            if notification == END:
                return response  # the person was erased: nothing more is theirs to hear
            await _send(response, "notification", notification)
    finally:
        hub.stop_listening(viewer.id, queue)


async def _send(response: web.StreamResponse, event: str, data: dict[str, Any]) -> None:
    line = json.dumps(data, separators=(",", ":"))
    await response.write(f"event: {event}\ndata: {line}\n\n".encode())


def _settings_json(off: set[NotificationKind]) -> dict[str, Any]:
    return {"kinds": {kind.value: kind not in off for kind in NotificationKind}}


def _limit(raw: str | None) -> int:
    try:
        limit = DEFAULT_LIMIT if raw is None else int(raw)
    except ValueError:
        raise ValidationFailed(
            "limit must be an integer", field="limit", reason="wrong_type"
        ) from None
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(
            f"limit must be 1 to {MAX_LIMIT}",
            field="limit",
            reason="too_small" if limit < 1 else "too_large",
            min=1,
            max=MAX_LIMIT,
        )
    return limit
