"""The show timeline in SQLite: pins and unpins with their server-stamped offsets."""

from __future__ import annotations

import time
from collections.abc import Callable

from livesale.domain.pins import FlashSale, TimelineEvent, TimelineKind
from livesale.storage.database import Database
from livesale.storage.flash_sale_record import decode_flash_sale, encode_flash_sale
from livesale.storage.sql import Row

_COLUMNS = "id, show_id, kind, offset_ms, product_id, flash_sale, created_at"


class TimelineRepository:
    """Persistence of timeline events; the only code that touches `timeline_events`."""

    def __init__(self, db: Database, clock: Callable[[], float] = time.time) -> None:
        self._db = db
        self._clock = clock

    async def append(
        self,
        show_id: str,
        kind: TimelineKind,
        offset_ms: int,
        product_id: str | None = None,
        flash_sale: FlashSale | None = None,
    ) -> TimelineEvent:
        """Record one event and return it with its id."""
        created_at = self._clock()
        sale = None if flash_sale is None else encode_flash_sale(flash_sale)
        async with self._db.transaction() as conn:
            row = await conn.fetchone(
                "INSERT INTO timeline_events (show_id, kind, offset_ms, product_id, flash_sale,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                (show_id, kind.value, offset_ms, product_id, sale, created_at),
            )
        assert row is not None
        return TimelineEvent(
            id=int(row[0]),
            show_id=show_id,
            kind=kind,
            offset_ms=offset_ms,
            product_id=product_id,
            flash_sale=flash_sale,
            created_at=created_at,
        )

    async def events(self, show_id: str) -> list[TimelineEvent]:
        """Every event of the show, oldest first."""
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM timeline_events WHERE show_id = ? ORDER BY id", (show_id,)
        )
        return [_event(row) for row in rows]

    async def get(self, event_id: int) -> TimelineEvent | None:
        """One event by id, or None."""
        row = await self._db.fetchone(
            f"SELECT {_COLUMNS} FROM timeline_events WHERE id = ?", (event_id,)
        )
        return None if row is None else _event(row)

    async def current_pin(self, show_id: str) -> TimelineEvent | None:
        """The pin on screen now: the latest event, if it is a pin."""
        row = await self._db.fetchone(
            f"SELECT {_COLUMNS} FROM timeline_events WHERE show_id = ? ORDER BY id DESC LIMIT 1",
            (show_id,),
        )
        if row is None or row["kind"] != TimelineKind.PIN.value:
            return None
        return _event(row)


def _event(row: Row) -> TimelineEvent:
    sale = row["flash_sale"]
    return TimelineEvent(
        id=int(row["id"]),
        show_id=str(row["show_id"]),
        kind=TimelineKind(row["kind"]),
        offset_ms=int(row["offset_ms"]),
        product_id=row["product_id"],
        flash_sale=None if sale is None else decode_flash_sale(sale),
        created_at=float(row["created_at"]),
    )
