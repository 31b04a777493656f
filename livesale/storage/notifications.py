"""Each person's notifications, the kinds they turned off, and claims on announced events."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Sequence
from typing import Any

from livesale.domain.notifications import Notification, NotificationKind
from livesale.storage.database import Database

# Enough rows per statement to be quick, few enough for SQLite's parameter limit; also
# the rows one write transaction of a fan-out changes, so other writes get in between.
CHUNK = 400
# Kinds a newer version may have written are skipped, not an error.
_KINDS = {kind.value for kind in NotificationKind}


def _new_id() -> str:
    return "ntf_" + secrets.token_hex(10)


class NotificationRepository:
    """Persistence of notifications; the only code touching their tables."""

    def __init__(self, db: Database, clock: Callable[[], float] = time.time) -> None:
        self._db = db
        self._clock = clock

    async def claim(self, subject: str, kind: NotificationKind) -> bool:
        """True for the one caller (of any process) that announces `kind` about `subject`."""
        async with self._db.transaction() as conn:
            changed = await conn.execute(
                "INSERT INTO notification_claims (subject, kind, claimed_at) VALUES (?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                (subject, kind.value, self._clock()),
            )
            return changed > 0

    async def opted_out(self, viewer_ids: Sequence[str], kind: NotificationKind) -> set[str]:
        """Those of `viewer_ids` who turned `kind` off, or whose person was erased."""
        found: set[str] = set()
        for start in range(0, len(viewer_ids), CHUNK):
            chunk = viewer_ids[start : start + CHUNK]
            marks = ", ".join("?" * len(chunk))
            # An erased person keeps an id (their old orders point at it) and wants nothing.
            rows = await self._db.fetchall(
                f"SELECT viewer_id FROM notification_opt_outs WHERE kind = ?"
                f" AND viewer_id IN ({marks})"
                f" UNION SELECT id FROM viewers WHERE erased_at IS NOT NULL AND id IN ({marks})",
                (kind.value, *chunk, *chunk),
            )
            found.update(str(row[0]) for row in rows)
        return found

    async def recent_counts(
        self, viewer_ids: Sequence[str], kind: NotificationKind, since: float
    ) -> dict[str, int]:
        """How many `kind` notifications each of `viewer_ids` got since `since`."""
        counts: dict[str, int] = {}
        for start in range(0, len(viewer_ids), CHUNK):
            chunk = viewer_ids[start : start + CHUNK]
            marks = ", ".join("?" * len(chunk))
            rows = await self._db.fetchall(
                f"SELECT viewer_id, COUNT(*) FROM notifications WHERE kind = ?"
                f" AND created_at >= ? AND viewer_id IN ({marks}) GROUP BY viewer_id",
                (kind.value, since, *chunk),
            )
            counts.update({str(row[0]): int(row[1]) for row in rows})
        return counts

    async def add(
        self, viewer_ids: Sequence[str], kind: NotificationKind, params: dict[str, Any]
    ) -> dict[str, Notification]:
        """One new unread notification for each viewer; each viewer's, by viewer id."""
        now = self._clock()
        made = {
            viewer_id: Notification(_new_id(), kind, params, 0, now, False)
            for viewer_id in viewer_ids
        }
        words = json.dumps(params, separators=(",", ":"))
        rows = [(n.id, v, kind.value, words, now) for v, n in made.items()]
        for start in range(0, len(rows), CHUNK):
            async with self._db.transaction() as conn:
                await conn.executemany(
                    "INSERT INTO notifications (id, viewer_id, kind, params_json, created_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    rows[start : start + CHUNK],
                )
        return made

    async def fold(self, viewer_ids: Sequence[str], kind: NotificationKind) -> None:
        """Count one more event in each viewer's latest `kind` notification (quiet limit)."""
        # A transaction per chunk, as in `add`: a go-live to thousands past their limit
        # does not hold the single writer's lock while buyers' orders wait behind it.
        for start in range(0, len(viewer_ids), CHUNK):
            async with self._db.transaction() as conn:
                for viewer_id in viewer_ids[start : start + CHUNK]:
                    await conn.execute(
                        "UPDATE notifications SET more = more + 1, read_at = NULL WHERE id = ("
                        "SELECT id FROM notifications WHERE viewer_id = ? AND kind = ?"
                        " ORDER BY created_at DESC, id DESC LIMIT 1)",
                        (viewer_id, kind.value),
                    )

    async def refresh_unread(
        self, viewer_id: str, kind: NotificationKind, key: str, params: dict[str, Any]
    ) -> Notification | None:
        """Count one more event into the viewer's unread `kind` notification whose
        `params[key]` matches, with `params` and now as its words and time; None if none."""
        now = self._clock()
        async with self._db.transaction() as conn:
            rows = await conn.fetchall(
                "SELECT id, params_json, more FROM notifications WHERE viewer_id = ?"
                " AND kind = ? AND read_at IS NULL ORDER BY created_at DESC, id DESC LIMIT ?",
                (viewer_id, kind.value, CHUNK),
            )
            for row in rows:
                if json.loads(row[1]).get(key) != params[key]:
                    continue
                await conn.execute(
                    "UPDATE notifications SET more = more + 1, params_json = ?, created_at = ?"
                    " WHERE id = ?",
                    (json.dumps(params, separators=(",", ":")), now, row[0]),
                )
                return Notification(str(row[0]), kind, params, int(row[2]) + 1, now, False)
        return None

    async def latest(self, viewer_id: str, limit: int) -> list[Notification]:
        """The viewer's newest notifications, newest first."""
        rows = await self._db.fetchall(
            "SELECT id, kind, params_json, more, created_at, read_at FROM notifications"
            " WHERE viewer_id = ? ORDER BY created_at DESC, id DESC LIMIT ?",
            (viewer_id, limit),
        )
        return [
            Notification(
                id=str(row[0]),
                kind=NotificationKind(row[1]),
                params=json.loads(row[2]),
                more=int(row[3]),
                created_at=float(row[4]),
                read=row[5] is not None,
            )
            for row in rows
            if row[1] in _KINDS
        ]

    async def unread(self, viewer_id: str) -> int:
        """How many of the viewer's notifications are unread."""
        count = await self._db.scalar(
            "SELECT COUNT(*) FROM notifications WHERE viewer_id = ? AND read_at IS NULL",
            (viewer_id,),
        )
        return int(count or 0)

    async def mark_read(self, viewer_id: str, ids: Sequence[str] | None) -> None:
        """Mark the viewer's notifications `ids` read (all of them when None)."""
        now = self._clock()
        async with self._db.transaction() as conn:
            if ids is None:
                await conn.execute(
                    "UPDATE notifications SET read_at = ? WHERE viewer_id = ? AND read_at IS NULL",
                    (now, viewer_id),
                )
                return
            for start in range(0, len(ids), CHUNK):
                chunk = ids[start : start + CHUNK]
                marks = ", ".join("?" * len(chunk))
                await conn.execute(
                    f"UPDATE notifications SET read_at = ? WHERE viewer_id = ?"
                    f" AND read_at IS NULL AND id IN ({marks})",
                    (now, viewer_id, *chunk),
                )

    async def turned_off(self, viewer_id: str) -> set[NotificationKind]:
        """The kinds the viewer turned off."""
        rows = await self._db.fetchall(
            "SELECT kind FROM notification_opt_outs WHERE viewer_id = ?", (viewer_id,)
        )
        return {NotificationKind(row[0]) for row in rows if row[0] in _KINDS}

    async def set_kinds(self, viewer_id: str, kinds: dict[NotificationKind, bool]) -> None:
        """Turn each of `kinds` on (True) or off (False) for the viewer."""
        async with self._db.transaction() as conn:
            for kind, on in kinds.items():
                if on:
                    await conn.execute(
                        "DELETE FROM notification_opt_outs WHERE viewer_id = ? AND kind = ?",
                        (viewer_id, kind.value),
                    )
                else:
                    await conn.execute(
                        "INSERT INTO notification_opt_outs (viewer_id, kind) VALUES (?, ?)"
                        " ON CONFLICT DO NOTHING",
                        (viewer_id, kind.value),
                    )

    async def delete_claims_before(self, before: float) -> int:
        """Forget claims made before `before` (events no sweep looks at again); how many."""
        async with self._db.transaction() as conn:
            return await conn.execute(
                "DELETE FROM notification_claims WHERE claimed_at < ?", (before,)
            )

    async def delete_older_than(self, before: float) -> int:
        """Delete notifications made before `before` (retention); how many went."""
        async with self._db.transaction() as conn:
            return await conn.execute("DELETE FROM notifications WHERE created_at < ?", (before,))
