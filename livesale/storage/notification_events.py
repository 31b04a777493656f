"""The record's events notifications are made from: shows gone live, shows about to
start, orders shipped (read-only looks at the shows and orders tables)."""

from __future__ import annotations

from dataclasses import dataclass

from livesale.storage.database import Database


@dataclass(frozen=True, slots=True)
class ShowEvent:
    """A show that went live or is about to start."""

    show_id: str
    creator_id: str
    title: str
    creator_name: str


@dataclass(frozen=True, slots=True)
class Shipped:
    """An order that was shipped."""

    order_id: str
    viewer_id: str
    creator_name: str


_SHOW_COLUMNS = (
    "SELECT s.id, s.creator_id, s.title, c.display_name FROM shows s"
    " JOIN creators c ON c.id = s.creator_id"
)


class NotificationEvents:
    """Reads of the record that notice what to announce."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def went_live_since(self, since: float) -> list[ShowEvent]:
        """Shows live now that went live at or after `since`."""
        rows = await self._db.fetchall(
            f"{_SHOW_COLUMNS} WHERE s.status = 'live' AND s.live_at >= ?", (since,)
        )
        return [ShowEvent(str(r[0]), str(r[1]), str(r[2]), str(r[3])) for r in rows]

    async def starting_between(self, start: float, end: float) -> list[ShowEvent]:
        """Shows not started yet whose start time is in [start, end]."""
        rows = await self._db.fetchall(
            f"{_SHOW_COLUMNS} WHERE s.status = 'scheduled'"
            " AND s.scheduled_at >= ? AND s.scheduled_at <= ?",
            (start, end),
        )
        return [ShowEvent(str(r[0]), str(r[1]), str(r[2]), str(r[3])) for r in rows]

    async def shipped_since(self, since: float) -> list[Shipped]:
        """Orders fulfilled (shipped) at or after `since`."""
        rows = await self._db.fetchall(
            "SELECT o.id, o.viewer_id, c.display_name FROM orders o"
            " JOIN creators c ON c.id = o.creator_id"
            " WHERE o.fulfilled_at >= ? AND o.status = 'fulfilled'",
            (since,),
        )
        return [Shipped(str(r[0]), str(r[1]), str(r[2])) for r in rows]
