"""Replay worlds: an ended show with a pin on its timeline and a real recorded WebM part."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from livesale.composition.services import SERVICES
from livesale.domain.pins import FlashSale, TimelineKind
from livesale.domain.recordings import Container, Recording, RecordingStatus
from livesale.storage.recordings import RecordingRepository
from livesale.storage.timeline import TimelineRepository
from tests.support.clients import Client, origin
from tests.support.webm import write_webm
from tests.support.world import open_live_shop

PIN_AT_MS = 2_000
UNPIN_AT_MS = 5_000
PRICE_MINOR = 2_500
SALE_PRICE_MINOR = 1_500


@dataclass
class ReplayShow:
    """An ended show of Alice's: one product pinned from 2 s to 5 s, recorded in one part."""

    show_id: str
    product: dict[str, Any]
    pin_id: int
    part: Recording
    path: Path

    @property
    def variant_id(self) -> str:
        """The product's only variant."""
        variant_id: str = self.product["variants"][0]["id"]
        return variant_id


async def stock_levels(client: Client, replay: ReplayShow) -> tuple[int, int, int]:
    """available, held, sold of the show's variant (its counters made first if need be)."""
    shop = client.app[SERVICES].shop
    product = await shop.catalogue.product(replay.product["id"])
    got = await shop.stock.levels(product.creator_id, product.variants[0])
    return got.available, got.held, got.sold


def flash_sale(quantity: int = 3, per_buyer_limit: int = 2, seconds: int = 60) -> FlashSale:
    """A flash sale of the test product (EUR 25.00 -> 15.00)."""
    return FlashSale(SALE_PRICE_MINOR, "EUR", quantity, per_buyer_limit, seconds)


async def record_part(
    app: web.Application,
    show_id: str,
    offset_ms: int = 0,
    seconds: int = 6,
    status: RecordingStatus | None = None,
) -> tuple[Recording, Path]:
    """A real WebM part of the show in the recordings folder, finished as `status`."""
    recordings = RecordingRepository(app[SERVICES].storage.database)
    show = await app[SERVICES].storage.shows.get(show_id)
    part = await recordings.start_part(show_id, Container.WEBM, show.live_at or 0.0, offset_ms)
    folder: Path = app[SERVICES].settings.recordings_dir
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / part.file_name
    duration_ms = write_webm(path, seconds)
    done = RecordingStatus.COMPLETE if status is None else status
    if done is not RecordingStatus.RECORDING:
        await recordings.finish(part.id, done, duration_ms, path.stat().st_size)
    found = await recordings.get(part.id)
    assert found is not None
    return found, path


async def replay_show(
    alice: Client,
    *,
    sale: FlashSale | None = None,
    replay_flash_sales: bool = False,
    end: bool = True,
) -> ReplayShow:
    """Alice's show, live, a pin at 2 s and its unpin at 5 s, one recorded part, ended."""
    shop = await open_live_shop(alice, stock=10, price_minor=PRICE_MINOR)
    app = alice.app
    timeline = TimelineRepository(app[SERVICES].storage.database)
    product_id = shop.product["id"]
    pin = await timeline.append(shop.show_id, TimelineKind.PIN, PIN_AT_MS, product_id, sale)
    await timeline.append(shop.show_id, TimelineKind.UNPIN, UNPIN_AT_MS, product_id)
    part, path = await record_part(app, shop.show_id)
    if replay_flash_sales:
        response = await alice.patch(
            f"/api/shows/{shop.show_id}",
            json={"replay_flash_sales": True},
            headers=origin(alice),
        )
        assert response.status == 200, await response.text()
    if end:
        await app[SERVICES].live.lifecycle.end(shop.show_id)
    return ReplayShow(shop.show_id, shop.product, pin.id, part, path)
