"""A person's direct messages with shops: their part of the download, and their erasure
(see docs/privacy.md). The shop's side is "shop" only: who answered for it stays the
shop's business, as on the person's own pages."""

from __future__ import annotations

from typing import Any

from livesale.storage.sql import Executor

_MINE = "SELECT id FROM dm_conversations WHERE viewer_id = ?"


async def export_messages(db: Executor, viewer_id: str) -> dict[str, Any]:
    """The viewer's conversations (with both sides' messages) and the reports they filed."""
    conversations = await db.fetchall(
        "SELECT c.id, c.creator_id, cr.display_name, c.created_at, c.last_message_at,"
        " c.viewer_blocked_at, c.shop_blocked_at FROM dm_conversations c"
        " JOIN creators cr ON cr.id = c.creator_id WHERE c.viewer_id = ?"
        " ORDER BY c.created_at, c.id",
        (viewer_id,),
    )
    messages = await db.fetchall(
        "SELECT m.id, m.conversation_id, m.side, m.text, m.ref_kind, m.ref_id, m.created_at"
        f" FROM dm_messages m WHERE m.conversation_id IN ({_MINE}) ORDER BY m.id",
        (viewer_id,),
    )
    reports = await db.fetchall(
        "SELECT id, conversation_id, message_id, side, reason, created_at FROM dm_reports"
        " WHERE reporter_id = ? ORDER BY id",
        (viewer_id,),
    )
    by_conversation: dict[str, list[dict[str, Any]]] = {str(c["id"]): [] for c in conversations}
    for m in messages:
        by_conversation[str(m["conversation_id"])].append(
            {
                "id": m["id"],
                "side": m["side"],
                "text": m["text"],
                "about": None
                if m["ref_kind"] is None
                else {"kind": m["ref_kind"], "id": m["ref_id"]},
                "created_at": m["created_at"],
            }
        )
    return {
        "messages": [
            {
                "conversation_id": c["id"],
                "shop": {"id": c["creator_id"], "name": c["display_name"]},
                "created_at": c["created_at"],
                "last_message_at": c["last_message_at"],
                "you_blocked_at": c["viewer_blocked_at"],
                "shop_blocked_at": c["shop_blocked_at"],
                "messages": by_conversation[str(c["id"])],
            }
            for c in conversations
        ],
        "message_reports": [{key: r[key] for key in r.keys()} for r in reports],  # noqa: SIM118
    }


async def erase_messages(
    conn: Executor, viewer_id: str
) -> tuple[dict[str, int], tuple[tuple[str, str], ...]]:
    """Delete the viewer's conversations, every message in them and the reports on them;
    the counts, and each conversation that went (its id and shop)."""
    gone = await conn.fetchall(
        "SELECT id, creator_id FROM dm_conversations WHERE viewer_id = ? ORDER BY id",
        (viewer_id,),
    )
    # Children first: PostgreSQL checks the foreign keys of each statement.
    await conn.execute(f"DELETE FROM dm_reports WHERE conversation_id IN ({_MINE})", (viewer_id,))
    messages = await conn.execute(
        f"DELETE FROM dm_messages WHERE conversation_id IN ({_MINE})", (viewer_id,)
    )
    conversations = await conn.execute(
        "DELETE FROM dm_conversations WHERE viewer_id = ?", (viewer_id,)
    )
    counts = {"conversations": conversations, "direct_messages": messages}
    return counts, tuple((str(row["id"]), str(row["creator_id"])) for row in gone)
