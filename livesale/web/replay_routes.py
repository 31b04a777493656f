"""The replay of an ended show: its parts and chapters, the video files, deleting it."""

from __future__ import annotations

from functools import partial

from aiohttp import web

from livesale.live.replays import ReplayService
from livesale.web.auth import Identity
from livesale.web.catalogue_json import product_json
from livesale.web.replay_json import replay_json

# The files never change once complete: caches and seeks may keep them a while.
FILE_HEADERS = {
    "Accept-Ranges": "bytes",
    "Cache-Control": "public, max-age=3600",
    "X-Content-Type-Options": "nosniff",
}


def add_replay_routes(app: web.Application, *, replays: ReplayService, identity: Identity) -> None:
    """Register the replay endpoints and the video files."""
    app.router.add_get("/api/shows/{show_id}/replay", partial(get_replay, replays=replays))
    app.router.add_delete(
        "/api/shows/{show_id}/replay", partial(delete_replay, replays=replays, identity=identity)
    )
    app.router.add_get("/replays/{recording_id}", partial(replay_file, replays=replays))


async def get_replay(request: web.Request, *, replays: ReplayService) -> web.Response:
    """The ended show's parts in play order and its product chapters."""
    replay = await replays.replay(request.match_info["show_id"])
    return web.json_response(replay_json(replay, product_json))


async def delete_replay(
    request: web.Request, *, replays: ReplayService, identity: Identity
) -> web.Response:
    """Delete every part of the replay (the show's creator, once it has ended)."""
    creator = await identity.require_creator(request)
    await replays.delete(creator, request.match_info["show_id"])
    return web.Response(status=204)


async def replay_file(request: web.Request, *, replays: ReplayService) -> web.FileResponse:
    """One part's video; FileResponse answers Range (206), If-Range and HEAD."""
    path, content_type = await replays.file(request.match_info["recording_id"])
    return web.FileResponse(path, headers={**FILE_HEADERS, "Content-Type": content_type})
