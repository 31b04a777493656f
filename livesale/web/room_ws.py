"""`GET /api/shows/{show_id}/events`: the show's room over one WebSocket."""

from __future__ import annotations

import re

from aiohttp import web

from livesale import keys
from livesale.domain.errors import CrossSiteRefused, ValidationFailed
from livesale.web.auth import SESSION_COOKIE, VIEWER_COOKIE, current_creator, current_viewer
from livesale.web.csrf import is_same_origin
from livesale.web.person import request_address

# The watch page's random id of this browser (kept in localStorage), so a viewer
# who reconnects or reloads counts once among a show's unique viewers.
_VISITOR_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")


def add_room_routes(app: web.Application) -> None:
    """Register the room WebSocket."""
    app.router.add_get("/api/shows/{show_id}/events", room_events)


async def room_events(request: web.Request) -> web.StreamResponse:
    """Upgrade to the room: everything that can fail does so as JSON before the upgrade."""
    room = request.app[keys.ROOM]
    show = await request.app[keys.SHOWS].get(request.match_info["show_id"])
    # With cookies the socket acts as someone, so another site must not open it
    # (browsers always send Origin on WebSocket handshakes). Without cookies it
    # only reads public events, like the page itself.
    has_identity = SESSION_COOKIE in request.cookies or VIEWER_COOKIE in request.cookies
    if has_identity and not is_same_origin(request):
        raise CrossSiteRefused("the room may only be opened from this site's pages")
    visitor_id = request.query.get("visitor")
    if visitor_id is not None and not _VISITOR_ID.fullmatch(visitor_id):
        raise ValidationFailed(
            "visitor must be 16 to 64 letters, digits, '-' or '_'",
            field="visitor",
            reason="bad_format",
        )
    replay = request.query.get("replay", "0")
    if replay not in ("0", "1"):
        raise ValidationFailed("replay must be 0 or 1", field="replay", reason="bad_format")
    room.check_capacity()
    who = await room.participant(
        show, await current_creator(request), await current_viewer(request)
    )
    ws = room.websocket()
    await ws.prepare(request)
    await room.serve(
        show, ws, request.transport, who, visitor_id, replay == "1", request_address(request)
    )
    return ws
