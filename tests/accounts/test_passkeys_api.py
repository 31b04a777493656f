"""Passkeys over HTTP with a software authenticator: creators and viewers, on both engines.

The server's WebAuthn checks run unchanged (the `webauthn` package against real
P-256 signatures); the authenticator is made to lie to see them refuse.
"""

from __future__ import annotations

from typing import Any

from livesale.composition.services import SERVICES
from tests.support.clients import Buyers, Client, assert_error, origin
from tests.support.soft_authenticator import SoftPasskey, create, sign_in


def public_origin(client: Client) -> str:
    """The origin the server expects in answers (its public URL's)."""
    return str(client.app[SERVICES].settings.base_url)


async def options_of(client: Client, url: str) -> tuple[str, dict[str, Any]]:
    response = await client.post(url, json={}, headers=origin(client))
    assert response.status == 200, await response.text()
    body = await response.json()
    assert response.headers["Cache-Control"] == "no-store"
    return str(body["ceremony"]), body["options"]


async def register(client: Client, base: str) -> tuple[SoftPasskey, dict[str, Any]]:
    """A new passkey for whoever `client` is, through `base` (viewer or creator routes)."""
    ceremony, options = await options_of(client, f"{base}/options")
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["authenticatorSelection"]["userVerification"] == "required"
    passkey, credential = create(options, public_origin(client))
    response = await client.post(
        base, json={"ceremony": ceremony, "credential": credential}, headers=origin(client)
    )
    assert response.status == 201, await response.text()
    body: dict[str, Any] = await response.json()
    return passkey, body


async def passkey_sign_in(
    client: Client, base: str, passkey: SoftPasskey, **lie: Any
) -> tuple[int, dict[str, Any]]:
    ceremony, options = await options_of(client, f"{base}/sign-in/options")
    assert "allowCredentials" not in options or options["allowCredentials"] == []
    credential = sign_in(passkey, options, lie.pop("origin", public_origin(client)), **lie)
    response = await client.post(
        f"{base}/sign-in",
        json={"ceremony": ceremony, "credential": credential},
        headers=origin(client),
    )
    return response.status, await response.json()


async def test_a_creator_signs_in_with_a_passkey_and_each_challenge_works_once(
    alice: Client, anonymous: Client
) -> None:
    passkey, body = await register(alice, "/api/auth/passkeys")
    assert body["passkey"]["id"] == passkey.id
    listed = await (await alice.get("/api/auth/passkeys")).json()
    assert [key["id"] for key in listed["passkeys"]] == [passkey.id]

    status, signed_in = await passkey_sign_in(anonymous, "/api/auth/passkeys", passkey)
    assert status == 200, signed_in
    assert signed_in["creator"]["email"] == "alice@example.com"
    assert (await anonymous.get("/api/auth/me")).status == 200

    # The same answer twice: the challenge was taken out on first use.
    anonymous.session.cookie_jar.clear()
    ceremony, options = await options_of(anonymous, "/api/auth/passkeys/sign-in/options")
    credential = sign_in(passkey, options, public_origin(anonymous))
    answer = {"ceremony": ceremony, "credential": credential}
    first = await anonymous.post(
        "/api/auth/passkeys/sign-in", json=answer, headers=origin(anonymous)
    )
    assert first.status == 200
    again = await anonymous.post(
        "/api/auth/passkeys/sign-in", json=answer, headers=origin(anonymous)
    )
    details = await assert_error(again, 401, "passkey_rejected")
    assert details["reason"] == "expired"
    # A challenge expires on its own too (Redis keeps it for the ceremony's time only).
    unused, _ = await options_of(anonymous, "/api/auth/passkeys/sign-in/options")
    ttl = await alice.app[SERVICES].storage.redis.ttl(f"livesale:passkey:ceremony:{unused}")
    assert 0 < ttl <= alice.app[SERVICES].settings.auth.passkey_ceremony_seconds


async def test_lies_and_other_peoples_passkeys_are_refused(
    alice: Client, bob: Client, anonymous: Client
) -> None:
    passkey, _ = await register(alice, "/api/auth/passkeys")
    base = "/api/auth/passkeys"

    status, body = await passkey_sign_in(anonymous, base, passkey, origin="https://evil.example")
    assert (status, body["error"]["details"]["reason"]) == (401, "verification_failed")
    # A counter that does not move on is a cloned authenticator.
    assert (await passkey_sign_in(anonymous, base, passkey))[0] == 200
    anonymous.session.cookie_jar.clear()
    status, body = await passkey_sign_in(anonymous, base, passkey, count_up=False)
    assert (status, body["error"]["details"]["reason"]) == (401, "verification_failed")
    # An unknown key, and a creator's key on the viewers' sign-in.
    stranger = SoftPasskey(passkey.rp_id, passkey.user_handle)
    status, body = await passkey_sign_in(anonymous, base, stranger)
    assert (status, body["error"]["details"]["reason"]) == (401, "unknown_credential")
    status, body = await passkey_sign_in(anonymous, "/api/viewer/passkeys", passkey)
    assert (status, body["error"]["details"]["reason"]) == (401, "unknown_credential")
    assert (await anonymous.get("/api/auth/me")).status == 401

    # Bob can neither see nor remove Alice's passkey, nor finish her ceremony.
    assert (await (await bob.get(base)).json()) == {"passkeys": []}
    removed = await bob.delete(f"{base}/{passkey.id}", headers=origin(bob))
    await assert_error(removed, 404, "passkey_not_found")
    ceremony, options = await options_of(alice, f"{base}/options")
    _, credential = create(options, public_origin(bob))
    stolen = await bob.post(
        base, json={"ceremony": ceremony, "credential": credential}, headers=origin(bob)
    )
    await assert_error(stolen, 401, "passkey_rejected")
    assert len((await (await alice.get(base)).json())["passkeys"]) == 1

    # Removed by its owner, the passkey opens nothing.
    assert (await alice.delete(f"{base}/{passkey.id}", headers=origin(alice))).status == 204
    status, body = await passkey_sign_in(anonymous, base, passkey)
    assert (status, body["error"]["details"]["reason"]) == (401, "unknown_credential")


async def test_a_guests_first_passkey_makes_its_account(alice: Client, buyers: Buyers) -> None:
    mia = await buyers("Mia")
    guest = (await (await mia.get("/api/viewer")).json())["viewer"]
    await assert_error(
        await mia.post("/api/viewer/passkeys", json={}, headers=origin(mia)),
        401,
        "passkey_rejected",
    )
    passkey, body = await register(mia, "/api/viewer/passkeys")
    assert body["account"]["email"] is None
    assert (await (await mia.get("/api/viewer")).json())["viewer"] == guest
    # A second passkey joins the same account without a new cookie.
    _, second = await register(mia, "/api/viewer/passkeys")
    assert second["account"] == body["account"]

    phone = await buyers("Phone")
    status, signed_in = await passkey_sign_in(phone, "/api/viewer/passkeys", passkey)
    assert status == 200, signed_in
    assert signed_in["viewer"] == guest
    assert (await (await phone.get("/api/viewer")).json())["viewer"] == guest
    # A creator cannot use the viewer's passkey as theirs.
    status, body = await passkey_sign_in(alice, "/api/auth/passkeys", passkey)
    assert (status, body["error"]["details"]["reason"]) == (401, "unknown_credential")


async def test_a_passkey_account_may_add_an_email_and_password_once(buyers: Buyers) -> None:
    mia = await buyers("Mia")
    await register(mia, "/api/viewer/passkeys")
    cookie_before = mia.session.cookie_jar.filter_cookies(mia.make_url("/"))
    body = {"email": "mia@example.com", "password": "a long enough passphrase"}
    added = await mia.post("/api/viewer/account", json=body, headers=origin(mia))
    assert added.status == 200, await added.text()
    assert (await added.json())["account"]["email"] == "mia@example.com"
    assert "Set-Cookie" not in added.headers
    assert mia.session.cookie_jar.filter_cookies(mia.make_url("/")) == cookie_before
    again = await mia.post(
        "/api/viewer/account", json={**body, "email": "other@example.com"}, headers=origin(mia)
    )
    await assert_error(again, 409, "account_exists")

    phone = await buyers("Phone")
    signed_in = await phone.post("/api/viewer/login", json=body, headers=origin(phone))
    assert signed_in.status == 200, await signed_in.text()
