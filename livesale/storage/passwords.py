"""Argon2id password hashing off the event loop, shared by creator and viewer accounts."""

from __future__ import annotations

import asyncio
import secrets

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from livesale.config import AuthSettings


class Passwords:
    """Hashes and checks passwords with Argon2id, a bounded number at a time."""

    def __init__(self, settings: AuthSettings) -> None:
        self._hasher = PasswordHasher(
            time_cost=settings.password_time_cost,
            memory_cost=settings.password_memory_kib,
            parallelism=settings.password_parallelism,
            type=Type.ID,
        )
        # Each hash takes `password_memory_kib` of RAM for a moment; caps on how many
        # run at once bound memory and leave threads free. Logins and sign-ups wait in
        # lines of their own: 32 sign-ups at once once delayed a login from 0.19 s to 4 s.
        self._login_slots = asyncio.Semaphore(settings.login_hash_slots)
        self._signup_slots = asyncio.Semaphore(settings.signup_hash_slots)
        self._dummy_hash: str | None = None

    async def hash_new(self, password: str) -> str:
        """The stored form of a new account's password (the sign-up line)."""
        return await self._hash(password, self._signup_slots)

    async def rehash(self, password: str) -> str:
        """The stored form of a password just verified (the login line)."""
        return await self._hash(password, self._login_slots)

    async def verify(self, password_hash: str, password: str) -> bool:
        """Whether `password` matches `password_hash` (a malformed hash never matches)."""
        async with self._login_slots:
            try:
                return await asyncio.to_thread(self._hasher.verify, password_hash, password)
            except (VerificationError, InvalidHashError):
                return False

    async def verify_nothing(self, password: str) -> None:
        """Spend the time of a real check, so timing does not tell which accounts exist."""
        if self._dummy_hash is None:
            self._dummy_hash = await self.rehash(secrets.token_urlsafe(16))
        await self.verify(self._dummy_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        """Whether the hash was made with other costs than the configured ones."""
        return self._hasher.check_needs_rehash(password_hash)

    async def _hash(self, password: str, slots: asyncio.Semaphore) -> str:
        # argon2 is deliberately slow and memory-hard: never on the event loop.
        async with slots:
            return await asyncio.to_thread(self._hasher.hash, password)
