"""A guest's account: make one, sign a device in and out, and read it."""

from __future__ import annotations

from functools import partial

from aiohttp import web

from livesale.storage.viewer_accounts import ViewerAccounts
from livesale.web.auth import Identity, viewer_account_json, viewer_json, viewer_token
from livesale.web.auth_requests import parse_log_in, parse_viewer_account
from livesale.web.json_body import read_object


def add_viewer_account_routes(
    app: web.Application, *, accounts: ViewerAccounts, identity: Identity
) -> None:
    """Register the /api/viewer/account, /api/viewer/login and /api/viewer/logout endpoints."""
    app.router.add_get(
        "/api/viewer/account", partial(get_account, accounts=accounts, identity=identity)
    )
    app.router.add_post(
        "/api/viewer/account", partial(create_account, accounts=accounts, identity=identity)
    )
    app.router.add_post("/api/viewer/login", partial(log_in, accounts=accounts, identity=identity))
    app.router.add_post(
        "/api/viewer/logout", partial(log_out, accounts=accounts, identity=identity)
    )


async def get_account(
    request: web.Request, *, accounts: ViewerAccounts, identity: Identity
) -> web.Response:
    """This browser's account, or null for a plain guest (or no guest at all)."""
    viewer = await identity.current_viewer(request)
    account = None if viewer is None else await accounts.account(viewer.id)
    return web.json_response(
        {"account": None if account is None else viewer_account_json(account)},
        headers={"Cache-Control": "no-store"},
    )


async def create_account(
    request: web.Request, *, accounts: ViewerAccounts, identity: Identity
) -> web.Response:
    """Turn this browser's guest into an account (201 and a fresh viewer cookie).

    An account of passkeys alone gets the email and password added (200, same cookie).
    """
    wanted = parse_viewer_account(await read_object(request))
    viewer = await identity.require_viewer(request)
    account, token = await accounts.create(viewer.id, wanted.email, wanted.password, request.remote)
    response = web.json_response(
        {"viewer": viewer_json(viewer), "account": viewer_account_json(account)},
        status=200 if token is None else 201,
    )
    if token is not None:
        identity.set_viewer_cookie(response, request, token)
    return response


async def log_in(
    request: web.Request, *, accounts: ViewerAccounts, identity: Identity
) -> web.Response:
    """Check the password (throttled); this browser becomes that person (a new viewer cookie).

    The browser's own guest, if it had one, is left as it was: its cookie is replaced.
    """
    attempt = parse_log_in(await read_object(request))
    viewer, account, token = await accounts.log_in(
        attempt.email, attempt.password, request.remote, attempt.challenge
    )
    response = web.json_response(
        {"viewer": viewer_json(viewer), "account": viewer_account_json(account)}
    )
    identity.set_viewer_cookie(response, request, token)
    return response


async def log_out(
    request: web.Request, *, accounts: ViewerAccounts, identity: Identity
) -> web.Response:
    """End this device's account session and drop its cookie: 204 either way.

    A plain guest's cookie is kept: it is the only key to that guest's orders.
    """
    token = viewer_token(request)
    response = web.Response(status=204)
    if token is not None and await accounts.log_out(token):
        identity.clear_viewer_cookie(response, request)
    return response
