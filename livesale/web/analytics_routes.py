"""`GET /api/shows/{show_id}/analytics`: a show's figures, for its creator only."""

from __future__ import annotations

from aiohttp import web

from livesale import keys
from livesale.web.analytics_json import report_json
from livesale.web.auth import require_creator


def add_analytics_routes(app: web.Application) -> None:
    """Register the analytics endpoint."""
    app.router.add_get("/api/shows/{show_id}/analytics", show_analytics)


async def show_analytics(request: web.Request) -> web.Response:
    """Audience, likes, chat, pins and sales of the show, live or after."""
    creator = await require_creator(request)
    report = await request.app[keys.ANALYTICS].report(creator, request.match_info["show_id"])
    # Private figures that move every second: no caching anywhere on the way.
    return web.json_response(report_json(report), headers={"Cache-Control": "no-store"})
