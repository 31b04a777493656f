"""The replay of an ended show: its parts and chapters, the video files, deleting it."""

from __future__ import annotations

from aiohttp import web

from livesale import keys
from livesale.web.auth import require_creator
from livesale.web.catalogue_json import product_json
from livesale.web.replay_json import replay_json

# The files never change once complete: caches and seeks may keep them a while.
FILE_HEADERS = {
    "Accept-Ranges": "bytes",
    "Cache-Control": "public, max-age=3600",
    "X-Content-Type-Options": "nosniff",
}


def add_replay_routes(app: web.Application) -> None:
    """Register the replay endpoints and the video files."""
    app.router.add_get("/api/shows/{show_id}/replay", get_replay)
    app.router.add_delete("/api/shows/{show_id}/replay", delete_replay)
    app.router.add_get("/replays/{recording_id}", replay_file)


async def get_replay(request: web.Request) -> web.Response:
    """The ended show's parts in play order and its product chapters."""
    replay = await request.app[keys.REPLAYS].replay(request.match_info["show_id"])
    return web.json_response(replay_json(replay, product_json))


async def delete_replay(request: web.Request) -> web.Response:
    """Delete every part of the replay (the show's creator, once it has ended)."""
    creator = await require_creator(request)
    await request.app[keys.REPLAYS].delete(creator, request.match_info["show_id"])
    return web.Response(status=204)


async def replay_file(request: web.Request) -> web.FileResponse:
    """One part's video; FileResponse answers Range (206), If-Range and HEAD."""
    path, content_type = await request.app[keys.REPLAYS].file(request.match_info["recording_id"])
    return web.FileResponse(path, headers={**FILE_HEADERS, "Content-Type": content_type})
