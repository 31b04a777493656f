"""Who follows which creator, and who turned the personalised feed off, in the record."""

from __future__ import annotations

import time
from collections.abc import Callable

from livesale.storage.database import Database


class FollowRepository:
    """Persistence of follows and feed opt-outs; the only code touching those tables."""

    def __init__(self, db: Database, clock: Callable[[], float] = time.time) -> None:
        self._db = db
        self._clock = clock

    async def follow(self, viewer_id: str, creator_id: str) -> bool:
        """Follow `creator_id`; True if this is new (following twice changes nothing)."""
        async with self._db.transaction() as conn:
            changed = await conn.execute(
                "INSERT INTO follows (viewer_id, creator_id, created_at) VALUES (?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                (viewer_id, creator_id, self._clock()),
            )
            return changed > 0

    async def unfollow(self, viewer_id: str, creator_id: str) -> bool:
        """Stop following; True if there was a follow to remove."""
        async with self._db.transaction() as conn:
            changed = await conn.execute(
                "DELETE FROM follows WHERE viewer_id = ? AND creator_id = ?",
                (viewer_id, creator_id),
            )
            return changed > 0

    async def follows(self, viewer_id: str, creator_id: str) -> bool:
        """Whether the viewer follows the creator."""
        row = await self._db.fetchone(
            "SELECT 1 FROM follows WHERE viewer_id = ? AND creator_id = ?",
            (viewer_id, creator_id),
        )
        return row is not None

    async def follower_count(self, creator_id: str) -> int:
        """How many viewers follow the creator."""
        count = await self._db.scalar(
            "SELECT COUNT(*) FROM follows WHERE creator_id = ?", (creator_id,)
        )
        return int(count or 0)

    async def follower_ids(self, creator_id: str) -> list[str]:
        """Every viewer who follows the creator (whom a go-live notifies)."""
        rows = await self._db.fetchall(
            "SELECT viewer_id FROM follows WHERE creator_id = ?", (creator_id,)
        )
        return [str(row[0]) for row in rows]

    async def feed_state(self, viewer_id: str) -> tuple[bool, list[str]]:
        """Whether the viewer's feed is personalised, and whom they follow, in one query
        (every feed request asks both)."""
        rows = await self._db.fetchall(
            "SELECT 'off', '' FROM feed_opt_outs WHERE viewer_id = ?"
            " UNION ALL SELECT 'follows', creator_id FROM follows WHERE viewer_id = ?",
            (viewer_id, viewer_id),
        )
        personalised = all(row[0] != "off" for row in rows)
        return personalised, [str(row[1]) for row in rows if row[0] == "follows"]

    async def personalised(self, viewer_id: str) -> bool:
        """Whether the viewer's feed learns from them (True unless they turned it off)."""
        row = await self._db.fetchone(
            "SELECT 1 FROM feed_opt_outs WHERE viewer_id = ?", (viewer_id,)
        )
        return row is None

    async def set_personalised(self, viewer_id: str, on: bool) -> None:
        """Turn the viewer's personalised feed on or off (remembered)."""
        async with self._db.transaction() as conn:
            if on:
                await conn.execute("DELETE FROM feed_opt_outs WHERE viewer_id = ?", (viewer_id,))
            else:
                await conn.execute(
                    "INSERT INTO feed_opt_outs (viewer_id, created_at) VALUES (?, ?)"
                    " ON CONFLICT DO NOTHING",
                    (viewer_id, self._clock()),
                )
