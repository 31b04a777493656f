"""Direct messages in the record: conversations, their messages, blocks, reads and reports."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable

from livesale.domain.errors import ConversationNotFound
from livesale.domain.messages import (
    Conversation,
    DirectMessage,
    InboxEntry,
    Reference,
    RefKind,
    Side,
)
from livesale.storage.database import Database
from livesale.storage.sql import Row

_CONVERSATION = (
    "c.id, c.viewer_id, c.creator_id, c.created_at, c.last_message_at, c.viewer_read_id,"
    " c.shop_read_id, c.viewer_blocked_at, c.shop_blocked_at"
)
_MESSAGE = "id, conversation_id, side, author_id, text, ref_kind, ref_id, created_at"
_BLOCK_COLUMN = {Side.VIEWER: "viewer_blocked_at", Side.SHOP: "shop_blocked_at"}
_READ_COLUMN = {Side.VIEWER: "viewer_read_id", Side.SHOP: "shop_read_id"}
INBOX_LIMIT = 200


class MessageRepository:
    """Persistence of direct messages; the only code touching the dm_ tables."""

    def __init__(self, db: Database, clock: Callable[[], float] = time.time) -> None:
        self._db = db
        self._clock = clock

    async def open(self, viewer_id: str, creator_id: str) -> Conversation:
        """The viewer's conversation with the shop, started if there is none yet."""
        now = self._clock()
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO dm_conversations"
                " (id, viewer_id, creator_id, created_at, last_message_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (secrets.token_urlsafe(12), viewer_id, creator_id, now, now),
            )
            row = await conn.fetchone(
                f"SELECT {_CONVERSATION} FROM dm_conversations c"
                " WHERE c.viewer_id = ? AND c.creator_id = ?",
                (viewer_id, creator_id),
            )
        assert row is not None
        return _conversation(row)

    async def find(self, viewer_id: str, creator_id: str) -> Conversation | None:
        """The viewer's conversation with the shop, or None."""
        row = await self._db.fetchone(
            f"SELECT {_CONVERSATION} FROM dm_conversations c"
            " WHERE c.viewer_id = ? AND c.creator_id = ?",
            (viewer_id, creator_id),
        )
        return None if row is None else _conversation(row)

    async def get(self, conversation_id: str) -> Conversation:
        """The conversation with this id, or ConversationNotFound."""
        row = await self._db.fetchone(
            f"SELECT {_CONVERSATION} FROM dm_conversations c WHERE c.id = ?", (conversation_id,)
        )
        if row is None:
            raise ConversationNotFound("no conversation has this id", id=conversation_id)
        return _conversation(row)

    async def add(
        self,
        conversation_id: str,
        side: Side,
        author_id: str,
        text: str,
        reference: Reference | None,
    ) -> DirectMessage:
        """Store a message (the sender has read everything up to it) and return it."""
        now = self._clock()
        async with self._db.transaction() as conn:
            row = await conn.fetchone(
                "INSERT INTO dm_messages"
                " (conversation_id, side, author_id, text, ref_kind, ref_id, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (
                    conversation_id,
                    side.value,
                    author_id,
                    text,
                    None if reference is None else reference.kind.value,
                    None if reference is None else reference.id,
                    now,
                ),
            )
            assert row is not None
            message_id = int(row[0])
            await conn.execute(
                f"UPDATE dm_conversations SET last_message_at = ?, {_READ_COLUMN[side]} = ?"
                " WHERE id = ?",
                (now, message_id, conversation_id),
            )
        return DirectMessage(message_id, conversation_id, side, author_id, text, reference, now)

    async def messages(
        self, conversation_id: str, limit: int, before_id: int | None = None
    ) -> list[DirectMessage]:
        """The conversation's last `limit` messages (before `before_id`), oldest first."""
        before = "" if before_id is None else " AND id < ?"
        params: tuple[object, ...] = (conversation_id,)
        if before_id is not None:
            params += (before_id,)
        rows = await self._db.fetchall(
            f"SELECT {_MESSAGE} FROM dm_messages WHERE conversation_id = ?{before}"
            " ORDER BY id DESC LIMIT ?",
            (*params, limit),
        )
        return [_message(row) for row in reversed(rows)]

    async def mark_read(self, conversation_id: str, side: Side, up_to_id: int) -> None:
        """`side` has read every message up to `up_to_id` (never moves backwards)."""
        column = _READ_COLUMN[side]
        async with self._db.transaction() as conn:
            await conn.execute(
                f"UPDATE dm_conversations SET {column} = ? WHERE id = ? AND {column} < ?",
                (up_to_id, conversation_id, up_to_id),
            )

    async def set_blocked(self, conversation_id: str, side: Side, blocked: bool) -> None:
        """`side` blocks (or unblocks) the other side of the conversation."""
        column = _BLOCK_COLUMN[side]
        async with self._db.transaction() as conn:
            await conn.execute(
                f"UPDATE dm_conversations SET {column} = ? WHERE id = ?",
                (self._clock() if blocked else None, conversation_id),
            )

    async def holds(self, conversation_id: str, message_id: int) -> bool:
        """Whether the message is one of this conversation's (and not deleted by retention)."""
        row = await self._db.fetchone(
            "SELECT 1 FROM dm_messages WHERE id = ? AND conversation_id = ?",
            (message_id, conversation_id),
        )
        return row is not None

    async def report(
        self,
        conversation_id: str,
        side: Side,
        reporter_id: str,
        reason: str,
        message_id: int | None,
    ) -> int:
        """Keep a report for the operator; its id."""
        async with self._db.transaction() as conn:
            row = await conn.fetchone(
                "INSERT INTO dm_reports"
                " (conversation_id, message_id, side, reporter_id, reason, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                (conversation_id, message_id, side.value, reporter_id, reason, self._clock()),
            )
        assert row is not None
        return int(row[0])

    async def reports(self, conversation_id: str) -> list[tuple[int, str, str]]:
        """The conversation's reports: id, reporting side and reason, oldest first."""
        rows = await self._db.fetchall(
            "SELECT id, side, reason FROM dm_reports WHERE conversation_id = ? ORDER BY id",
            (conversation_id,),
        )
        return [(int(r[0]), str(r[1]), str(r[2])) for r in rows]

    async def inbox_of_viewer(self, viewer_id: str) -> list[InboxEntry]:
        """The viewer's conversations, newest activity first."""
        return await self._inbox("c.viewer_id = ?", viewer_id, Side.VIEWER, unread_first=False)

    async def inbox_of_shop(self, creator_id: str) -> list[InboxEntry]:
        """The shop's conversations: unread ones first, then newest activity first."""
        return await self._inbox("c.creator_id = ?", creator_id, Side.SHOP, unread_first=True)

    async def unread_of_viewer(self, viewer_id: str) -> int:
        """How many messages from shops the viewer has not read."""
        return await self._unread("c.viewer_id = ?", viewer_id, Side.VIEWER)

    async def unread_of_shop(self, creator_id: str) -> int:
        """How many messages from viewers the shop has not read."""
        return await self._unread("c.creator_id = ?", creator_id, Side.SHOP)

    async def delete_older_than(self, moment: float) -> int:
        """Delete messages sent before `moment` (retention); how many went."""
        async with self._db.transaction() as conn:
            return await conn.execute("DELETE FROM dm_messages WHERE created_at < ?", (moment,))

    async def _unread(self, where: str, owner: str, side: Side) -> int:
        count = await self._db.scalar(
            "SELECT COUNT(*) FROM dm_messages m JOIN dm_conversations c"
            " ON c.id = m.conversation_id"
            f" WHERE {where} AND m.side = ? AND m.id > c.{_READ_COLUMN[side]}",
            (owner, side.other.value),
        )
        return int(count or 0)

    async def _inbox(
        self, where: str, owner: str, side: Side, *, unread_first: bool
    ) -> list[InboxEntry]:
        read = _READ_COLUMN[side]
        # Sorted in the query, so an old unread conversation is not cut off by the limit.
        first = "CASE WHEN unread > 0 THEN 0 ELSE 1 END, " if unread_first else ""
        rows = await self._db.fetchall(
            "SELECT * FROM ("
            f"SELECT {_CONVERSATION},"
            " (SELECT COUNT(*) FROM dm_messages u WHERE u.conversation_id = c.id"
            f"  AND u.side = ? AND u.id > c.{read}) AS unread,"
            " (SELECT MAX(l.id) FROM dm_messages l WHERE l.conversation_id = c.id) AS last_id"
            f" FROM dm_conversations c WHERE {where}"
            f") listed ORDER BY {first}last_message_at DESC, id LIMIT ?",
            (side.other.value, owner, INBOX_LIMIT),
        )
        last_ids = [int(r["last_id"]) for r in rows if r["last_id"] is not None]
        last: dict[int, DirectMessage] = {}
        if last_ids:
            marks = ", ".join("?" for _ in last_ids)
            found = await self._db.fetchall(
                f"SELECT {_MESSAGE} FROM dm_messages WHERE id IN ({marks})", last_ids
            )
            last = {m.id: m for m in map(_message, found)}
        return [
            InboxEntry(
                _conversation(r),
                None if r["last_id"] is None else last.get(int(r["last_id"])),
                int(r["unread"]),
            )
            for r in rows
        ]


def _conversation(row: Row) -> Conversation:
    return Conversation(
        id=str(row["id"]),
        viewer_id=str(row["viewer_id"]),
        creator_id=str(row["creator_id"]),
        created_at=float(row["created_at"]),
        last_message_at=float(row["last_message_at"]),
        viewer_read_id=int(row["viewer_read_id"]),
        shop_read_id=int(row["shop_read_id"]),
        viewer_blocked=row["viewer_blocked_at"] is not None,
        shop_blocked=row["shop_blocked_at"] is not None,
    )


def _message(row: Row) -> DirectMessage:
    kind = row["ref_kind"]
    reference = None if kind is None else Reference(RefKind(str(kind)), str(row["ref_id"]))
    return DirectMessage(
        id=int(row["id"]),
        conversation_id=str(row["conversation_id"]),
        side=Side(str(row["side"])),
        author_id=str(row["author_id"]),
        text=str(row["text"]),
        reference=reference,
        created_at=float(row["created_at"]),
    )
