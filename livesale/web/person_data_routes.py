"""A person's own data: `GET /api/me/export` (the download) and `DELETE /api/me` (erasure)."""

from __future__ import annotations

import logging
import time
from functools import partial

from aiohttp import web

from livesale.config import PrivacySettings
from livesale.domain.errors import ValidationFailed
from livesale.live.notify_hub import NotificationHub
from livesale.storage.images import ImageStore
from livesale.storage.person_data import PersonData
from livesale.storage.rate_limits import RateLimiter
from livesale.storage.taste import TasteStore
from livesale.storage.viewers import ViewerRepository
from livesale.web.auth import Identity
from livesale.web.json_body import read_object

logger = logging.getLogger(__name__)


def add_person_data_routes(
    app: web.Application,
    *,
    data: PersonData,
    taste: TasteStore,
    viewers: ViewerRepository,
    images: ImageStore,
    identity: Identity,
    limiter: RateLimiter,
    limits: PrivacySettings,
    hub: NotificationHub,
) -> None:
    """Register GET /api/me/export and DELETE /api/me."""
    app.router.add_get(
        "/api/me/export",
        partial(export, data=data, taste=taste, identity=identity, limiter=limiter, limits=limits),
    )
    app.router.add_delete(
        "/api/me",
        partial(
            delete_me,
            data=data,
            taste=taste,
            viewers=viewers,
            images=images,
            identity=identity,
            limiter=limiter,
            limits=limits,
            hub=hub,
        ),
    )


async def export(
    request: web.Request,
    *,
    data: PersonData,
    taste: TasteStore,
    identity: Identity,
    limiter: RateLimiter,
    limits: PrivacySettings,
) -> web.Response:
    """Everything kept about this browser's person, as a JSON download (once an hour)."""
    viewer = await identity.require_viewer(request)
    await limiter.check(
        f"export:viewer:{viewer.id}",
        limits.exports_per_window,
        limits.export_window_seconds,
        "data downloads",
    )
    body = await data.export(viewer.id)
    profile = await taste.profile(viewer.id)
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


async def delete_me(
    request: web.Request,
    *,
    data: PersonData,
    taste: TasteStore,
    viewers: ViewerRepository,
    images: ImageStore,
    identity: Identity,
    limiter: RateLimiter,
    limits: PrivacySettings,
    hub: NotificationHub,
) -> web.Response:
    """Erase this browser's person after `{"confirm": "delete"}`; the cookie goes too."""
    viewer = await identity.require_viewer(request)
    # Every attempt counts, refused ones too: each reads the person's open orders.
    await limiter.check(
        f"erase:viewer:{viewer.id}",
        limits.deletions_per_window,
        limits.deletion_window_seconds,
        "account deletion attempts",
    )
    body = await read_object(request, ("confirm",))
    if body.get("confirm") != "delete":
        raise ValidationFailed(
            'send {"confirm": "delete"} to delete the account', field="confirm", reason="required"
        )
    erased = await data.erase(viewer.id)
    await images.delete(list(erased.photo_ids))
    await taste.forget(viewer.id)
    await hub.end(viewer.id)
    viewers.clear_cache()
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
    identity.clear_viewer_cookie(response, request)
    return response
