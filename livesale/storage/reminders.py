"""Who asked to be reminded of which upcoming show, in the record."""

from __future__ import annotations

import time
from collections.abc import Callable

from livesale.storage.database import Database


class ReminderRepository:
    """Persistence of "Remind me" on shows; the only code touching `show_reminders`."""

    def __init__(self, db: Database, clock: Callable[[], float] = time.time) -> None:
        self._db = db
        self._clock = clock

    async def remind(self, viewer_id: str, show_id: str) -> bool:
        """Remind the viewer of the show; True if this is new (twice changes nothing)."""
        async with self._db.transaction() as conn:
            changed = await conn.execute(
                "INSERT INTO show_reminders (viewer_id, show_id, created_at) VALUES (?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                (viewer_id, show_id, self._clock()),
            )
            return changed > 0

    async def forget(self, viewer_id: str, show_id: str) -> bool:
        """Stop reminding the viewer of the show; True if there was a reminder to remove."""
        async with self._db.transaction() as conn:
            changed = await conn.execute(
                "DELETE FROM show_reminders WHERE viewer_id = ? AND show_id = ?",
                (viewer_id, show_id),
            )
            return changed > 0

    async def reminded(self, viewer_id: str, show_id: str) -> bool:
        """Whether the viewer asked to be reminded of the show."""
        row = await self._db.fetchone(
            "SELECT 1 FROM show_reminders WHERE viewer_id = ? AND show_id = ?",
            (viewer_id, show_id),
        )
        return row is not None

    async def count(self, show_id: str) -> int:
        """How many viewers will be reminded of the show."""
        count = await self._db.scalar(
            "SELECT COUNT(*) FROM show_reminders WHERE show_id = ?", (show_id,)
        )
        return int(count or 0)

    async def viewers(self, show_id: str) -> list[str]:
        """The viewers to remind of the show, oldest reminder first."""
        rows = await self._db.fetchall(
            "SELECT viewer_id FROM show_reminders WHERE show_id = ? ORDER BY created_at, viewer_id",
            (show_id,),
        )
        return [str(row[0]) for row in rows]

    async def upcoming_show_ids(self, viewer_id: str) -> list[str]:
        """The shows not started yet that the viewer asked to be reminded of, soonest first
        (those without a start time last)."""
        rows = await self._db.fetchall(
            "SELECT r.show_id FROM show_reminders r JOIN shows s ON s.id = r.show_id"
            " WHERE r.viewer_id = ? AND s.status = 'scheduled'"
            " ORDER BY s.scheduled_at IS NULL, s.scheduled_at, r.show_id",
            (viewer_id,),
        )
        return [str(row[0]) for row in rows]
