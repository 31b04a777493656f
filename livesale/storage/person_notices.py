"""A person's reminders, notifications, notification settings and push subscriptions:
their part of the download, and their erasure (see docs/privacy.md)."""

from __future__ import annotations

import json
from typing import Any

from livesale.storage.sql import Executor


async def export_notices(db: Executor, viewer_id: str) -> dict[str, Any]:
    """The viewer's reminders, notifications, kinds turned off and push subscriptions."""
    reminders = await db.fetchall(
        "SELECT r.show_id, s.title, r.created_at FROM show_reminders r"
        " JOIN shows s ON s.id = r.show_id WHERE r.viewer_id = ? ORDER BY r.created_at",
        (viewer_id,),
    )
    notifications = await db.fetchall(
        "SELECT id, kind, params_json, more, created_at, read_at FROM notifications"
        " WHERE viewer_id = ? ORDER BY created_at, id",
        (viewer_id,),
    )
    turned_off = await db.fetchall(
        "SELECT kind FROM notification_opt_outs WHERE viewer_id = ? ORDER BY kind", (viewer_id,)
    )
    # The endpoint is the person's own (their browser made it). The device's keys are
    # left out: the browser holds them, and a copy in a downloaded file only adds risk.
    devices = await db.fetchall(
        "SELECT endpoint, lang, created_at FROM push_subscriptions WHERE viewer_id = ?"
        " ORDER BY created_at",
        (viewer_id,),
    )
    return {
        "reminders": [
            {"show_id": r["show_id"], "title": r["title"], "created_at": r["created_at"]}
            for r in reminders
        ],
        "notifications": [
            {
                "id": n["id"],
                "kind": n["kind"],
                "params": json.loads(str(n["params_json"])),
                "more": n["more"],
                "created_at": n["created_at"],
                "read_at": n["read_at"],
            }
            for n in notifications
        ],
        "notification_settings": {"turned_off": [str(row["kind"]) for row in turned_off]},
        "push_subscriptions": [
            {"endpoint": d["endpoint"], "lang": d["lang"], "created_at": d["created_at"]}
            for d in devices
        ],
    }


async def erase_notices(conn: Executor, viewer_id: str) -> dict[str, int]:
    """Delete the viewer's reminders, notifications, settings and push subscriptions."""
    counts = {
        table: await conn.execute(f"DELETE FROM {table} WHERE viewer_id = ?", (viewer_id,))
        for table in ("show_reminders", "notifications", "push_subscriptions")
    }
    await conn.execute("DELETE FROM notification_opt_outs WHERE viewer_id = ?", (viewer_id,))
    return {
        "reminders": counts["show_reminders"],
        "notifications": counts["notifications"],
        "push_subscriptions": counts["push_subscriptions"],
    }
