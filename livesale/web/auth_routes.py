"""Creator sign-up, login, logout and /me; the guest viewer's identity."""

from __future__ import annotations

from functools import partial

from aiohttp import web

from livesale.domain.errors import ValidationFailed
from livesale.storage.challenges import PURPOSES, Challenges
from livesale.storage.creators import CreatorRepository
from livesale.storage.guest_gate import GuestGate
from livesale.storage.viewers import ViewerRepository
from livesale.web.auth import (
    Identity,
    creator_json,
    session_token,
    viewer_json,
)
from livesale.web.auth_requests import parse_guest_name, parse_log_in, parse_sign_up
from livesale.web.json_body import read_object


def add_auth_routes(
    app: web.Application,
    *,
    creators: CreatorRepository,
    identity: Identity,
    viewers: ViewerRepository,
    guest_gate: GuestGate,
    challenges: Challenges,
) -> None:
    """Register the /api/auth/* and /api/viewer endpoints."""
    app.router.add_post("/api/auth/signup", partial(sign_up, creators=creators, identity=identity))
    app.router.add_post("/api/auth/login", partial(log_in, creators=creators, identity=identity))
    app.router.add_post("/api/auth/logout", partial(log_out, creators=creators, identity=identity))
    app.router.add_get("/api/auth/me", partial(me, identity=identity))
    app.router.add_get("/api/viewer", partial(get_viewer, identity=identity))
    app.router.add_put(
        "/api/viewer",
        partial(put_viewer, viewers=viewers, guest_gate=guest_gate, identity=identity),
    )
    app.router.add_get("/api/challenge", partial(get_challenge, challenges=challenges))


async def sign_up(
    request: web.Request, *, creators: CreatorRepository, identity: Identity
) -> web.Response:
    """Create a creator account and sign it in (201 + session cookie)."""
    new = parse_sign_up(await read_object(request))
    creator = await creators.sign_up(new.email, new.password, new.display_name, request.remote)
    response = web.json_response({"creator": creator_json(creator)}, status=201)
    identity.set_session_cookie(response, request, await creators.create_session(creator.id))
    return response


async def log_in(
    request: web.Request, *, creators: CreatorRepository, identity: Identity
) -> web.Response:
    """Check the password (throttled) and start a session (200 + session cookie)."""
    attempt = parse_log_in(await read_object(request))
    creator = await creators.log_in(
        attempt.email, attempt.password, request.remote, attempt.challenge
    )
    response = web.json_response({"creator": creator_json(creator)})
    identity.set_session_cookie(response, request, await creators.create_session(creator.id))
    return response


async def log_out(
    request: web.Request, *, creators: CreatorRepository, identity: Identity
) -> web.Response:
    """End the session (if any) and clear the cookie: 204 either way."""
    token = session_token(request)
    if token is not None:
        await creators.end_session(token)
    response = web.Response(status=204)
    identity.clear_session_cookie(response, request)
    return response


async def me(request: web.Request, *, identity: Identity) -> web.Response:
    """The signed-in creator, or 401 not_signed_in."""
    return web.json_response({"creator": creator_json(await identity.require_creator(request))})


async def get_viewer(request: web.Request, *, identity: Identity) -> web.Response:
    """The guest identity of this browser, or null if it has none yet."""
    viewer = await identity.current_viewer(request)
    return web.json_response({"viewer": None if viewer is None else viewer_json(viewer)})


async def put_viewer(
    request: web.Request, *, viewers: ViewerRepository, guest_gate: GuestGate, identity: Identity
) -> web.Response:
    """Set the guest's display name, creating the guest (and its cookie) on first use.

    A rename costs nothing; a creation is counted against the client address and,
    past its free ones, needs `challenge` (a solved proof of work).
    """
    # A bad name is refused before anything is counted or a challenge used up.
    wanted = parse_guest_name(await read_object(request))
    viewer = await identity.current_viewer(request)
    if viewer is not None:
        renamed = await viewers.rename(viewer.id, wanted.display_name)
        return web.json_response({"viewer": viewer_json(renamed)})
    await guest_gate.admit(request.remote, wanted.challenge)
    created, token = await viewers.create(wanted.display_name)
    response = web.json_response({"viewer": viewer_json(created)})
    identity.set_viewer_cookie(response, request, token)
    return response


async def get_challenge(request: web.Request, *, challenges: Challenges) -> web.Response:
    """A proof-of-work challenge for `?purpose=guest|login` (ALTCHA's JSON)."""
    purpose = request.query.get("purpose", "")
    if purpose not in PURPOSES:
        raise ValidationFailed(
            "purpose must be one of: " + ", ".join(PURPOSES),
            field="purpose",
            reason="bad_format",
            allowed=list(PURPOSES),
        )
    challenge = await challenges.issue(purpose, request.remote)
    return web.json_response(challenge, headers={"Cache-Control": "no-store"})
