"""A creator's own data in the record, as one download: their account, passkeys, shows,
products, moderators, coupons, shipping profile, review replies, the shop's side of its
conversations and its orders as the shop already sees them (see docs/privacy.md).

Buyers appear only as the shop meets them: an order's email, name and address (which the
shop needs to send it), a conversation's guest id and display name. Nothing else about a
buyer (their follows, chat, other shops' orders) is read.
"""

from __future__ import annotations

import json
from typing import Any

from livesale.storage.database import Database
from livesale.storage.sql import Row

# Columns holding JSON text: given as the values they hold.
_JSON_COLUMNS = {"tags", "options", "address_json"}


class CreatorData:
    """Reads everything kept about one creator and their shop; one query per part."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def export(self, creator_id: str) -> dict[str, Any]:
        """Every row kept about the creator's account and shop, as plain JSON values."""
        account = await self._db.fetchone(
            "SELECT id, email, display_name, created_at FROM creators WHERE id = ?",
            (creator_id,),
        )
        return {
            "account": None if account is None else _plain(account),
            "passkeys": await self._rows(
                "SELECT id, created_at, last_used_at FROM passkeys"
                " WHERE owner_kind = 'creator' AND owner_id = ? ORDER BY created_at",
                creator_id,
            ),
            # Never the stream key's hash: it is a secret's fingerprint, not the creator's data.
            "shows": await self._rows(
                "SELECT id, title, status, category, tags, scheduled_at, created_at, live_at,"
                " ended_at, record, replay_flash_sales, cover_image_id FROM shows"
                " WHERE creator_id = ? ORDER BY created_at",
                creator_id,
            ),
            "products": await self._products(creator_id),
            "moderators": await self._rows(
                "SELECT m.viewer_id, v.display_name, m.added_at FROM moderators m"
                " JOIN viewers v ON v.id = m.viewer_id WHERE m.creator_id = ? ORDER BY m.added_at",
                creator_id,
            ),
            "blocked_words": [
                str(row["word"])
                for row in await self._db.fetchall(
                    "SELECT word FROM blocked_words WHERE creator_id = ? ORDER BY word",
                    (creator_id,),
                )
            ],
            "coupons": await self._rows(
                "SELECT id, code, kind, value, currency, max_discount_minor, show_id,"
                " min_spend_minor, first_order_only, max_uses, starts_at, ends_at, enabled,"
                " uses_taken, created_at FROM coupons WHERE creator_id = ? ORDER BY created_at",
                creator_id,
            ),
            "shipping_profile": await self._shipping(creator_id),
            "review_replies": await self._rows(
                "SELECT id AS review_id, product_id, reply_text, reply_at, reply_edited_at"
                " FROM reviews WHERE creator_id = ? AND reply_text IS NOT NULL ORDER BY reply_at",
                creator_id,
            ),
            **await self._conversations(creator_id),
            "orders": await self._orders(creator_id),
        }

    async def _products(self, creator_id: str) -> list[dict[str, Any]]:
        products = await self._rows(
            "SELECT id, title, description, status, category, tags, created_at, updated_at"
            " FROM products WHERE creator_id = ? ORDER BY created_at",
            creator_id,
        )
        variants = await self._rows(
            "SELECT id, product_id, sku, name, options, price_minor, currency, stock, archived"
            " FROM variants WHERE creator_id = ? ORDER BY product_id, position",
            creator_id,
        )
        by_product = _grouped(variants, "product_id")
        for product in products:
            product["variants"] = by_product.get(product["id"], [])
        return products

    async def _shipping(self, creator_id: str) -> dict[str, Any] | None:
        row = await self._db.fetchone(
            "SELECT currency, flat_minor, per_item_minor, free_above_minor, countries,"
            " updated_at FROM shipping_profiles WHERE creator_id = ?",
            (creator_id,),
        )
        if row is None:
            return None
        profile = _plain(row)
        profile["countries"] = [c for c in str(profile["countries"]).split(",") if c]
        return profile

    async def _conversations(self, creator_id: str) -> dict[str, Any]:
        # The shop's side as its inbox shows it: the guest's id and name, who answered.
        conversations = await self._rows(
            "SELECT c.id, c.viewer_id, v.display_name, c.created_at, c.last_message_at,"
            " c.shop_blocked_at, c.viewer_blocked_at FROM dm_conversations c"
            " JOIN viewers v ON v.id = c.viewer_id WHERE c.creator_id = ?"
            " ORDER BY c.created_at, c.id",
            creator_id,
        )
        messages = await self._rows(
            "SELECT m.id, m.conversation_id, m.side, m.author_id, m.text, m.ref_kind, m.ref_id,"
            " m.created_at FROM dm_messages m JOIN dm_conversations c"
            " ON c.id = m.conversation_id WHERE c.creator_id = ? ORDER BY m.id",
            creator_id,
        )
        by_conversation = _grouped(messages, "conversation_id")
        return {
            "conversations": [
                {
                    "id": c["id"],
                    "with": {"id": c["viewer_id"], "name": c["display_name"]},
                    "created_at": c["created_at"],
                    "last_message_at": c["last_message_at"],
                    "shop_blocked_at": c["shop_blocked_at"],
                    "viewer_blocked_at": c["viewer_blocked_at"],
                    "messages": by_conversation.get(c["id"], []),
                }
                for c in conversations
            ],
            "message_reports": await self._rows(
                "SELECT r.id, r.conversation_id, r.message_id, r.reason, r.created_at"
                " FROM dm_reports r JOIN dm_conversations c ON c.id = r.conversation_id"
                " WHERE c.creator_id = ? AND r.side = 'shop' ORDER BY r.id",
                creator_id,
            ),
        }

    async def _orders(self, creator_id: str) -> list[dict[str, Any]]:
        orders = await self._rows(
            "SELECT id, show_id, status, status_reason, currency, total_minor, discount_minor,"
            " coupon_code, shipping_minor, shipping_refunded_minor, email, name, address_json,"
            " carrier, tracking_number, tracking_url, gateway, created_at, paid_at,"
            " fulfilled_at, refunded_at, canceled_at FROM orders WHERE creator_id = ?"
            " ORDER BY created_at",
            creator_id,
        )
        lines = await self._rows(
            "SELECT l.order_id, l.position, l.product_id, l.variant_id, l.title, l.variant_name,"
            " l.sku, l.quantity, l.unit_price_minor FROM order_lines l"
            " JOIN orders o ON o.id = l.order_id WHERE o.creator_id = ?"
            " ORDER BY l.order_id, l.position",
            creator_id,
        )
        by_order = _grouped(lines, "order_id")
        for order in orders:
            order["address"] = order.pop("address_json")
            order["lines"] = by_order.get(order["id"], [])
        return orders

    async def _rows(self, sql: str, creator_id: str) -> list[dict[str, Any]]:
        return [_plain(row) for row in await self._db.fetchall(sql, (creator_id,))]


def _grouped(rows: list[dict[str, Any]], key: str) -> dict[Any, list[dict[str, Any]]]:
    """`rows` by their `key` (taken out of each), in their order: one pass, not a scan per
    parent (a shop may hold many thousands of order lines)."""
    groups: dict[Any, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(row.pop(key), []).append(row)
    return groups


def _plain(row: Row) -> dict[str, Any]:
    return {
        key: json.loads(str(row[key])) if key in _JSON_COLUMNS else row[key]
        for key in row.keys()  # noqa: SIM118 (a Row is no dict)
    }
