"""JSON shapes of direct messages: conversations, messages and their order or product cards."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from livesale.domain.messages import (
    Conversation,
    DirectMessage,
    InboxEntry,
    Reference,
    RefKind,
    Side,
)
from livesale.storage.orders import OrderRepository
from livesale.storage.products import ProductRepository
from livesale.web.catalogue_json import image_url

Card = dict[str, Any]


def conversation_json(conversation: Conversation, side: Side, names: Mapping[str, str]) -> Card:
    """A conversation as one side sees it: the other party, and who blocked whom."""
    other_id = conversation.creator_id if side is Side.VIEWER else conversation.viewer_id
    return {
        "id": conversation.id,
        "side": side.value,
        "creator_id": conversation.creator_id,
        "viewer_id": conversation.viewer_id if side is Side.SHOP else None,
        "with": {"id": other_id, "name": names.get(other_id, "")},
        "blocked": conversation.blocked,
        "blocked_by_me": conversation.blocked_by(side),
        "last_message_at": conversation.last_message_at,
        "read_up_to": conversation.read_id(side),
        "other_read_up_to": conversation.read_id(side.other),
    }


def message_json(
    message: DirectMessage, side: Side, names: Mapping[str, str], cards: Mapping[Reference, Card]
) -> Card:
    """A message as one side sees it; a shop's reply names who answered to the shop only."""
    body: Card = {
        "id": message.id,
        "side": message.side.value,
        "mine": message.side is side,
        "text": message.text,
        "created_at": message.created_at,
        "card": None if message.reference is None else cards.get(message.reference),
    }
    if side is Side.SHOP and message.side is Side.SHOP:
        body["author"] = {"id": message.author_id, "name": names.get(message.author_id, "")}
    return body


def inbox_json(entries: Iterable[InboxEntry], side: Side, names: Mapping[str, str]) -> list[Card]:
    """An inbox: each conversation with its unread count and last message's text."""
    return [
        {
            **conversation_json(entry.conversation, side, names),
            "unread": entry.unread,
            "last": None
            if entry.last is None
            else {
                "side": entry.last.side.value,
                "text": entry.last.text,
                "created_at": entry.last.created_at,
            },
        }
        for entry in entries
    ]


async def reference_cards(
    references: Iterable[Reference], orders: OrderRepository, products: ProductRepository
) -> dict[Reference, Card]:
    """A card per reference, as it is now (an order's status moves on); gone ones say so."""
    wanted = set(references)
    product_ids = [r.id for r in wanted if r.kind is RefKind.PRODUCT]
    found = {p.id: p for p in await products.get_many(product_ids)}
    cards: dict[Reference, Card] = {}
    for reference in wanted:
        if reference.kind is RefKind.PRODUCT:
            product = found.get(reference.id)
            cards[reference] = (
                {"kind": "product", "id": reference.id, "missing": True}
                if product is None
                else {
                    "kind": "product",
                    "id": product.id,
                    "title": product.title,
                    "image_url": image_url(product.image_ids[0]) if product.image_ids else None,
                    "price_minor": min(
                        (v.price_minor for v in product.active_variants or product.variants),
                        default=0,
                    ),
                    "currency": product.currency,
                    "status": product.status.value,
                }
            )
            continue
        order = await orders.get(reference.id)
        cards[reference] = (
            {"kind": "order", "id": reference.id, "missing": True}
            if order is None
            else {
                "kind": "order",
                "id": order.id,
                "title": order.lines[0].title if order.lines else "",
                "items": sum(line.quantity for line in order.lines),
                "status": order.status.value,
                "total_minor": order.total_minor,
                "currency": order.currency,
                "created_at": order.created_at,
            }
        )
    return cards
