"""Creator sign-up, login, logout and /me; the guest viewer's identity."""

from __future__ import annotations

from aiohttp import web

from livesale import keys
from livesale.domain.errors import ValidationFailed
from livesale.storage.challenges import PURPOSES
from livesale.web.auth import (
    clear_session_cookie,
    creator_json,
    current_viewer,
    require_creator,
    session_token,
    set_session_cookie,
    set_viewer_cookie,
    viewer_json,
)
from livesale.web.auth_requests import parse_guest_name, parse_log_in, parse_sign_up
from livesale.web.json_body import read_object


def add_auth_routes(app: web.Application) -> None:
    """Register the /api/auth/* and /api/viewer endpoints."""
    app.router.add_post("/api/auth/signup", sign_up)
    app.router.add_post("/api/auth/login", log_in)
    app.router.add_post("/api/auth/logout", log_out)
    app.router.add_get("/api/auth/me", me)
    app.router.add_get("/api/viewer", get_viewer)
    app.router.add_put("/api/viewer", put_viewer)
    app.router.add_get("/api/challenge", get_challenge)


async def sign_up(request: web.Request) -> web.Response:
    """Create a creator account and sign it in (201 + session cookie)."""
    new = parse_sign_up(await read_object(request))
    creators = request.app[keys.CREATORS]
    creator = await creators.sign_up(new.email, new.password, new.display_name, request.remote)
    response = web.json_response({"creator": creator_json(creator)}, status=201)
    set_session_cookie(response, request, await creators.create_session(creator.id))
    return response


async def log_in(request: web.Request) -> web.Response:
    """Check the password (throttled) and start a session (200 + session cookie)."""
    attempt = parse_log_in(await read_object(request))
    creators = request.app[keys.CREATORS]
    creator = await creators.log_in(
        attempt.email, attempt.password, request.remote, attempt.challenge
    )
    response = web.json_response({"creator": creator_json(creator)})
    set_session_cookie(response, request, await creators.create_session(creator.id))
    return response


async def log_out(request: web.Request) -> web.Response:
    """End the session (if any) and clear the cookie: 204 either way."""
    token = session_token(request)
    if token is not None:
        await request.app[keys.CREATORS].end_session(token)
    response = web.Response(status=204)
    clear_session_cookie(response, request)
    return response


async def me(request: web.Request) -> web.Response:
    """The signed-in creator, or 401 not_signed_in."""
    return web.json_response({"creator": creator_json(await require_creator(request))})


async def get_viewer(request: web.Request) -> web.Response:
    """The guest identity of this browser, or null if it has none yet."""
    viewer = await current_viewer(request)
    return web.json_response({"viewer": None if viewer is None else viewer_json(viewer)})


async def put_viewer(request: web.Request) -> web.Response:
    """Set the guest's display name, creating the guest (and its cookie) on first use.

    A rename costs nothing; a creation is counted against the client address and,
    past its free ones, needs `challenge` (a solved proof of work).
    """
    # A bad name is refused before anything is counted or a challenge used up.
    wanted = parse_guest_name(await read_object(request))
    viewers = request.app[keys.VIEWERS]
    viewer = await current_viewer(request)
    if viewer is not None:
        renamed = await viewers.rename(viewer.id, wanted.display_name)
        return web.json_response({"viewer": viewer_json(renamed)})
    await request.app[keys.GUEST_GATE].admit(request.remote, wanted.challenge)
    created, token = await viewers.create(wanted.display_name)
    response = web.json_response({"viewer": viewer_json(created)})
    set_viewer_cookie(response, request, token)
    return response


async def get_challenge(request: web.Request) -> web.Response:
    """A proof-of-work challenge for `?purpose=guest|login` (ALTCHA's JSON)."""
    purpose = request.query.get("purpose", "")
    if purpose not in PURPOSES:
        raise ValidationFailed(
            "purpose must be one of: " + ", ".join(PURPOSES),
            field="purpose",
            reason="bad_format",
            allowed=list(PURPOSES),
        )
    challenge = await request.app[keys.CHALLENGES].issue(purpose, request.remote)
    return web.json_response(challenge, headers={"Cache-Control": "no-store"})
