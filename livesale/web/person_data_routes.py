"""A person's own data: `GET /api/me/export` (the download) and `DELETE /api/me` (erasure)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from functools import partial

from aiohttp import web

from livesale.config import PrivacySettings
from livesale.domain.errors import ValidationFailed
from livesale.live.direct_messages import DirectMessages
from livesale.live.notify_hub import NotificationHub
from livesale.storage.images import ImageStore
from livesale.storage.person_data import PersonData
from livesale.storage.rate_limits import RateLimiter
from livesale.storage.taste import TasteStore
from livesale.storage.viewers import ViewerRepository
from livesale.web.auth import Identity
from livesale.web.json_body import read_object

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PersonDataParts:
    """What the download and the erasure reach: the record, Redis, open pages, limits."""

    data: PersonData
    taste: TasteStore
    viewers: ViewerRepository
    images: ImageStore
    identity: Identity
    limiter: RateLimiter
    limits: PrivacySettings
    hub: NotificationHub
    messages: DirectMessages


def add_person_data_routes(app: web.Application, *, parts: PersonDataParts) -> None:
    """Register GET /api/me/export and DELETE /api/me."""
    app.router.add_get("/api/me/export", partial(export, parts=parts))
    app.router.add_delete("/api/me", partial(delete_me, parts=parts))


async def export(request: web.Request, *, parts: PersonDataParts) -> web.Response:
    """Everything kept about this browser's person, as a JSON download (once an hour)."""
    viewer = await parts.identity.require_viewer(request)
    await parts.limiter.check(
        f"export:viewer:{viewer.id}",
        parts.limits.exports_per_window,
        parts.limits.export_window_seconds,
        "data downloads",
    )
    body = await parts.data.export(viewer.id)
    profile = await parts.taste.profile(viewer.id)
    body["feed"]["learnt"] = {
        "creators": dict(profile.creators),
        "categories": dict(profile.categories),
        "shows_watched": sorted(profile.seen),
    }
    body["exported_at"] = time.time()
    return web.json_response(
        body,
        headers={
            "Cache-Control": "no-store, private",
            "Content-Disposition": 'attachment; filename="livesale-my-data.json"',
        },
    )


async def delete_me(request: web.Request, *, parts: PersonDataParts) -> web.Response:
    """Erase this browser's person after `{"confirm": "delete"}`; the cookie goes too."""
    viewer = await parts.identity.require_viewer(request)
    # Every attempt counts, refused ones too: each reads the person's open orders.
    await parts.limiter.check(
        f"erase:viewer:{viewer.id}",
        parts.limits.deletions_per_window,
        parts.limits.deletion_window_seconds,
        "account deletion attempts",
    )
    body = await read_object(request, ("confirm",))
    if body.get("confirm") != "delete":
        raise ValidationFailed(
            'send {"confirm": "delete"} to delete the account', field="confirm", reason="required"
        )
    erased = await parts.data.erase(viewer.id)
    await parts.images.delete(list(erased.photo_ids))
    await parts.taste.forget(viewer.id)
    parts.viewers.clear_cache()
    # Open pages learn at once: the person's notification streams end, and the shops'
    # inboxes read again without the conversations that went.
    await parts.hub.end(viewer.id)
    for conversation_id, creator_id in erased.conversations:
        await parts.messages.announce_gone(conversation_id, viewer.id, creator_id)
    counts = {
        "chat_messages": erased.chat_messages,
        "reviews": erased.reviews,
        "orders": erased.orders,
        "follows": erased.follows,
        "photos": len(erased.photo_ids),
        **erased.others,
    }
    logger.info("viewer %s erased their data: %s", viewer.id, counts)
    response = web.json_response({"erased": counts})
    parts.identity.clear_viewer_cookie(response, request)
    return response
