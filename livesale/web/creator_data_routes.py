"""A creator's own data: `GET /api/console/export`, the console's "Download my data"."""

from __future__ import annotations

import time
from functools import partial

from aiohttp import web

from livesale.config import PrivacySettings
from livesale.storage.creator_data import CreatorData
from livesale.storage.rate_limits import RateLimiter
from livesale.web.auth import Identity


def add_creator_data_routes(
    app: web.Application,
    *,
    data: CreatorData,
    identity: Identity,
    limiter: RateLimiter,
    limits: PrivacySettings,
) -> None:
    """Register GET /api/console/export."""
    app.router.add_get(
        "/api/console/export",
        partial(export, data=data, identity=identity, limiter=limiter, limits=limits),
    )


async def export(
    request: web.Request,
    *,
    data: CreatorData,
    identity: Identity,
    limiter: RateLimiter,
    limits: PrivacySettings,
) -> web.Response:
    """Everything kept about the signed-in creator and their shop, as a JSON download."""
    creator = await identity.require_creator(request)
    await limiter.check(
        f"export:creator:{creator.id}",
        limits.exports_per_window,
        limits.export_window_seconds,
        "data downloads",
    )
    body = await data.export(creator.id)
    body["exported_at"] = time.time()
    return web.json_response(
        body,
        headers={
            "Cache-Control": "no-store, private",
            "Content-Disposition": 'attachment; filename="livesale-my-shop-data.json"',
        },
    )
