"""A person's own data in the record: everything kept about one viewer id, and erasing it.

Erasure keeps the viewer id as a pseudonym with nothing personal attached, so
the rows other people rely on stay whole: a shop's orders (its record of money
taken) keep their amounts, lines, dates and the destination country, but lose
the buyer's email, name and street address; reviews keep their stars but lose
their words, photos and author name; chat messages, reminders, notifications,
push subscriptions and the person's conversations with shops are deleted. What
is done and why is in docs/privacy.md.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from livesale.domain.accounts import hash_token, new_token
from livesale.domain.errors import OpenOrders
from livesale.storage.database import Database
from livesale.storage.person_messages import erase_messages, export_messages
from livesale.storage.person_notices import erase_notices, export_notices
from livesale.storage.sql import Executor, Row

# Orders still owed something (a payment, or goods): their delivery details are needed.
OPEN_STATUSES = ("pending_payment", "paid")
# The name an erased person's identity keeps: the id stays for the shops' records.
ERASED_NAME = "(deleted)"


@dataclass(frozen=True)
class Erased:
    """How many rows an erasure touched, by kind (for the log and the answer)."""

    chat_messages: int
    reviews: int
    orders: int
    follows: int
    photo_ids: tuple[str, ...] = ()  # review photos unlinked: their images go next
    # Reminders, notifications, push subscriptions, conversations and their messages.
    others: dict[str, int] = field(default_factory=dict)
    conversations: tuple[tuple[str, str], ...] = ()  # deleted: (id, shop's creator id)


class PersonData:
    """Reads and erases one viewer's rows across the record; nothing else spans them all."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def export(self, viewer_id: str) -> dict[str, Any]:
        """Every row kept about the viewer, as plain JSON values."""
        person = await self._db.fetchone(
            "SELECT id, display_name, created_at FROM viewers WHERE id = ?", (viewer_id,)
        )
        account = await self._db.fetchone(
            "SELECT email, created_at FROM viewer_accounts WHERE viewer_id = ?", (viewer_id,)
        )
        orders = await self._rows(
            "SELECT id, creator_id, show_id, status, currency, total_minor, email, name,"
            " address_json, announce, gateway, created_at, paid_at, fulfilled_at, refunded_at,"
            " canceled_at FROM orders WHERE viewer_id = ? ORDER BY created_at",
            viewer_id,
        )
        lines = await self._rows(
            "SELECT l.order_id, l.position, l.product_id, l.title, l.variant_name, l.sku,"
            " l.quantity, l.unit_price_minor FROM order_lines l"
            " JOIN orders o ON o.id = l.order_id WHERE o.viewer_id = ?"
            " ORDER BY l.order_id, l.position",
            viewer_id,
        )
        for order in orders:
            order["address"] = json.loads(order.pop("address_json"))
            order["announce"] = bool(order["announce"])
            order["lines"] = [
                {k: v for k, v in line.items() if k != "order_id"}
                for line in lines
                if line["order_id"] == order["id"]
            ]
        return {
            "viewer": None if person is None else _plain(person),
            "account": None if account is None else _plain(account),
            "passkeys": await self._rows(
                "SELECT id, created_at, last_used_at FROM passkeys"
                " WHERE owner_kind = 'viewer' AND owner_id = ? ORDER BY created_at",
                viewer_id,
            ),
            "orders": orders,
            "follows": await self._rows(
                "SELECT creator_id, created_at FROM follows WHERE viewer_id = ?"
                " ORDER BY created_at",
                viewer_id,
            ),
            "chat_messages": await self._rows(
                "SELECT id, show_id, author_name, text, created_at, deleted_at FROM chat_messages"
                " WHERE author_id = ? AND author_role <> 'creator' ORDER BY id",
                viewer_id,
            ),
            "reviews": await self._rows(
                "SELECT id, order_id, position, product_id, author_name, stars, text,"
                " photos_json, state, created_at, edited_at FROM reviews WHERE viewer_id = ?"
                " ORDER BY created_at",
                viewer_id,
            ),
            "feed": {
                "personalised": await self._db.fetchone(
                    "SELECT 1 FROM feed_opt_outs WHERE viewer_id = ?", (viewer_id,)
                )
                is None
            },
            **await export_notices(self._db.reader, viewer_id),
            **await export_messages(self._db.reader, viewer_id),
        }

    async def open_orders(self, viewer_id: str) -> list[str]:
        """The ids of the viewer's orders still owed a payment or goods."""
        rows = await self._db.fetchall(
            "SELECT id FROM orders WHERE viewer_id = ? AND status IN (?, ?) ORDER BY created_at",
            (viewer_id, *OPEN_STATUSES),
        )
        return [str(row["id"]) for row in rows]

    async def erase(self, viewer_id: str) -> Erased:
        """Erase the viewer's personal data (OpenOrders while an order is still open)."""
        async with self._db.transaction() as conn:
            # Checked inside the write transaction: an order placed meanwhile waits for it.
            still_open = await conn.fetchall(
                "SELECT id FROM orders WHERE viewer_id = ? AND status IN (?, ?)",
                (viewer_id, *OPEN_STATUSES),
            )
            if still_open:
                raise OpenOrders(
                    "finish or cancel your open orders first",
                    order_ids=[str(row["id"]) for row in still_open],
                )
            message_counts, conversations = await erase_messages(conn, viewer_id)
            photos = await conn.fetchall(
                "SELECT image_id FROM review_photos WHERE viewer_id = ?", (viewer_id,)
            )
            erased = Erased(
                photo_ids=tuple(str(photo["image_id"]) for photo in photos),
                chat_messages=await conn.execute(
                    "DELETE FROM chat_messages WHERE author_id = ? AND author_role <> 'creator'",
                    (viewer_id,),
                ),
                reviews=await _anonymise_reviews(conn, viewer_id),
                orders=await _anonymise_orders(conn, viewer_id),
                follows=await conn.execute("DELETE FROM follows WHERE viewer_id = ?", (viewer_id,)),
                others={**await erase_notices(conn, viewer_id), **message_counts},
                conversations=conversations,
            )
            for table, column in (
                ("feed_opt_outs", "viewer_id"),
                ("moderators", "viewer_id"),
                ("review_votes", "viewer_id"),
                ("viewer_sessions", "viewer_id"),
                ("viewer_accounts", "viewer_id"),
            ):
                await conn.execute(f"DELETE FROM {table} WHERE {column} = ?", (viewer_id,))
            await conn.execute(
                "DELETE FROM passkeys WHERE owner_kind = 'viewer' AND owner_id = ?", (viewer_id,)
            )
            # The id stays (orders and reviews point at it); the name and the way in go.
            # `erased_at` stops anything new being made for it (notifications of an
            # order shipped or a bid beaten after the erasure).
            await conn.execute(
                "UPDATE viewers SET display_name = ?, token_hash = ?, erased_at = ? WHERE id = ?",
                (ERASED_NAME, hash_token(new_token()), time.time(), viewer_id),
            )
        return erased

    async def _rows(self, sql: str, viewer_id: str) -> list[dict[str, Any]]:
        return [_plain(row) for row in await self._db.fetchall(sql, (viewer_id,))]


async def _anonymise_reviews(conn: Executor, viewer_id: str) -> int:
    # The stars stay in the shop's ratings; the words, photos and name were the person's.
    await conn.execute("DELETE FROM review_photos WHERE viewer_id = ?", (viewer_id,))
    return await conn.execute(
        "UPDATE reviews SET author_name = ?, text = '', photos_json = '[]', photo_count = 0"
        " WHERE viewer_id = ?",
        (ERASED_NAME, viewer_id),
    )


async def _anonymise_orders(conn: Executor, viewer_id: str) -> int:
    rows = await conn.fetchall(
        "SELECT id, address_json FROM orders WHERE viewer_id = ?", (viewer_id,)
    )
    for row in rows:
        # The destination country stays: sales tax is owed where goods were sent.
        country = json.loads(str(row["address_json"])).get("country", "")
        await conn.execute(
            "UPDATE orders SET email = '', name = '', address_json = ?, announce = 0 WHERE id = ?",
            (json.dumps({"country": country}), str(row["id"])),
        )
    return len(rows)


def _plain(row: Row) -> dict[str, Any]:
    return {key: row[key] for key in row.keys()}  # noqa: SIM118 (a Row is no dict)
