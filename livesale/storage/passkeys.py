"""Passkeys (WebAuthn credentials) of viewers and creators: register, sign in, list, remove.

The `webauthn` package builds the options the browser needs and checks what
comes back (attestation on registration, the signature on sign-in, the
origin, the relying party id, the challenge and the signature counter).
Passkeys are discoverable (kept on the authenticator with the user's handle),
so signing in needs no email: the browser offers the passkeys it has for
this site. User verification (a fingerprint, a face, the device PIN) is
required both times, which makes a passkey a sign-in of its own.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from livesale.domain.errors import PasskeyNotFound, PasskeyRejected
from livesale.storage.database import Database
from livesale.storage.passkey_ceremonies import PasskeyCeremonies
from livesale.storage.sql import IntegrityViolation, Row

logger = logging.getLogger(__name__)

OwnerKind = Literal["viewer", "creator"]
RP_NAME = "livesale"
# How long the browser shows its own passkey prompt, in milliseconds.
PROMPT_MILLISECONDS = 120_000
_COLUMNS = "id, owner_kind, owner_id, public_key, sign_count, transports, created_at, last_used_at"


@dataclass(frozen=True)
class Owner:
    """Whose passkey: a viewer (the guest id its account owns) or a creator."""

    kind: OwnerKind
    id: str


@dataclass(frozen=True)
class Passkey:
    """A stored passkey as its owner sees it (the public key stays inside)."""

    id: str
    owner: Owner
    created_at: float
    last_used_at: float | None


class Passkeys:
    """WebAuthn ceremonies and the `passkeys` table; the only code that touches it."""

    def __init__(
        self,
        db: Database,
        ceremonies: PasskeyCeremonies,
        rp_id: str,
        origin: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._db = db
        self._ceremonies = ceremonies
        self._rp_id = rp_id
        self._origin = origin
        self._clock = clock

    async def registration_options(
        self, owner: Owner, user_name: str, display_name: str
    ) -> tuple[str, dict[str, Any]]:
        """A ceremony id and the options for `navigator.credentials.create()` (JSON)."""
        existing = await self.list(owner)
        options = generate_registration_options(
            rp_id=self._rp_id,
            rp_name=RP_NAME,
            user_id=f"{owner.kind}:{owner.id}".encode(),
            user_name=user_name,
            user_display_name=display_name,
            timeout=PROMPT_MILLISECONDS,
            authenticator_selection=AuthenticatorSelectionCriteria(
                resident_key=ResidentKeyRequirement.REQUIRED,
                user_verification=UserVerificationRequirement.REQUIRED,
            ),
            # The same authenticator twice would only be a second row for one key.
            exclude_credentials=[
                PublicKeyCredentialDescriptor(id=base64url_to_bytes(key.id)) for key in existing
            ],
        )
        ceremony = await self._ceremonies.begin("register", options.challenge, owner.kind, owner.id)
        return ceremony, json.loads(options_to_json(options))

    async def register(self, owner: Owner, ceremony_id: object, credential: object) -> Passkey:
        """Check the browser's new credential against the ceremony and keep it."""
        ceremony = await self._ceremonies.finish(ceremony_id, "register")
        if (ceremony.owner_kind, ceremony.owner_id) != (owner.kind, owner.id):
            raise PasskeyRejected("this passkey request was someone else's", reason="malformed")
        if not isinstance(credential, dict):
            raise PasskeyRejected("credential must be an object", reason="malformed")
        try:
            verified = verify_registration_response(
                credential=credential,
                expected_challenge=ceremony.challenge,
                expected_rp_id=self._rp_id,
                expected_origin=self._origin,
                require_user_verification=True,
            )
        except (WebAuthnException, KeyError, TypeError, ValueError) as error:
            raise PasskeyRejected(
                "the passkey could not be verified", reason="verification_failed"
            ) from error
        passkey = Passkey(bytes_to_base64url(verified.credential_id), owner, self._clock(), None)
        transports = _transports(credential)
        try:
            async with self._db.transaction() as conn:
                await conn.execute(
                    f"INSERT INTO passkeys ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, NULL)",
                    (
                        passkey.id,
                        owner.kind,
                        owner.id,
                        bytes_to_base64url(verified.credential_public_key),
                        verified.sign_count,
                        json.dumps(transports),
                        passkey.created_at,
                    ),
                )
        except IntegrityViolation:
            raise PasskeyRejected(
                "this passkey is registered already", reason="already_registered"
            ) from None
        logger.info("%s %s added a passkey", owner.kind, owner.id)
        return passkey

    async def sign_in_options(self) -> tuple[str, dict[str, Any]]:
        """A ceremony id and the options for `navigator.credentials.get()` (any passkey here)."""
        options = generate_authentication_options(
            rp_id=self._rp_id,
            timeout=PROMPT_MILLISECONDS,
            user_verification=UserVerificationRequirement.REQUIRED,
        )
        ceremony = await self._ceremonies.begin("sign_in", options.challenge)
        return ceremony, json.loads(options_to_json(options))

    async def sign_in(self, ceremony_id: object, credential: object) -> Owner:
        """Whose passkey signed the ceremony's challenge; PasskeyRejected otherwise."""
        ceremony = await self._ceremonies.finish(ceremony_id, "sign_in")
        if not isinstance(credential, dict) or not isinstance(credential.get("id"), str):
            raise PasskeyRejected("credential must be an object with an id", reason="malformed")
        row = await self._db.fetchone(
            f"SELECT {_COLUMNS} FROM passkeys WHERE id = ?", (credential["id"],)
        )
        if row is None:
            raise PasskeyRejected("no account here has this passkey", reason="unknown_credential")
        try:
            verified = verify_authentication_response(
                credential=credential,
                expected_challenge=ceremony.challenge,
                expected_rp_id=self._rp_id,
                expected_origin=self._origin,
                credential_public_key=base64url_to_bytes(str(row["public_key"])),
                credential_current_sign_count=int(row["sign_count"]),
                require_user_verification=True,
            )
        except (WebAuthnException, KeyError, TypeError, ValueError) as error:
            raise PasskeyRejected(
                "the passkey could not be verified", reason="verification_failed"
            ) from error
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE passkeys SET sign_count = ?, last_used_at = ? WHERE id = ?",
                (verified.new_sign_count, self._clock(), str(row["id"])),
            )
        return _passkey(row).owner

    async def list(self, owner: Owner) -> list[Passkey]:
        """The owner's passkeys, oldest first."""
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM passkeys WHERE owner_kind = ? AND owner_id = ?"
            " ORDER BY created_at, id",
            (owner.kind, owner.id),
        )
        return [_passkey(row) for row in rows]

    async def remove(self, owner: Owner, passkey_id: str) -> None:
        """Forget one of the owner's passkeys (PasskeyNotFound for anyone else's)."""
        async with self._db.transaction() as conn:
            removed = await conn.execute(
                "DELETE FROM passkeys WHERE id = ? AND owner_kind = ? AND owner_id = ?",
                (passkey_id, owner.kind, owner.id),
            )
        if removed == 0:
            raise PasskeyNotFound("you have no passkey with this id", passkey_id=passkey_id)


def _transports(credential: dict[str, Any]) -> list[str]:
    """The transports the browser reported, those WebAuthn knows (kept for the record)."""
    response = credential.get("response")
    reported = response.get("transports") if isinstance(response, dict) else None
    known = {transport.value for transport in AuthenticatorTransport}
    return [t for t in reported if t in known] if isinstance(reported, list) else []


def _passkey(row: Row) -> Passkey:
    kind: OwnerKind = "creator" if str(row["owner_kind"]) == "creator" else "viewer"
    last_used = row["last_used_at"]
    return Passkey(
        id=str(row["id"]),
        owner=Owner(kind, str(row["owner_id"])),
        created_at=float(row["created_at"]),
        last_used_at=None if last_used is None else float(last_used),
    )
