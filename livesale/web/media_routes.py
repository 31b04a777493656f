"""WHIP (RFC 9725) and WHEP endpoints: thin handlers over `MediaService`."""

from __future__ import annotations

from functools import partial

from aiohttp import web

from livesale.config import MediaSettings
from livesale.domain.errors import (
    PayloadTooLarge,
    ShowEnded,
    ShowNotLive,
    Unauthorized,
    UnsupportedMediaType,
)
from livesale.domain.shows import ShowStatus
from livesale.live.lifecycle import ShowLifecycle
from livesale.media.ice import client_ice_servers, link_header_values
from livesale.media.sdp import decode_sdp, parse_trickle_fragment
from livesale.media.service import MediaService
from livesale.storage.shows import ShowRepository

SDP = "application/sdp"
TRICKLE = "application/trickle-ice-sdpfrag"
_RESOURCE_METHODS = "POST, OPTIONS"
_SESSION_METHODS = "PATCH, DELETE, OPTIONS"


def add_media_routes(
    app: web.Application, *, shows: ShowRepository, media: MediaService, lifecycle: ShowLifecycle
) -> None:
    """Register the WHIP/WHEP routes (CORS: `media_cors`; ICE servers: `ice_route`)."""
    resource_preflight = partial(resource_options, settings=media.settings)
    session_preflight = partial(session_options, settings=media.settings)
    app.router.add_post(
        "/whip/{show_id}", partial(whip_post, shows=shows, media=media, lifecycle=lifecycle)
    )
    app.router.add_route("OPTIONS", "/whip/{show_id}", resource_preflight)
    app.router.add_delete(
        "/whip/{show_id}/{session_id}", partial(whip_delete, media=media, lifecycle=lifecycle)
    )
    app.router.add_patch("/whip/{show_id}/{session_id}", partial(whip_patch, media=media))
    app.router.add_route("OPTIONS", "/whip/{show_id}/{session_id}", session_preflight)
    app.router.add_post("/whep/{show_id}", partial(whep_post, shows=shows, media=media))
    app.router.add_route("OPTIONS", "/whep/{show_id}", resource_preflight)
    app.router.add_delete("/whep/{show_id}/{session_id}", partial(whep_delete, media=media))
    app.router.add_patch("/whep/{show_id}/{session_id}", partial(whep_patch, media=media))
    app.router.add_route("OPTIONS", "/whep/{show_id}/{session_id}", session_preflight)


async def _read_sdp(request: web.Request, content_type: str, settings: MediaSettings) -> str:
    if request.content_type != content_type:
        raise UnsupportedMediaType(
            f"Content-Type must be {content_type}", received=request.content_type
        )
    limit = settings.max_sdp_bytes
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLarge(f"body is larger than {limit} bytes", limit=limit)
    # read(n) returns what has arrived so far, not n bytes: a chunked body
    # comes in pieces, so read until the end or one byte past the cap.
    body = bytearray()
    while len(body) <= limit:
        chunk = await request.content.read(limit + 1 - len(body))
        if not chunk:
            break
        body += chunk
    return decode_sdp(bytes(body), limit)


def _bearer_token(request: web.Request) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("send the show's stream key as 'Authorization: Bearer <key>'")
    return token.strip()


def _created(
    settings: MediaSettings, kind: str, show_id: str, session_id: str, sdp: str
) -> web.Response:
    response = web.Response(status=201, text=sdp, content_type=SDP)
    response.headers["Location"] = f"/{kind}/{show_id}/{session_id}"
    response.headers["Accept-Patch"] = TRICKLE
    response.headers["ETag"] = f'"{session_id}"'
    for value in link_header_values(client_ice_servers(settings, session_id)):
        response.headers.add("Link", value)
    return response


async def whip_post(
    request: web.Request, *, shows: ShowRepository, media: MediaService, lifecycle: ShowLifecycle
) -> web.Response:
    """Start publishing: stream key + SDP offer -> 201 with the SDP answer."""
    show_id = request.match_info["show_id"]
    token = _bearer_token(request)
    show = await shows.verify_stream_key(show_id, token)
    if show.status == ShowStatus.ENDED:
        raise ShowEnded("this show has ended; create a new show to go live again")
    offer = await _read_sdp(request, SDP, media.settings)
    answer = await media.publish(show_id, offer)
    await lifecycle.went_live(show_id)
    return _created(media.settings, "whip", show_id, answer.session_id, answer.answer_sdp)


async def whip_delete(
    request: web.Request, *, media: MediaService, lifecycle: ShowLifecycle
) -> web.Response:
    """End the broadcast: the publisher and every viewer session of the show."""
    show_id = request.match_info["show_id"]
    await media.end_publisher(show_id, request.match_info["session_id"])
    await lifecycle.end(show_id)
    return web.Response(status=200)


async def whip_patch(request: web.Request, *, media: MediaService) -> web.Response:
    """Trickle ICE for a publisher."""
    return await _patch(request, media, publishing=True)


async def whep_post(
    request: web.Request, *, shows: ShowRepository, media: MediaService
) -> web.Response:
    """Start watching: SDP offer -> 201 with the SDP answer."""
    show_id = request.match_info["show_id"]
    show = await shows.get(show_id)
    if show.status != ShowStatus.LIVE:
        raise ShowNotLive("the show is not live right now", status=str(show.status))
    offer = await _read_sdp(request, SDP, media.settings)
    # From a shop process, `remote` is the client it forwarded for (see client_address).
    answer = await media.view(show_id, offer, request.remote or None)
    return _created(media.settings, "whep", show_id, answer.session_id, answer.answer_sdp)


async def whep_delete(request: web.Request, *, media: MediaService) -> web.Response:
    """Stop watching."""
    await media.end_viewer(request.match_info["show_id"], request.match_info["session_id"])
    return web.Response(status=200)


async def whep_patch(request: web.Request, *, media: MediaService) -> web.Response:
    """Trickle ICE for a viewer."""
    return await _patch(request, media, publishing=False)


async def _patch(request: web.Request, media: MediaService, *, publishing: bool) -> web.Response:
    fragment = parse_trickle_fragment(await _read_sdp(request, TRICKLE, media.settings))
    await media.add_candidates(
        request.match_info["show_id"], request.match_info["session_id"], fragment, publishing
    )
    return web.Response(status=204)


async def resource_options(request: web.Request, *, settings: MediaSettings) -> web.Response:
    """CORS preflight and capability discovery for the WHIP/WHEP endpoint."""
    return _options(request, settings, _RESOURCE_METHODS, accept_post=True)


async def session_options(request: web.Request, *, settings: MediaSettings) -> web.Response:
    """CORS preflight for a session resource."""
    return _options(request, settings, _SESSION_METHODS, accept_post=False)


def _options(
    request: web.Request, settings: MediaSettings, methods: str, *, accept_post: bool
) -> web.Response:
    response = web.Response(status=204)
    response.headers["Allow"] = methods
    response.headers["Access-Control-Allow-Methods"] = methods
    response.headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type, If-Match"
    response.headers["Access-Control-Max-Age"] = "86400"
    if accept_post:
        response.headers["Accept-Post"] = SDP
    else:
        response.headers["Accept-Patch"] = TRICKLE
    if "Access-Control-Request-Method" not in request.headers:
        # Not a preflight: advertise ICE servers as RFC 9725 allows.
        for value in link_header_values(client_ice_servers(settings, "options")):
            response.headers.add("Link", value)
    return response
