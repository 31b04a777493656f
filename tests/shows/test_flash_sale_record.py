"""The stored flash sale: its own encoder, a fixed form, and rows of today's format still read."""

from __future__ import annotations

import json

from livesale.domain.pins import FlashSale, TimelineKind
from livesale.domain.products import Product, ProductStatus, Variant
from livesale.live.events import Pinned, flash_sale_json, pin_json
from livesale.storage.database import Database
from livesale.storage.flash_sale_record import decode_flash_sale, encode_flash_sale
from livesale.storage.shows import ShowRepository
from livesale.storage.timeline import TimelineRepository

SALE = FlashSale(
    sale_price_minor=999, currency="EUR", quantity=5, per_buyer_limit=2, duration_seconds=60
)
# The exact text every release so far has written into `timeline_events.flash_sale`.
STORED = (
    '{"sale_price_minor": 999, "currency": "EUR", "quantity": 5,'
    ' "per_buyer_limit": 2, "duration_seconds": 60}'
)


def test_the_stored_form_is_fixed_text() -> None:
    assert encode_flash_sale(SALE) == STORED
    assert decode_flash_sale(STORED) == SALE


async def test_a_row_written_in_todays_format_still_reads(database: Database) -> None:
    show, _key = await ShowRepository(database).create("Spring drop")
    async with database.transaction() as conn:
        await conn.execute(
            "INSERT INTO timeline_events (show_id, kind, offset_ms, product_id, flash_sale,"
            " created_at) VALUES (?, 'pin', 1500, NULL, ?, 1700000000.5)",
            (show.id, STORED),
        )
    [event] = await TimelineRepository(database).events(show.id)
    assert event.kind is TimelineKind.PIN
    assert event.flash_sale == SALE
    assert event.sale_ends_at == 1700000060.5


async def test_what_is_stored_is_not_what_the_api_sends(database: Database) -> None:
    show, _key = await ShowRepository(database).create("Spring drop")
    timeline = TimelineRepository(database, clock=lambda: 1700000000.0)
    event = await timeline.append(show.id, TimelineKind.PIN, 1500, None, SALE)

    row = await database.fetchone(
        "SELECT flash_sale FROM timeline_events WHERE id = ?", (event.id,)
    )
    assert row is not None
    assert row["flash_sale"] == STORED

    # The room and the API send the sale with its end time; the record keeps the terms only.
    sent = pin_json(Pinned(event, _product()), lambda p: {"id": p.id})["flash_sale"]
    assert sent == {**flash_sale_json(SALE), "ends_at": 1700000060.0}
    assert json.loads(row["flash_sale"]) != sent


def _product() -> Product:
    variant = Variant(
        id="v1", product_id="p1", sku="TEE", name="", options=(), price_minor=2500,
        currency="EUR", stock=5, position=0, archived=False,
    )  # fmt: skip
    return Product(
        id="p1", creator_id="c1", title="Tee", description="", status=ProductStatus.ACTIVE,
        image_ids=(), variants=(variant,), created_at=0.0, updated_at=0.0,
    )  # fmt: skip
