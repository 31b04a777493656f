"""Chat moderation REST: deletes, mutes, bans, slow mode, moderators and blocked words."""

from __future__ import annotations

from functools import partial

from aiohttp import web

from livesale.domain.errors import ChatMessageNotFound, NotFound
from livesale.live.moderation import ModerationService, Moderator
from livesale.web.auth import Identity
from livesale.web.json_body import read_object
from livesale.web.moderation_json import ban_json, moderator_json
from livesale.web.moderation_requests import (
    parse_blocked_words,
    parse_mute,
    parse_slow_mode,
    parse_viewer,
)


def add_moderation_routes(
    app: web.Application, *, moderation: ModerationService, identity: Identity
) -> None:
    """Register the moderation endpoints."""
    app.router.add_delete(
        "/api/shows/{show_id}/chat/{message_id}",
        partial(delete_message, moderation=moderation, identity=identity),
    )
    app.router.add_post(
        "/api/shows/{show_id}/mutes", partial(mute, moderation=moderation, identity=identity)
    )
    app.router.add_post(
        "/api/shows/{show_id}/bans", partial(ban, moderation=moderation, identity=identity)
    )
    app.router.add_get("/api/bans", partial(list_bans, moderation=moderation, identity=identity))
    app.router.add_delete(
        "/api/shows/{show_id}/bans/{viewer_id}",
        partial(unban, moderation=moderation, identity=identity),
    )
    app.router.add_put(
        "/api/shows/{show_id}/slow-mode",
        partial(slow_mode, moderation=moderation, identity=identity),
    )
    app.router.add_get(
        "/api/moderators", partial(list_moderators, moderation=moderation, identity=identity)
    )
    app.router.add_post(
        "/api/moderators", partial(add_moderator, moderation=moderation, identity=identity)
    )
    app.router.add_delete(
        "/api/moderators/{viewer_id}",
        partial(remove_moderator, moderation=moderation, identity=identity),
    )
    app.router.add_get(
        "/api/blocked-words", partial(get_blocked_words, moderation=moderation, identity=identity)
    )
    app.router.add_put(
        "/api/blocked-words", partial(put_blocked_words, moderation=moderation, identity=identity)
    )


async def _actor(
    request: web.Request,
    moderation: ModerationService,
    identity: Identity,
    *,
    creator_only: bool = False,
) -> Moderator:
    return await moderation.authorize(
        request.match_info["show_id"],
        await identity.current_creator(request),
        await identity.current_viewer(request),
        creator_only=creator_only,
    )


async def delete_message(
    request: web.Request, *, moderation: ModerationService, identity: Identity
) -> web.Response:
    """Delete a chat message; every viewer gets `chat_deleted`."""
    actor = await _actor(request, moderation, identity)
    raw_id = request.match_info["message_id"]
    if not raw_id.isdigit():
        raise ChatMessageNotFound("this show has no message with this id", id=raw_id)
    await moderation.delete_message(actor, int(raw_id))
    return web.Response(status=204)


async def mute(
    request: web.Request, *, moderation: ModerationService, identity: Identity
) -> web.Response:
    """Mute a viewer in this show: {viewer_id, seconds} -> {muted_until (epoch seconds)}."""
    actor = await _actor(request, moderation, identity)
    muting = parse_mute(await read_object(request), moderation.max_mute_seconds)
    until, address_held = await moderation.mute(actor, muting.viewer_id, muting.seconds)
    return web.json_response(
        {"viewer_id": muting.viewer_id, "muted_until": until, "address_held": address_held}
    )


async def ban(
    request: web.Request, *, moderation: ModerationService, identity: Identity
) -> web.Response:
    """Ban a viewer (and the address it was last seen at) from all of this creator's shows."""
    actor = await _actor(request, moderation, identity)
    viewer_id = parse_viewer(await read_object(request))
    address_held = await moderation.ban(actor, viewer_id)
    return web.json_response(
        {"viewer_id": viewer_id, "banned": True, "address_held": address_held},
        status=201,
    )


async def list_bans(
    request: web.Request, *, moderation: ModerationService, identity: Identity
) -> web.Response:
    """The signed-in creator's bans, with how many other guests each caught by address."""
    creator = await identity.require_creator(request)
    bans = await moderation.bans(creator)
    return web.json_response({"bans": [ban_json(ban) for ban in bans]})


async def unban(
    request: web.Request, *, moderation: ModerationService, identity: Identity
) -> web.Response:
    """Lift a ban (404 if the viewer was not banned)."""
    actor = await _actor(request, moderation, identity)
    viewer_id = request.match_info["viewer_id"]
    if not await moderation.unban(actor, viewer_id):
        raise NotFound("this viewer is not banned", viewer_id=viewer_id)
    return web.Response(status=204)


async def slow_mode(
    request: web.Request, *, moderation: ModerationService, identity: Identity
) -> web.Response:
    """Set the show's slow mode (creator only): {seconds} (0 = off)."""
    actor = await _actor(request, moderation, identity, creator_only=True)
    wanted = parse_slow_mode(await read_object(request), moderation.max_slow_mode_seconds)
    seconds = await moderation.set_slow_mode(actor, wanted)
    return web.json_response({"slow_mode_seconds": seconds})


async def list_moderators(
    request: web.Request, *, moderation: ModerationService, identity: Identity
) -> web.Response:
    """The signed-in creator's moderators."""
    creator = await identity.require_creator(request)
    moderators = await moderation.moderators(creator)
    return web.json_response({"moderators": [moderator_json(m) for m in moderators]})


async def add_moderator(
    request: web.Request, *, moderation: ModerationService, identity: Identity
) -> web.Response:
    """Name a viewer moderator of all the creator's shows: {viewer_id}."""
    creator = await identity.require_creator(request)
    viewer_id = parse_viewer(await read_object(request))
    await moderation.add_moderator(creator, viewer_id)
    moderators = await moderation.moderators(creator)
    return web.json_response({"moderators": [moderator_json(m) for m in moderators]}, status=201)


async def remove_moderator(
    request: web.Request, *, moderation: ModerationService, identity: Identity
) -> web.Response:
    """Remove a moderator (404 if the viewer was not one)."""
    creator = await identity.require_creator(request)
    viewer_id = request.match_info["viewer_id"]
    if not await moderation.remove_moderator(creator, viewer_id):
        raise NotFound("this viewer is not your moderator", viewer_id=viewer_id)
    return web.Response(status=204)


async def get_blocked_words(
    request: web.Request, *, moderation: ModerationService, identity: Identity
) -> web.Response:
    """The signed-in creator's own blocked words."""
    creator = await identity.require_creator(request)
    words = await moderation.blocked_words(creator)
    return web.json_response({"words": words})


async def put_blocked_words(
    request: web.Request, *, moderation: ModerationService, identity: Identity
) -> web.Response:
    """Replace the creator's blocked words: {words: [...]}."""
    creator = await identity.require_creator(request)
    wanted = parse_blocked_words(await read_object(request))
    words = await moderation.set_blocked_words(creator, wanted)
    return web.json_response({"words": words})
