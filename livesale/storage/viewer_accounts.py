"""Viewer accounts in the record: an email and an Argon2id hash on a guest's own id, and
the sessions of the devices signed in to it.

The account owns the guest id rather than copying the guest's rows: orders,
carts, chat names, follows, reviews and taste are all keyed by that id, so they
stay the person's without rewriting any history. Making the account retires
the guest cookie (a new session token replaces it) so a token seen before the
account existed cannot reach it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from livesale.config import AuthSettings
from livesale.domain.accounts import (
    Viewer,
    ViewerAccount,
    hash_token,
    new_token,
    validate_email,
    validate_password,
    viewer_login_name,
)
from livesale.domain.errors import AccountExists, EmailTaken, InvalidCredentials, ValidationFailed
from livesale.storage.database import Database
from livesale.storage.login_throttle import LoginThrottle
from livesale.storage.passwords import Passwords
from livesale.storage.sql import Executor, IntegrityViolation, Row
from livesale.storage.viewers import ViewerRepository

logger = logging.getLogger(__name__)


class ViewerAccounts:
    """Accounts of guest viewers and their device sessions; the only code on those tables."""

    def __init__(
        self,
        db: Database,
        settings: AuthSettings,
        viewers: ViewerRepository,
        passwords: Passwords,
        throttle: LoginThrottle | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._db = db
        self._settings = settings
        self._viewers = viewers
        self._passwords = passwords
        self._throttle = throttle
        self._clock = clock

    async def create(
        self, viewer_id: str, email: object, password: object, client_ip: str | None = None
    ) -> tuple[ViewerAccount, str | None]:
        """Give this guest an account; returns it and a session token for this device.

        An account made of passkeys alone gets the email and password added (no new
        token then: the device's session stays). AccountExists if the guest has an
        email already, EmailTaken if another account uses the email (any letter
        case); counted against the address like creator sign-ups.
        """
        clean_email = validate_email(email)
        clean_password = validate_password(password)
        existing = await self.account(viewer_id)
        if existing is not None and existing.email is not None:
            raise AccountExists("this guest already has an account")
        if self._throttle is not None:
            await self._throttle.begin_sign_up(client_ip)
        if await self._row_by_email(clean_email) is not None:
            raise EmailTaken("an account with this email exists", field="email")
        password_hash = await self._passwords.hash_new(clean_password)
        if existing is not None:
            return await self._add_password(existing, clean_email, password_hash), None
        account = ViewerAccount(viewer_id, clean_email, self._clock())
        token = new_token()
        try:
            async with self._db.transaction() as conn:
                await conn.execute(
                    "INSERT INTO viewer_accounts (viewer_id, email, password_hash, created_at)"
                    " VALUES (?, ?, ?, ?)",
                    (viewer_id, clean_email, password_hash, account.created_at),
                )
                # The guest token is replaced by a hash nobody holds: from now on
                # only sessions reach this identity.
                await conn.execute(
                    "UPDATE viewers SET token_hash = ? WHERE id = ?",
                    (hash_token(new_token()), viewer_id),
                )
                await self._insert_session(conn, viewer_id, token)
        except IntegrityViolation:
            # Two sign-ups raced: same guest or same email.
            if await self.account(viewer_id) is not None:
                raise AccountExists("this guest already has an account") from None
            raise EmailTaken("an account with this email exists", field="email") from None
        self._viewers.clear_cache()
        logger.info("viewer %s made an account", viewer_id)
        return account, token

    async def _add_password(
        self, account: ViewerAccount, email: str, password_hash: str
    ) -> ViewerAccount:
        try:
            async with self._db.transaction() as conn:
                changed = await conn.execute(
                    "UPDATE viewer_accounts SET email = ?, password_hash = ?"
                    " WHERE viewer_id = ? AND email IS NULL",
                    (email, password_hash, account.viewer_id),
                )
        except IntegrityViolation:
            raise EmailTaken("an account with this email exists", field="email") from None
        if changed == 0:
            raise AccountExists("this guest already has an account")
        return ViewerAccount(account.viewer_id, email, account.created_at)

    async def ensure_for_passkey(self, viewer_id: str) -> tuple[ViewerAccount, str | None]:
        """The guest's account, made (passkeys only, no email) if it had none.

        The token is a session for this device when the account was just made
        (the guest token is retired as in `create`), else None.
        """
        existing = await self.account(viewer_id)
        if existing is not None:
            return existing, None
        account = ViewerAccount(viewer_id, None, self._clock())
        token = new_token()
        try:
            async with self._db.transaction() as conn:
                await conn.execute(
                    "INSERT INTO viewer_accounts (viewer_id, email, password_hash, created_at)"
                    " VALUES (?, NULL, NULL, ?)",
                    (viewer_id, account.created_at),
                )
                await conn.execute(
                    "UPDATE viewers SET token_hash = ? WHERE id = ?",
                    (hash_token(new_token()), viewer_id),
                )
                await self._insert_session(conn, viewer_id, token)
        except IntegrityViolation:
            # A second passkey raced the first: the account exists now.
            made = await self.account(viewer_id)
            assert made is not None, "viewer_accounts refused a row for another reason"
            return made, None
        self._viewers.clear_cache()
        logger.info("viewer %s made an account with a passkey", viewer_id)
        return account, token

    async def start_session(self, viewer_id: str) -> tuple[Viewer, ViewerAccount, str]:
        """A new device session for an account (after a passkey sign-in)."""
        account = await self.account(viewer_id)
        if account is None:
            # A passkey outlived its account (deleted since): it opens nothing.
            raise InvalidCredentials("no account has this passkey")
        token = new_token()
        async with self._db.transaction() as conn:
            await self._insert_session(conn, viewer_id, token)
        return await self._viewers.get(viewer_id), account, token

    async def log_in(
        self, email: object, password: object, client_ip: str | None, challenge: object = None
    ) -> tuple[Viewer, ViewerAccount, str]:
        """The person and a new device session if the password is right.

        InvalidCredentials or ChallengeRequired otherwise (throttled like creators).
        """
        if not isinstance(email, str):
            raise ValidationFailed("email must be a string", field="email", reason="wrong_type")
        if not isinstance(password, str):
            raise ValidationFailed(
                "password must be a string", field="password", reason="wrong_type"
            )
        name = viewer_login_name(email)
        if self._throttle is not None:
            await self._throttle.begin(name, client_ip, challenge)
        row = await self._row_by_email(email.strip(), with_hash=True)
        if row is None:
            await self._passwords.verify_nothing(password)
            raise InvalidCredentials("wrong email or password")
        stored = str(row["password_hash"] or "")
        if not await self._passwords.verify(stored, password):
            raise InvalidCredentials("wrong email or password")
        if self._throttle is not None:
            await self._throttle.succeeded(name, client_ip)
        viewer_id = str(row["viewer_id"])
        token = new_token()
        # The costs changed in config: upgrade while the password is at hand (hashed
        # before the write transaction, which must stay short).
        upgraded = (
            await self._passwords.rehash(password) if self._passwords.needs_rehash(stored) else None
        )
        async with self._db.transaction() as conn:
            if upgraded is not None:
                await conn.execute(
                    "UPDATE viewer_accounts SET password_hash = ? WHERE viewer_id = ?",
                    (upgraded, viewer_id),
                )
            await self._insert_session(conn, viewer_id, token)
        return await self._viewers.get(viewer_id), _account(row), token

    async def log_out(self, token: str) -> bool:
        """End this device's session; False if the token was none (a plain guest's is kept)."""
        async with self._db.transaction() as conn:
            ended = await conn.execute(
                "DELETE FROM viewer_sessions WHERE token_hash = ?", (hash_token(token),)
            )
        self._viewers.forget_token(token)
        return ended > 0

    async def account(self, viewer_id: str) -> ViewerAccount | None:
        """The guest's account, or None while it is a plain guest."""
        row = await self._db.fetchone(
            "SELECT viewer_id, email, created_at FROM viewer_accounts WHERE viewer_id = ?",
            (viewer_id,),
        )
        return None if row is None else _account(row)

    async def _insert_session(self, conn: Executor, viewer_id: str, token: str) -> None:
        now = self._clock()
        # Opportunistic pruning of this person's expired sessions (indexed).
        await conn.execute(
            "DELETE FROM viewer_sessions WHERE viewer_id = ? AND expires_at <= ?",
            (viewer_id, now),
        )
        await conn.execute(
            "INSERT INTO viewer_sessions (token_hash, viewer_id, created_at, expires_at)"
            " VALUES (?, ?, ?, ?)",
            (hash_token(token), viewer_id, now, now + self._settings.guest_ttl_seconds),
        )

    async def _row_by_email(self, email: str, with_hash: bool = False) -> Row | None:
        columns = "viewer_id, email, created_at" + (", password_hash" if with_hash else "")
        return await self._db.fetchone(
            f"SELECT {columns} FROM viewer_accounts WHERE lower(email) = lower(?)", (email,)
        )


def _account(row: Row) -> ViewerAccount:
    return ViewerAccount(
        viewer_id=str(row["viewer_id"]),
        email=None if row["email"] is None else str(row["email"]),
        created_at=float(row["created_at"]),
    )
