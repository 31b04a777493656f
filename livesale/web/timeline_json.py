"""The timeline's JSON as the HTTP API returns it."""

from __future__ import annotations

from typing import Any

from livesale.domain.pins import TimelineEvent
from livesale.live.events import flash_sale_json


def timeline_event_json(event: TimelineEvent) -> dict[str, Any]:
    """One pin or unpin: its kind, offset in ms since the show went live, product and sale."""
    return {
        "id": event.id,
        "type": event.kind.value,
        "offset_ms": event.offset_ms,
        "product_id": event.product_id,
        "flash_sale": None if event.flash_sale is None else flash_sale_json(event.flash_sale),
        "at": event.created_at,
    }
