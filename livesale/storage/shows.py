"""Shows in SQLite: create, look up, verify stream keys, move through states."""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable, Sequence

from livesale.domain.categories import DEFAULT_CATEGORY, tags_from_column, tags_to_column
from livesale.domain.errors import ShowNotFound, Unauthorized, ValidationFailed
from livesale.domain.shows import (
    Show,
    ShowStatus,
    hash_stream_key,
    new_show_id,
    new_stream_key,
    validate_title,
)
from livesale.storage.database import Database
from livesale.storage.sql import Executor, Row

_COLUMNS = (
    "id, title, status, created_at, live_at, ended_at, creator_id, cover_image_id, scheduled_at,"
    " record, replay_flash_sales, category, tags"
)
MAX_LIST_LIMIT = 500


class _Unset:
    """Marks an update argument that was not given (None means "clear it")."""


UNSET = _Unset()


class ShowRepository:
    """Persistence of shows; the only code that touches the `shows` table."""

    def __init__(self, db: Database, clock: Callable[[], float] = time.time) -> None:
        self._db = db
        self._clock = clock

    async def create(
        self,
        title: str,
        *,
        creator_id: str | None = None,
        scheduled_at: float | None = None,
        cover_image_id: str | None = None,
        product_ids: Sequence[str] = (),
        category: str = DEFAULT_CATEGORY,
        tags: tuple[str, ...] = (),
    ) -> tuple[Show, str]:
        """Create a scheduled show; returns it and its stream key (only chance to see it).

        Shows made from the command line have no creator: anyone with the
        stream key may publish, nobody may pin.
        """
        show = Show(
            id=new_show_id(),
            title=validate_title(title),
            status=ShowStatus.SCHEDULED,
            created_at=self._clock(),
            live_at=None,
            ended_at=None,
            creator_id=creator_id,
            cover_image_id=cover_image_id,
            scheduled_at=scheduled_at,
            category=category,
            tags=tags,
        )
        key = new_stream_key()
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO shows (id, title, status, stream_key_hash, created_at, creator_id,"
                " cover_image_id, scheduled_at, category, tags)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    show.id,
                    show.title,
                    show.status.value,
                    hash_stream_key(key),
                    show.created_at,
                    creator_id,
                    cover_image_id,
                    scheduled_at,
                    category,
                    tags_to_column(tags),
                ),
            )
            await self._write_bag(conn, show.id, product_ids)
        return show, key

    async def update(
        self,
        show_id: str,
        *,
        title: str | None = None,
        scheduled_at: float | _Unset | None = UNSET,
        cover_image_id: str | _Unset | None = UNSET,
        record: bool | None = None,
        replay_flash_sales: bool | None = None,
        category: str | None = None,
        tags: tuple[str, ...] | None = None,
    ) -> Show:
        """Change the title, start, cover, replay choices, category or tags; fields left out
        stay as they are."""
        changes: dict[str, object] = {}
        if category is not None:
            changes["category"] = category
        if tags is not None:
            changes["tags"] = tags_to_column(tags)
        if record is not None:
            changes["record"] = int(record)
        if replay_flash_sales is not None:
            changes["replay_flash_sales"] = int(replay_flash_sales)
        if title is not None:
            changes["title"] = validate_title(title)
        if not isinstance(scheduled_at, _Unset):
            changes["scheduled_at"] = scheduled_at
        if not isinstance(cover_image_id, _Unset):
            changes["cover_image_id"] = cover_image_id
        if changes:
            assignments = ", ".join(f"{column} = ?" for column in changes)
            async with self._db.transaction() as conn:
                await self._get_in(conn, show_id)
                await conn.execute(
                    f"UPDATE shows SET {assignments} WHERE id = ?", (*changes.values(), show_id)
                )
        return await self.get(show_id)

    async def set_bag(self, show_id: str, product_ids: Sequence[str]) -> None:
        """Replace the show's bag with `product_ids`, in that order."""
        async with self._db.transaction() as conn:
            await self._get_in(conn, show_id)
            await conn.execute("DELETE FROM show_products WHERE show_id = ?", (show_id,))
            await self._write_bag(conn, show_id, product_ids)

    async def bag(self, show_id: str) -> list[str]:
        """The ids of the products in the show's bag, in order."""
        rows = await self._db.fetchall(
            "SELECT product_id FROM show_products WHERE show_id = ? ORDER BY position",
            (show_id,),
        )
        return [str(row["product_id"]) for row in rows]

    async def rotate_stream_key(self, show_id: str) -> str:
        """Replace the stream key; the new one is returned (only chance to see it)."""
        key = new_stream_key()
        async with self._db.transaction() as conn:
            await self._get_in(conn, show_id)
            await conn.execute(
                "UPDATE shows SET stream_key_hash = ? WHERE id = ?",
                (hash_stream_key(key), show_id),
            )
        return key

    @staticmethod
    async def _write_bag(conn: Executor, show_id: str, product_ids: Sequence[str]) -> None:
        await conn.executemany(
            "INSERT INTO show_products (show_id, product_id, position) VALUES (?, ?, ?)",
            [(show_id, product_id, i) for i, product_id in enumerate(product_ids)],
        )

    async def get(self, show_id: str) -> Show:
        """The show with this id, or ShowNotFound."""
        row = await self._db.fetchone(f"SELECT {_COLUMNS} FROM shows WHERE id = ?", (show_id,))
        if row is None:
            raise ShowNotFound("no show has this id", show_id=show_id)
        return _show(row)

    async def get_many(self, show_ids: Sequence[str]) -> list[Show]:
        """The shows that exist among `show_ids`, in that order."""
        if not show_ids:
            return []
        marks = ", ".join("?" for _ in show_ids)
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM shows WHERE id IN ({marks})", tuple(show_ids)
        )
        found = {str(row["id"]): _show(row) for row in rows}
        return [found[show_id] for show_id in show_ids if show_id in found]

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

    async def list_recent(
        self,
        limit: int = 50,
        *,
        status: ShowStatus | None = None,
        creator_id: str | None = None,
        category: str | None = None,
    ) -> list[Show]:
        """Shows, optionally of one status, creator or category.

        Scheduled shows come soonest first (what a home page lists as
        "upcoming"); everything else newest first.
        """
        if not 1 <= limit <= MAX_LIST_LIMIT:
            raise ValidationFailed(
                f"limit must be 1 to {MAX_LIST_LIMIT}",
                field="limit",
                reason="too_small" if limit < 1 else "too_large",
                min=1,
                max=MAX_LIST_LIMIT,
            )
        where: list[str] = []
        params: list[object] = []
        if status is not None:
            where.append("status = ?")
            params.append(status.value)
        if creator_id is not None:
            where.append("creator_id = ?")
            params.append(creator_id)
        if category is not None:
            where.append("category = ?")
            params.append(category)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        order = "created_at DESC, id DESC"
        if status == ShowStatus.SCHEDULED:
            order = "scheduled_at IS NULL, scheduled_at, created_at DESC"
        elif status == ShowStatus.LIVE:
            order = "live_at DESC"
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM shows {clause} ORDER BY {order} LIMIT ?", (*params, limit)
        )
        return [_show(row) for row in rows]

    @staticmethod
    async def _get_in(conn: Executor, show_id: str) -> Show:
        row = await conn.fetchone(f"SELECT {_COLUMNS} FROM shows WHERE id = ?", (show_id,))
        if row is None:
            raise ShowNotFound("no show has this id", show_id=show_id)
        return _show(row)


def _show(row: Row) -> Show:
    return Show(
        id=str(row["id"]),
        title=str(row["title"]),
        status=ShowStatus(row["status"]),
        created_at=float(row["created_at"]),
        live_at=None if row["live_at"] is None else float(row["live_at"]),
        ended_at=None if row["ended_at"] is None else float(row["ended_at"]),
        creator_id=row["creator_id"],
        cover_image_id=row["cover_image_id"],
        scheduled_at=None if row["scheduled_at"] is None else float(row["scheduled_at"]),
        record=bool(row["record"]),
        replay_flash_sales=bool(row["replay_flash_sales"]),
        category=str(row["category"]),
        tags=tags_from_column(row["tags"]),
    )
