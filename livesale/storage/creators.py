"""Creator accounts in SQLite: sign-up, password checks (argon2id) and sessions."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from livesale.config import AuthSettings
from livesale.domain.accounts import (
    Creator,
    hash_token,
    new_account_id,
    new_token,
    validate_display_name,
    validate_email,
    validate_password,
)
from livesale.domain.errors import (
    CreatorNotFound,
    EmailTaken,
    InvalidCredentials,
    ValidationFailed,
)
from livesale.storage.database import Database
from livesale.storage.login_throttle import LoginThrottle
from livesale.storage.passwords import Passwords
from livesale.storage.search_index import index_creator
from livesale.storage.sql import IntegrityViolation, Row

logger = logging.getLogger(__name__)

_COLUMNS = "id, email, display_name, created_at"


class CreatorRepository:
    """Persistence of creators and their sessions; the only code that touches those tables."""

    def __init__(
        self,
        db: Database,
        settings: AuthSettings,
        throttle: LoginThrottle | None = None,
        clock: Callable[[], float] = time.time,
        passwords: Passwords | None = None,
    ) -> None:
        self._db = db
        self._settings = settings
        self._throttle = throttle
        self._clock = clock
        # Shared with viewer accounts when given, so both wait in the same lines.
        self._passwords = passwords or Passwords(settings)

    async def sign_up(
        self,
        email: object,
        password: object,
        display_name: object,
        client_ip: str | None = None,
    ) -> Creator:
        """Create an account (EmailTaken if the email is in use, any letter case).

        Sign-ups are limited per client address (TooManyRequests past the limit).
        """
        clean_email = validate_email(email)
        clean_password = validate_password(password)
        name = validate_display_name(display_name)
        if self._throttle is not None:
            # Counted before the email check too: probing which emails have an
            # account costs the same as signing up.
            await self._throttle.begin_sign_up(client_ip)
        # Checked before hashing so a taken email costs no hash; the insert below
        # still settles a race between two sign-ups.
        if await self._row_by_email(clean_email) is not None:
            raise EmailTaken("an account with this email exists", field="email")
        password_hash = await self._passwords.hash_new(clean_password)
        creator = Creator(new_account_id(), clean_email, name, self._clock())
        try:
            async with self._db.transaction() as conn:
                await conn.execute(
                    "INSERT INTO creators (id, email, display_name, password_hash, created_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (creator.id, creator.email, name, password_hash, creator.created_at),
                )
                await index_creator(conn, creator.id)
        except IntegrityViolation:
            raise EmailTaken("an account with this email exists", field="email") from None
        # The id only: emails are personal data and stay out of logs.
        logger.info("creator %s signed up", creator.id)
        return creator

    async def log_in(
        self, email: object, password: object, client_ip: str | None, challenge: object = None
    ) -> Creator:
        """The creator if the password is right; InvalidCredentials or ChallengeRequired otherwise.

        `challenge` is a solved login challenge, asked for once the throttle trips.
        """
        if not isinstance(email, str):
            raise ValidationFailed("email must be a string", field="email", reason="wrong_type")
        if not isinstance(password, str):
            raise ValidationFailed(
                "password must be a string", field="password", reason="wrong_type"
            )
        if self._throttle is not None:
            await self._throttle.begin(email, client_ip, challenge)
        row = await self._row_by_email(email.strip(), with_hash=True)
        if row is None:
            # Spend the same time as for a real account, so timing does not
            # tell which emails have one.
            await self._passwords.verify_nothing(password)
            raise InvalidCredentials("wrong email or password")
        stored = str(row["password_hash"])
        if not await self._passwords.verify(stored, password):
            raise InvalidCredentials("wrong email or password")
        if self._throttle is not None:
            await self._throttle.succeeded(email, client_ip)
        if self._passwords.needs_rehash(stored):
            # The costs changed in config: upgrade while the password is at hand.
            await self._store_hash(str(row["id"]), await self._passwords.rehash(password))
        return _creator(row)

    async def get(self, creator_id: str) -> Creator:
        """The creator with this id, or CreatorNotFound."""
        row = await self._db.fetchone(
            f"SELECT {_COLUMNS} FROM creators WHERE id = ?", (creator_id,)
        )
        if row is None:
            raise CreatorNotFound("no creator has this id", creator_id=creator_id)
        return _creator(row)

    async def create_session(self, creator_id: str) -> str:
        """A new session token for the creator (stored hashed; only the cookie holds it)."""
        token = new_token()
        now = self._clock()
        async with self._db.transaction() as conn:
            # Opportunistic pruning of this creator's expired sessions (indexed).
            await conn.execute(
                "DELETE FROM creator_sessions WHERE creator_id = ? AND expires_at <= ?",
                (creator_id, now),
            )
            await conn.execute(
                "INSERT INTO creator_sessions (token_hash, creator_id, created_at, expires_at)"
                " VALUES (?, ?, ?, ?)",
                (hash_token(token), creator_id, now, now + self._settings.session_ttl_seconds),
            )
        return token

    async def session_creator(self, token: str) -> Creator | None:
        """The creator of a live session, or None (unknown or expired token)."""
        row = await self._db.fetchone(
            "SELECT c.id, c.email, c.display_name, c.created_at, s.expires_at"
            " FROM creator_sessions s JOIN creators c ON c.id = s.creator_id"
            " WHERE s.token_hash = ?",
            (hash_token(token),),
        )
        if row is None:
            return None
        if float(row["expires_at"]) <= self._clock():
            await self.end_session(token)
            return None
        return _creator(row)

    async def end_session(self, token: str) -> None:
        """Forget a session (logging out twice is harmless)."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "DELETE FROM creator_sessions WHERE token_hash = ?", (hash_token(token),)
            )

    async def prune_expired_sessions(self) -> int:
        """Delete every expired session; returns how many."""
        async with self._db.transaction() as conn:
            changed = await conn.execute(
                "DELETE FROM creator_sessions WHERE expires_at <= ?", (self._clock(),)
            )
            return changed

    async def _row_by_email(self, email: str, with_hash: bool = False) -> Row | None:
        columns = f"{_COLUMNS}, password_hash" if with_hash else _COLUMNS
        # Matched without letter case, through the unique index on lower(email).
        return await self._db.fetchone(
            f"SELECT {columns} FROM creators WHERE lower(email) = lower(?)", (email,)
        )

    async def _store_hash(self, creator_id: str, password_hash: str) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE creators SET password_hash = ? WHERE id = ?", (password_hash, creator_id)
            )


def _creator(row: Row) -> Creator:
    return Creator(
        id=str(row["id"]),
        email=str(row["email"]),
        display_name=str(row["display_name"]),
        created_at=float(row["created_at"]),
    )
