"""The replay's JSON as the HTTP API returns it: the show, its parts and its chapters."""

from __future__ import annotations

from typing import Any

from livesale.domain.auctions import AuctionMark
from livesale.domain.recordings import Recording
from livesale.live.events import ProductView, flash_sale_json
from livesale.live.replays import Chapter, Replay


def replay_url(recording_id: str) -> str:
    """Where a part's file is served (same origin, so relative)."""
    return f"/replays/{recording_id}"


def replay_json(replay: Replay, product_view: ProductView) -> dict[str, Any]:
    """The replay page's whole answer; `product_view` shapes each chapter's product."""
    show = replay.show
    return {
        "show": {
            "id": show.id,
            "title": show.title,
            "status": show.status.value,
            "live_at": show.live_at,
            "ended_at": show.ended_at,
            "replay_flash_sales": show.replay_flash_sales,
        },
        "parts": [recording_json(part) for part in replay.parts],
        "chapters": [chapter_json(chapter, product_view) for chapter in replay.chapters],
        "auctions": [auction_mark_json(mark) for mark in replay.auctions],
        "duration_ms": replay.duration_ms,
    }


def recording_json(part: Recording) -> dict[str, Any]:
    """One part as the replay page sees it."""
    return {
        "id": part.id,
        "part": part.part,
        "status": part.status.value,
        "url": replay_url(part.id),
        "content_type": part.container.content_type,
        "offset_ms": part.offset_ms,
        "duration_ms": part.duration_ms,
        "size_bytes": part.size_bytes,
    }


def chapter_json(chapter: Chapter, product_view: ProductView) -> dict[str, Any]:
    """A product chapter: the pin's product, its span in show time, its sale's end."""
    pin = chapter.pin
    sale = None
    if pin.flash_sale is not None:
        sale = {**flash_sale_json(pin.flash_sale), "until_ms": chapter.sale_until_ms}
    return {
        "pin_id": pin.id,
        "product": product_view(chapter.product),
        "offset_ms": pin.offset_ms,
        "until_ms": chapter.until_ms,
        "flash_sale": sale,
    }


def auction_mark_json(mark: AuctionMark) -> dict[str, Any]:
    """An auction's start or result in show time (the replay lists them by the chapters)."""
    return {
        "auction_id": mark.auction_id,
        "kind": mark.kind.value,
        "offset_ms": mark.offset_ms,
        "product_id": mark.product_id,
        "price_minor": mark.price_minor,
        "currency": mark.currency,
        "winner_name": mark.winner_name,
    }
