"""Creators' display names by id, read-only (the room compares viewers' names with them)."""

from __future__ import annotations

from livesale.storage.database import Database


class CreatorNames:
    """Looks up a creator's display name."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, creator_id: str) -> str | None:
        """The creator's display name, or None if there is no such creator."""
        row = await self._db.fetchone(
            "SELECT display_name FROM creators WHERE id = ?", (creator_id,)
        )
        return None if row is None else str(row["display_name"])
