"""Guest viewers in SQLite: a cookie token (stored hashed) and a chosen display name.

A guest who made an account is found through its devices' sessions instead
(`viewer_sessions`, written by `livesale.storage.viewer_accounts`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from livesale.domain.accounts import (
    Viewer,
    hash_token,
    new_account_id,
    new_token,
    validate_display_name,
)
from livesale.domain.errors import ViewerNotFound
from livesale.storage.database import Database
from livesale.storage.sql import Row
from livesale.storage.ttl_cache import TtlCache

_COLUMNS = "id, display_name, created_at"
# A rename made in another process shows up this much later; a token lookup
# happens on every request, so it is worth not asking SQLite each time.
TOKEN_CACHE_SECONDS = 2.0


class ViewerRepository:
    """Persistence of guest viewers; the only code that touches the `viewers` table."""

    def __init__(
        self,
        db: Database,
        clock: Callable[[], float] = time.time,
        cache_seconds: float = TOKEN_CACHE_SECONDS,
    ) -> None:
        self._db = db
        self._clock = clock
        self._by_token: TtlCache[str, Viewer | None] = TtlCache(cache_seconds)

    async def create(self, display_name: object) -> tuple[Viewer, str]:
        """A new guest and its token (the only chance to see the token)."""
        viewer = Viewer(new_account_id(), validate_display_name(display_name), self._clock())
        token = new_token()
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO viewers (id, token_hash, display_name, created_at)"
                " VALUES (?, ?, ?, ?)",
                (viewer.id, hash_token(token), viewer.display_name, viewer.created_at),
            )
        return viewer, token

    async def by_token(self, token: str) -> Viewer | None:
        """The guest holding this token, or None (cached for a moment: every request asks)."""
        token_hash = hash_token(token)
        return await self._by_token.get(token_hash, lambda: self._load_by_hash(token_hash))

    def clear_cache(self) -> None:
        """Forget every cached token (a guest token was just retired)."""
        self._by_token.clear()

    def forget_token(self, token: str) -> None:
        """Drop a token from this process's cache (a device just signed out)."""
        self._by_token.forget(hash_token(token))

    async def _load_by_hash(self, token_hash: str) -> Viewer | None:
        row = await self._db.fetchone(
            f"SELECT {_COLUMNS} FROM viewers WHERE token_hash = ?", (token_hash,)
        )
        if row is not None:
            return _viewer(row)
        # A device signed in to a viewer account holds a session token instead.
        row = await self._db.fetchone(
            "SELECT v.id, v.display_name, v.created_at, s.expires_at"
            " FROM viewer_sessions s JOIN viewers v ON v.id = s.viewer_id"
            " WHERE s.token_hash = ?",
            (token_hash,),
        )
        if row is None or float(row["expires_at"]) <= self._clock():
            return None
        return _viewer(row)

    async def get(self, viewer_id: str) -> Viewer:
        """The guest with this id, or ViewerNotFound."""
        row = await self._db.fetchone(f"SELECT {_COLUMNS} FROM viewers WHERE id = ?", (viewer_id,))
        if row is None:
            raise ViewerNotFound("no viewer has this id", viewer_id=viewer_id)
        return _viewer(row)

    async def get_many(self, viewer_ids: Iterable[str]) -> dict[str, Viewer]:
        """The guests among these ids, by id (unknown ids are left out)."""
        ids = sorted(set(viewer_ids))
        if not ids:
            return {}
        marks = ", ".join("?" for _ in ids)
        rows = await self._db.fetchall(f"SELECT {_COLUMNS} FROM viewers WHERE id IN ({marks})", ids)
        return {str(row["id"]): _viewer(row) for row in rows}

    async def rename(self, viewer_id: str, display_name: object) -> Viewer:
        """Change a guest's display name (validated first; bad input changes nothing)."""
        name = validate_display_name(display_name)
        async with self._db.transaction() as conn:
            changed = await conn.execute(
                "UPDATE viewers SET display_name = ? WHERE id = ?", (name, viewer_id)
            )
            if changed == 0:
                raise ViewerNotFound("no viewer has this id", viewer_id=viewer_id)
        # Renames are rare: forget every cached guest rather than index them by id.
        self._by_token.clear()
        return await self.get(viewer_id)


def _viewer(row: Row) -> Viewer:
    return Viewer(
        id=str(row["id"]),
        display_name=str(row["display_name"]),
        created_at=float(row["created_at"]),
    )
