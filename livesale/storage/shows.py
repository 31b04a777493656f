"""Shows in SQLite: create, look up, verify stream keys, move through states."""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable

import aiosqlite

from livesale.domain.errors import BadRequest, ShowNotFound, Unauthorized
from livesale.domain.shows import (
    Show,
    ShowStatus,
    hash_stream_key,
    new_show_id,
    new_stream_key,
    validate_title,
)
from livesale.storage.database import Database

_COLUMNS = "id, title, status, created_at, live_at, ended_at"
MAX_LIST_LIMIT = 500


class ShowRepository:
    """Persistence of shows; the only code that touches the `shows` table."""

    def __init__(self, db: Database, clock: Callable[[], float] = time.time) -> None:
        self._db = db
        self._clock = clock

    async def create(self, title: str) -> tuple[Show, str]:
        """Create a scheduled show; returns it and its stream key (only chance to see it)."""
        show = Show(
            id=new_show_id(),
            title=validate_title(title),
            status=ShowStatus.SCHEDULED,
            created_at=self._clock(),
            live_at=None,
            ended_at=None,
        )
        key = new_stream_key()
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO shows (id, title, status, stream_key_hash, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (show.id, show.title, show.status.value, hash_stream_key(key), show.created_at),
            )
        return show, key

    async def get(self, show_id: str) -> Show:
        """The show with this id, or ShowNotFound."""
        row = await self._db.fetchone(f"SELECT {_COLUMNS} FROM shows WHERE id = ?", (show_id,))
        if row is None:
            raise ShowNotFound("no show has this id", show_id=show_id)
        return _show(row)

    async def verify_stream_key(self, show_id: str, key: str) -> Show:
        """The show if `key` is its stream key; ShowNotFound or Unauthorized otherwise."""
        row = await self._db.fetchone(
            f"SELECT {_COLUMNS}, stream_key_hash FROM shows WHERE id = ?", (show_id,)
        )
        if row is None:
            raise ShowNotFound("no show has this id", show_id=show_id)
        # Constant time so response timing says nothing about how close a guess was.
        if not hmac.compare_digest(hash_stream_key(key), str(row["stream_key_hash"])):
            raise Unauthorized("wrong stream key for this show")
        return _show(row)

    async def mark_live(self, show_id: str) -> Show:
        """scheduled -> live (stamps live_at); a live show stays as it is."""
        async with self._db.transaction() as conn:
            show = await self._get_in(conn, show_id)
            if show.status == ShowStatus.SCHEDULED:
                await conn.execute(
                    "UPDATE shows SET status = ?, live_at = ? WHERE id = ?",
                    (ShowStatus.LIVE.value, self._clock(), show_id),
                )
        return await self.get(show_id)

    async def mark_ended(self, show_id: str) -> Show:
        """Any state -> ended (stamps ended_at once; ending twice is a no-op)."""
        async with self._db.transaction() as conn:
            show = await self._get_in(conn, show_id)
            if show.status != ShowStatus.ENDED:
                await conn.execute(
                    "UPDATE shows SET status = ?, ended_at = ? WHERE id = ?",
                    (ShowStatus.ENDED.value, self._clock(), show_id),
                )
        return await self.get(show_id)

    async def list_recent(self, limit: int = 50) -> list[Show]:
        """The newest shows first."""
        if not 1 <= limit <= MAX_LIST_LIMIT:
            raise BadRequest(f"limit must be 1 to {MAX_LIST_LIMIT}", field="limit")
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM shows ORDER BY created_at DESC, rowid DESC LIMIT ?",
            (limit,),
        )
        return [_show(row) for row in rows]

    @staticmethod
    async def _get_in(conn: aiosqlite.Connection, show_id: str) -> Show:
        async with conn.execute(f"SELECT {_COLUMNS} FROM shows WHERE id = ?", (show_id,)) as cur:
            row = await cur.fetchone()
        if row is None:
            raise ShowNotFound("no show has this id", show_id=show_id)
        return _show(row)


def _show(row: aiosqlite.Row) -> Show:
    return Show(
        id=str(row["id"]),
        title=str(row["title"]),
        status=ShowStatus(row["status"]),
        created_at=float(row["created_at"]),
        live_at=None if row["live_at"] is None else float(row["live_at"]),
        ended_at=None if row["ended_at"] is None else float(row["ended_at"]),
    )
