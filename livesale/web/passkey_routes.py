"""Passkeys over HTTP: register, sign in, list and remove, for viewers and for creators.

Each ceremony is two requests: `.../options` hands the browser what
`navigator.credentials.create()` or `.get()` needs plus a ceremony id; the
answer comes back with that id. A guest registering its first passkey gets
an account made of it (and a device session cookie, as for a new account).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from aiohttp import web

from livesale.domain.errors import PasskeyRejected
from livesale.domain.person import address_key
from livesale.storage.creators import CreatorRepository
from livesale.storage.passkeys import Owner, Passkey, Passkeys
from livesale.storage.rate_limits import RateLimiter
from livesale.storage.viewer_accounts import ViewerAccounts
from livesale.web.auth import Identity, creator_json, viewer_account_json, viewer_json
from livesale.web.json_body import read_object


def add_passkey_routes(
    app: web.Application,
    *,
    passkeys: Passkeys,
    accounts: ViewerAccounts,
    creators: CreatorRepository,
    identity: Identity,
    limiter: RateLimiter,
    sign_ins_per_minute: int,
) -> None:
    """Register /api/viewer/passkeys/* and /api/auth/passkeys/*."""
    parts: dict[str, Any] = {"passkeys": passkeys, "accounts": accounts, "identity": identity}
    # viewers' passkeys (written out whole: the abuse suite finds write routes by their text)
    app.router.add_get("/api/viewer/passkeys", partial(list_passkeys, kind="viewer", **parts))
    app.router.add_post(
        "/api/viewer/passkeys/options", partial(register_options, kind="viewer", **parts)
    )
    app.router.add_post("/api/viewer/passkeys", partial(register, kind="viewer", **parts))
    app.router.add_delete(
        "/api/viewer/passkeys/{passkey_id}", partial(remove, kind="viewer", **parts)
    )
    app.router.add_post(
        "/api/viewer/passkeys/sign-in/options",
        partial(
            sign_in_options, passkeys=passkeys, limiter=limiter, per_minute=sign_ins_per_minute
        ),
    )
    app.router.add_post(
        "/api/viewer/passkeys/sign-in", partial(sign_in, kind="viewer", creators=creators, **parts)
    )
    # creators' passkeys (written out whole: the abuse suite finds write routes by their text)
    app.router.add_get("/api/auth/passkeys", partial(list_passkeys, kind="creator", **parts))
    app.router.add_post(
        "/api/auth/passkeys/options", partial(register_options, kind="creator", **parts)
    )
    app.router.add_post("/api/auth/passkeys", partial(register, kind="creator", **parts))
    app.router.add_delete(
        "/api/auth/passkeys/{passkey_id}", partial(remove, kind="creator", **parts)
    )
    app.router.add_post(
        "/api/auth/passkeys/sign-in/options",
        partial(
            sign_in_options, passkeys=passkeys, limiter=limiter, per_minute=sign_ins_per_minute
        ),
    )
    app.router.add_post(
        "/api/auth/passkeys/sign-in", partial(sign_in, kind="creator", creators=creators, **parts)
    )


async def _owner(
    request: web.Request, kind: str, identity: Identity, accounts: ViewerAccounts
) -> tuple[Owner, str, str]:
    """The caller as a passkey owner, with the name and display name the passkey shows."""
    if kind == "creator":
        creator = await identity.require_creator(request)
        return Owner("creator", creator.id), creator.email, creator.display_name
    viewer = await identity.require_viewer(request)
    account = await accounts.account(viewer.id)
    name = account.email if account is not None and account.email else viewer.display_name
    return Owner("viewer", viewer.id), name, viewer.display_name


async def register_options(
    request: web.Request,
    *,
    kind: str,
    passkeys: Passkeys,
    accounts: ViewerAccounts,
    identity: Identity,
) -> web.Response:
    """`{ceremony, options}` to create a passkey for the signed-in creator or this guest."""
    owner, name, display_name = await _owner(request, kind, identity, accounts)
    ceremony, options = await passkeys.registration_options(owner, name, display_name)
    return web.json_response(
        {"ceremony": ceremony, "options": options}, headers={"Cache-Control": "no-store"}
    )


async def register(
    request: web.Request,
    *,
    kind: str,
    passkeys: Passkeys,
    accounts: ViewerAccounts,
    identity: Identity,
) -> web.Response:
    """Keep the new passkey (201); a guest's first one makes its account and a session."""
    body = await read_object(request, ("ceremony", "credential"))
    owner, _name, _display = await _owner(request, kind, identity, accounts)
    passkey = await passkeys.register(owner, body.get("ceremony"), body.get("credential"))
    answer: dict[str, Any] = {"passkey": passkey_json(passkey)}
    token = None
    if owner.kind == "viewer":
        account, token = await accounts.ensure_for_passkey(owner.id)
        answer["account"] = viewer_account_json(account)
    response = web.json_response(answer, status=201)
    if token is not None:
        identity.set_viewer_cookie(response, request, token)
    return response


async def list_passkeys(
    request: web.Request,
    *,
    kind: str,
    passkeys: Passkeys,
    accounts: ViewerAccounts,
    identity: Identity,
) -> web.Response:
    """The caller's passkeys."""
    owner, _name, _display = await _owner(request, kind, identity, accounts)
    listed = [passkey_json(key) for key in await passkeys.list(owner)]
    return web.json_response({"passkeys": listed}, headers={"Cache-Control": "no-store"})


async def remove(
    request: web.Request,
    *,
    kind: str,
    passkeys: Passkeys,
    accounts: ViewerAccounts,
    identity: Identity,
) -> web.Response:
    """Forget one of the caller's passkeys (404 passkey_not_found for anyone else's)."""
    owner, _name, _display = await _owner(request, kind, identity, accounts)
    await passkeys.remove(owner, request.match_info["passkey_id"])
    return web.Response(status=204)


async def sign_in_options(
    request: web.Request, *, passkeys: Passkeys, limiter: RateLimiter, per_minute: int
) -> web.Response:
    """`{ceremony, options}` to sign in with any passkey of this site (limited per address)."""
    await limiter.check(
        f"passkey:{address_key(request.remote)}",
        per_minute,
        60.0,
        "passkey sign-ins from this address",
    )
    ceremony, options = await passkeys.sign_in_options()
    return web.json_response(
        {"ceremony": ceremony, "options": options}, headers={"Cache-Control": "no-store"}
    )


async def sign_in(
    request: web.Request,
    *,
    kind: str,
    passkeys: Passkeys,
    accounts: ViewerAccounts,
    creators: CreatorRepository,
    identity: Identity,
) -> web.Response:
    """Check the signed challenge; this browser becomes the passkey's owner (a new cookie)."""
    body = await read_object(request, ("ceremony", "credential"))
    owner = await passkeys.sign_in(body.get("ceremony"), body.get("credential"))
    if owner.kind != kind:
        # A creator's passkey on the viewer's sign-in (or the reverse) opens nothing here.
        raise PasskeyRejected("no account here has this passkey", reason="unknown_credential")
    if owner.kind == "creator":
        creator = await creators.get(owner.id)
        response = web.json_response({"creator": creator_json(creator)})
        identity.set_session_cookie(response, request, await creators.create_session(owner.id))
        return response
    viewer, account, token = await accounts.start_session(owner.id)
    response = web.json_response(
        {"viewer": viewer_json(viewer), "account": viewer_account_json(account)}
    )
    identity.set_viewer_cookie(response, request, token)
    return response


def passkey_json(passkey: Passkey) -> dict[str, Any]:
    """A passkey as its owner sees it."""
    return {
        "id": passkey.id,
        "created_at": passkey.created_at,
        "last_used_at": passkey.last_used_at,
    }
