"""The shapes of the room's events (show, pin, chat, likes, viewers) that live/ sends viewers.

They are shaped here, in live/, and not in web/ like the HTTP answers: a
service publishes them through Redis to every process's viewers, and live/
never imports web/. The pin a creator's POST gets back is the `pin` event's
pin, so the console and the watch page read one shape.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from livesale.domain.chat import ChatMessage
from livesale.domain.pins import FlashSale, TimelineEvent
from livesale.domain.products import Product
from livesale.domain.reviews import Rating
from livesale.domain.shows import Show

ProductView = Callable[[Product], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Pinned:
    """A pin on the timeline with the product it shows."""

    event: TimelineEvent
    product: Product
    rating: Rating | None = None  # its buyers' shown reviews when it was pinned


@dataclass(frozen=True, slots=True)
class Unpinned:
    """A pin taken off screen, and the unpin event that did it."""

    pin: TimelineEvent
    unpin: TimelineEvent


def show_state(show: Show) -> dict[str, Any]:
    """The show as the room sends it (times in epoch seconds)."""
    return {
        "id": show.id,
        "title": show.title,
        "status": show.status.value,
        "scheduled_at": show.scheduled_at,
        "live_at": show.live_at,
        "ended_at": show.ended_at,
    }


def show_message(show: Show) -> dict[str, Any]:
    """The room event saying the show changed (title, start, status)."""
    return {"type": "show", "show": show_state(show)}


def publisher_message(show: Show, publisher: str) -> dict[str, Any]:
    """The room event saying whether the live show's publisher is on air or reconnecting."""
    return {"type": "show", "show": {**show_state(show), "publisher": publisher}}


def slow_mode_message(state: dict[str, Any], seconds: int) -> dict[str, Any]:
    """The room event saying the show's slow mode changed (`state` as the room has it)."""
    return {
        "type": "show",
        "show": {**state, "slow_mode_seconds": seconds},
        "slow_mode_seconds": seconds,
    }


def like_message(total: int, delta: int) -> dict[str, Any]:
    """The room event carrying the show's like total and how much it just grew."""
    return {"type": "like", "total": total, "delta": delta}


def viewers_message(count: int) -> dict[str, Any]:
    """The room event carrying how many watch the show now."""
    return {"type": "viewers", "count": count}


def flash_sale_json(sale: FlashSale) -> dict[str, Any]:
    """A flash sale's terms as clients read them (without the pin-relative end time)."""
    return {
        "sale_price_minor": sale.sale_price_minor,
        "currency": sale.currency,
        "quantity": sale.quantity,
        "per_buyer_limit": sale.per_buyer_limit,
        "duration_seconds": sale.duration_seconds,
    }


def pin_json(pinned: Pinned, product_view: ProductView) -> dict[str, Any]:
    """A pin as viewers receive it: the product (shaped by `product_view`), its sale and
    its buyers' rating ({average, count}; null without shown reviews)."""
    event, rating = pinned.event, pinned.rating
    sale = None
    if event.flash_sale is not None and event.sale_ends_at is not None:
        sale = {**flash_sale_json(event.flash_sale), "ends_at": event.sale_ends_at}
    return {
        "id": event.id,
        "product": product_view(pinned.product),
        "offset_ms": event.offset_ms,
        "pinned_at": event.created_at,
        "flash_sale": sale,
        "rating": None
        if rating is None or rating.count == 0
        else {"average": rating.average, "count": rating.count},
    }


def pin_message(pinned: Pinned, product_view: ProductView) -> dict[str, Any]:
    """The room event that puts a product on screen."""
    return {"type": "pin", "pin": pin_json(pinned, product_view)}


def unpin_message(pin: TimelineEvent, unpin: TimelineEvent) -> dict[str, Any]:
    """The room event that takes `pin` off the screen."""
    return {"type": "unpin", "pin_id": pin.id, "offset_ms": unpin.offset_ms}


def chat_message_json(message: ChatMessage) -> dict[str, Any]:
    """A chat message as the room sends it (`at` in epoch seconds)."""
    return {
        "id": message.id,
        "author": {
            "id": message.author_id,
            "name": message.author_name,
            "role": message.author_role,
        },
        "text": message.text,
        "at": message.created_at,
    }


def chat_message(message: ChatMessage) -> dict[str, Any]:
    """The room event carrying a new chat message."""
    return {"type": "chat", "message": chat_message_json(message)}


def chat_deleted_message(message_id: int) -> dict[str, Any]:
    """The room event that removes a deleted message from every screen."""
    return {"type": "chat_deleted", "id": message_id}
