"""`GET /api/shows/{show_id}/analytics`: a show's figures, for its creator only."""

from __future__ import annotations

from functools import partial

from aiohttp import web

from livesale.live.analytics import ShowAnalytics
from livesale.web.analytics_json import report_json
from livesale.web.auth import Identity


def add_analytics_routes(
    app: web.Application, *, analytics: ShowAnalytics, identity: Identity
) -> None:
    """Register the analytics endpoint."""
    app.router.add_get(
        "/api/shows/{show_id}/analytics",
        partial(show_analytics, analytics=analytics, identity=identity),
    )


async def show_analytics(
    request: web.Request, *, analytics: ShowAnalytics, identity: Identity
) -> web.Response:
    """Audience, likes, chat, pins and sales of the show, live or after."""
    creator = await identity.require_creator(request)
    report = await analytics.report(creator, request.match_info["show_id"])
    # Private figures that move every second: no caching anywhere on the way.
    return web.json_response(report_json(report), headers={"Cache-Control": "no-store"})
