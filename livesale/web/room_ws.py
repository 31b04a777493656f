"""`GET /api/shows/{show_id}/events`: the show's room over one WebSocket."""

from __future__ import annotations

import re
from functools import partial

from aiohttp import web

from livesale.domain.errors import CrossSiteRefused, ValidationFailed
from livesale.live.room import Room
from livesale.storage.shows import ShowRepository
from livesale.web.auth import SESSION_COOKIE, VIEWER_COOKIE, Identity
from livesale.web.csrf import is_same_origin
from livesale.web.person import request_address

# The watch page's random id of this browser (kept in localStorage), so a viewer
# who reconnects or reloads counts once among a show's unique viewers.
_VISITOR_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")


def add_room_routes(
    app: web.Application, *, room: Room, shows: ShowRepository, identity: Identity, base_url: str
) -> None:
    """Register the room WebSocket."""
    app.router.add_get(
        "/api/shows/{show_id}/events",
        partial(room_events, room=room, shows=shows, identity=identity, base_url=base_url),
    )


async def room_events(
    request: web.Request, *, room: Room, shows: ShowRepository, identity: Identity, base_url: str
) -> web.StreamResponse:
    """Upgrade to the room: everything that can fail does so as JSON before the upgrade."""
    show = await shows.get(request.match_info["show_id"])
    # With cookies the socket acts as someone, so another site must not open it
    # (browsers always send Origin on WebSocket handshakes). Without cookies it
    # only reads public events, like the page itself.
    has_identity = SESSION_COOKIE in request.cookies or VIEWER_COOKIE in request.cookies
    if has_identity and not is_same_origin(request, base_url):
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
        show, await identity.current_creator(request), await identity.current_viewer(request)
    )
    ws = room.websocket()
    await ws.prepare(request)
    await room.serve(
        show, ws, request.transport, who, visitor_id, replay == "1", request_address(request)
    )
    return ws
