"""Chat messages and a creator's moderation lists (moderators, bans, blocked words)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from livesale.domain.chat import ChatMessage, Role
from livesale.domain.errors import ChatMessageNotFound, ViewerNotFound
from livesale.storage.database import Database
from livesale.storage.sql import IntegrityViolation, Row

_MESSAGE_COLUMNS = "id, show_id, author_id, author_name, author_role, text, created_at"


class ChatRepository:
    """Persistence of chat messages; the database is the record of what was said."""

    def __init__(self, db: Database, clock: Callable[[], float] = time.time) -> None:
        self._db = db
        self._clock = clock

    async def add(
        self, show_id: str, author_id: str, name: str, role: Role, text: str
    ) -> ChatMessage:
        """Store a message and return it with its id and time."""
        now = self._clock()
        async with self._db.transaction() as conn:
            row = await conn.fetchone(
                "INSERT INTO chat_messages"
                " (show_id, author_id, author_name, author_role, text, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                (show_id, author_id, name, role.value, text, now),
            )
        assert row is not None
        message_id = int(row[0])
        return ChatMessage(message_id, show_id, author_id, name, role, text, now)

    async def recent(self, show_id: str, limit: int) -> list[ChatMessage]:
        """The show's last `limit` messages that were not deleted, oldest first."""
        rows = await self._db.fetchall(
            f"SELECT {_MESSAGE_COLUMNS} FROM chat_messages"
            " WHERE show_id = ? AND deleted_at IS NULL ORDER BY id DESC LIMIT ?",
            (show_id, limit),
        )
        return [_message(row) for row in reversed(rows)]

    async def times(self, show_id: str) -> list[float]:
        """When each of the show's messages was sent (deleted ones too), oldest first."""
        rows = await self._db.fetchall(
            "SELECT created_at FROM chat_messages WHERE show_id = ? ORDER BY id", (show_id,)
        )
        return [float(row[0]) for row in rows]

    async def delete(self, show_id: str, message_id: int, deleted_by: str) -> ChatMessage:
        """Mark a message of this show deleted (idempotent); ChatMessageNotFound otherwise."""
        async with self._db.transaction() as conn:
            row = await conn.fetchone(
                f"SELECT {_MESSAGE_COLUMNS} FROM chat_messages WHERE id = ? AND show_id = ?",
                (message_id, show_id),
            )
            if row is None:
                raise ChatMessageNotFound("this show has no message with this id", id=message_id)
            await conn.execute(
                "UPDATE chat_messages SET deleted_at = ?, deleted_by = ?"
                " WHERE id = ? AND deleted_at IS NULL",
                (self._clock(), deleted_by, message_id),
            )
        return _message(row)


class ModerationRepository:
    """A creator's channel-wide moderators, bans and blocked words."""

    def __init__(self, db: Database, clock: Callable[[], float] = time.time) -> None:
        self._db = db
        self._clock = clock

    async def show_creator(self, show_id: str) -> str | None:
        """The id of the creator who owns the show (None for command-line shows)."""
        row = await self._db.fetchone("SELECT creator_id FROM shows WHERE id = ?", (show_id,))
        return None if row is None or row[0] is None else str(row[0])

    async def viewer_name(self, viewer_id: str) -> str:
        """A guest's display name; ViewerNotFound if there is no such guest."""
        row = await self._db.fetchone("SELECT display_name FROM viewers WHERE id = ?", (viewer_id,))
        if row is None:
            raise ViewerNotFound("no viewer has this id", viewer_id=viewer_id)
        return str(row[0])

    async def is_moderator(self, creator_id: str, viewer_id: str) -> bool:
        """Whether the creator named this viewer a moderator."""
        row = await self._db.fetchone(
            "SELECT 1 FROM moderators WHERE creator_id = ? AND viewer_id = ?",
            (creator_id, viewer_id),
        )
        return row is not None

    async def moderators(self, creator_id: str) -> list[tuple[str, str, float]]:
        """The creator's moderators as (viewer id, display name, added at), oldest first."""
        rows = await self._db.fetchall(
            "SELECT m.viewer_id, v.display_name, m.added_at FROM moderators m"
            " JOIN viewers v ON v.id = m.viewer_id WHERE m.creator_id = ?"
            " ORDER BY m.added_at, m.viewer_id",
            (creator_id,),
        )
        return [(str(r[0]), str(r[1]), float(r[2])) for r in rows]

    async def add_moderator(self, creator_id: str, viewer_id: str) -> None:
        """Name a moderator (idempotent); ViewerNotFound for an unknown viewer."""
        await self.viewer_name(viewer_id)
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO moderators (creator_id, viewer_id, added_at)"
                " VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                (creator_id, viewer_id, self._clock()),
            )

    async def remove_moderator(self, creator_id: str, viewer_id: str) -> bool:
        """Remove a moderator; False if they were not one."""
        async with self._db.transaction() as conn:
            changed = await conn.execute(
                "DELETE FROM moderators WHERE creator_id = ? AND viewer_id = ?",
                (creator_id, viewer_id),
            )
            return changed > 0

    async def is_banned(self, creator_id: str, viewer_id: str) -> bool:
        """Whether the viewer is banned from the creator's shows."""
        row = await self._db.fetchone(
            "SELECT 1 FROM bans WHERE creator_id = ? AND viewer_id = ?", (creator_id, viewer_id)
        )
        return row is not None

    async def ban(self, creator_id: str, viewer_id: str, banned_by: str) -> None:
        """Ban a viewer from all of the creator's shows (idempotent)."""
        await self.viewer_name(viewer_id)
        try:
            async with self._db.transaction() as conn:
                await conn.execute(
                    "INSERT INTO bans (creator_id, viewer_id, banned_by, banned_at)"
                    " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    (creator_id, viewer_id, banned_by, self._clock()),
                )
        except IntegrityViolation as exc:  # the viewer vanished meanwhile
            raise ViewerNotFound("no viewer has this id", viewer_id=viewer_id) from exc

    async def bans(self, creator_id: str) -> list[tuple[str, str, float]]:
        """The creator's bans as (viewer id, display name, banned at), newest first."""
        rows = await self._db.fetchall(
            "SELECT b.viewer_id, v.display_name, b.banned_at FROM bans b"
            " JOIN viewers v ON v.id = b.viewer_id WHERE b.creator_id = ?"
            " ORDER BY b.banned_at DESC, b.viewer_id",
            (creator_id,),
        )
        return [(str(r[0]), str(r[1]), float(r[2])) for r in rows]

    async def unban(self, creator_id: str, viewer_id: str) -> bool:
        """Lift a ban; False if there was none."""
        async with self._db.transaction() as conn:
            changed = await conn.execute(
                "DELETE FROM bans WHERE creator_id = ? AND viewer_id = ?", (creator_id, viewer_id)
            )
            return changed > 0

    async def blocked_words(self, creator_id: str) -> list[str]:
        """The creator's own blocked words, sorted."""
        rows = await self._db.fetchall(
            "SELECT word FROM blocked_words WHERE creator_id = ? ORDER BY word", (creator_id,)
        )
        return [str(r[0]) for r in rows]

    async def set_blocked_words(self, creator_id: str, words: Sequence[str]) -> None:
        """Replace the creator's blocked words with `words` (already normalised)."""
        async with self._db.transaction() as conn:
            await conn.execute("DELETE FROM blocked_words WHERE creator_id = ?", (creator_id,))
            await conn.executemany(
                "INSERT INTO blocked_words (creator_id, word) VALUES (?, ?)",
                [(creator_id, word) for word in words],
            )


def _message(row: Row) -> ChatMessage:
    return ChatMessage(
        id=int(row["id"]),
        show_id=str(row["show_id"]),
        author_id=str(row["author_id"]),
        author_name=str(row["author_name"]),
        author_role=Role(row["author_role"]),
        text=str(row["text"]),
        created_at=float(row["created_at"]),
    )
