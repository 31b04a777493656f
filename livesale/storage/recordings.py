"""Recording parts in SQLite: the only code that touches the `recordings` table."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Sequence

from livesale.domain.recordings import (
    Container,
    Recording,
    RecordingStatus,
    recording_file_name,
)
from livesale.storage.database import Database
from livesale.storage.sql import Row

# The rule of `Recording.playable` in SQL, for a part `r` (two status parameters:
# complete, failed).
_PLAYABLE = "r.status IN (?, ?) AND r.duration_ms > 0"
_COLUMNS = (
    "id, show_id, part, file_name, container, status, started_at, offset_ms, duration_ms,"
    " size_bytes, error, updated_at"
)


class RecordingRepository:
    """Create, finish and list the parts of shows' recordings."""

    def __init__(self, db: Database, clock: Callable[[], float] = time.time) -> None:
        self._db = db
        self._clock = clock

    async def start_part(
        self, show_id: str, container: Container, started_at: float, offset_ms: int
    ) -> Recording:
        """A new part after the show's last one (part 1 for its first broadcast)."""
        now = self._clock()
        recording_id = "rec_" + secrets.token_hex(8)
        async with self._db.transaction() as conn:
            row = await conn.fetchone(
                "SELECT COALESCE(MAX(part), 0) FROM recordings WHERE show_id = ?", (show_id,)
            )
            part = (0 if row is None else int(row[0])) + 1
            await conn.execute(
                f"INSERT INTO recordings ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    recording_id,
                    show_id,
                    part,
                    recording_file_name(show_id, part, container),
                    container.value,
                    RecordingStatus.RECORDING.value,
                    started_at,
                    max(0, offset_ms),
                    None,
                    None,
                    None,
                    now,
                ),
            )
        found = await self.get(recording_id)
        assert found is not None
        return found

    async def finish(
        self,
        recording_id: str,
        status: RecordingStatus,
        duration_ms: int | None,
        size_bytes: int | None,
        error: str | None = None,
    ) -> None:
        """Record how a part ended (complete, failed, or deleted)."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE recordings SET status = ?, duration_ms = ?, size_bytes = ?, error = ?,"
                " updated_at = ? WHERE id = ?",
                (status.value, duration_ms, size_bytes, error, self._clock(), recording_id),
            )

    async def get(self, recording_id: str) -> Recording | None:
        """One part, or None."""
        row = await self._db.fetchone(
            f"SELECT {_COLUMNS} FROM recordings WHERE id = ?", (recording_id,)
        )
        return None if row is None else _recording(row)

    async def for_show(self, show_id: str) -> list[Recording]:
        """The show's parts in play order (deleted ones included)."""
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM recordings WHERE show_id = ? ORDER BY part", (show_id,)
        )
        return [_recording(row) for row in rows]

    async def with_status(self, status: RecordingStatus) -> list[Recording]:
        """Every part in `status` (e.g. ones a crash left `recording`)."""
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM recordings WHERE status = ? ORDER BY updated_at",
            (status.value,),
        )
        return [_recording(row) for row in rows]

    async def past_replays(
        self,
        limit: int,
        *,
        creator_id: str | None = None,
        before: tuple[float, str] | None = None,
        category: str | None = None,
    ) -> list[str]:
        """Ids of ended shows with a replay to play (of `category`, when given), newest ended
        first.

        `before` is the (ended_at, show id) of the last show of the previous page.
        """
        where = [
            "s.status = 'ended'",
            f"EXISTS (SELECT 1 FROM recordings r WHERE r.show_id = s.id AND {_PLAYABLE})",
        ]
        params: list[object] = [RecordingStatus.COMPLETE.value, RecordingStatus.FAILED.value]
        if creator_id is not None:
            where.append("s.creator_id = ?")
            params.append(creator_id)
        if category is not None:
            where.append("s.category = ?")
            params.append(category)
        if before is not None:
            where.append("(s.ended_at < ? OR (s.ended_at = ? AND s.id < ?))")
            params.extend([before[0], before[0], before[1]])
        rows = await self._db.fetchall(
            f"SELECT s.id FROM shows s WHERE {' AND '.join(where)}"
            " ORDER BY s.ended_at DESC, s.id DESC LIMIT ?",
            (*params, limit),
        )
        return [str(row["id"]) for row in rows]

    async def replay_lengths(self, show_ids: Sequence[str]) -> dict[str, int]:
        """Milliseconds of playable recording per show, for the shows among `show_ids` that
        have any."""
        if not show_ids:
            return {}
        marks = ", ".join("?" for _ in show_ids)
        rows = await self._db.fetchall(
            "SELECT r.show_id, SUM(r.duration_ms) AS length FROM recordings r"
            f" WHERE {_PLAYABLE} AND r.show_id IN ({marks}) GROUP BY r.show_id",
            (RecordingStatus.COMPLETE.value, RecordingStatus.FAILED.value, *show_ids),
        )
        return {str(row["show_id"]): int(row["length"]) for row in rows}

    async def of_shows_ended_before(self, moment: float) -> list[Recording]:
        """Parts not deleted yet of shows that ended before `moment` (for retention)."""
        rows = await self._db.fetchall(
            f"SELECT {', '.join('r.' + c.strip() for c in _COLUMNS.split(','))}"
            " FROM recordings r JOIN shows s ON s.id = r.show_id"
            " WHERE s.status = 'ended' AND s.ended_at < ? AND r.status != ?",
            (moment, RecordingStatus.DELETED.value),
        )
        return [_recording(row) for row in rows]


def _recording(row: Row) -> Recording:
    return Recording(
        id=str(row["id"]),
        show_id=str(row["show_id"]),
        part=int(row["part"]),
        file_name=str(row["file_name"]),
        container=Container(row["container"]),
        status=RecordingStatus(row["status"]),
        started_at=float(row["started_at"]),
        offset_ms=int(row["offset_ms"]),
        duration_ms=None if row["duration_ms"] is None else int(row["duration_ms"]),
        size_bytes=None if row["size_bytes"] is None else int(row["size_bytes"]),
        error=row["error"],
        updated_at=float(row["updated_at"]),
    )
