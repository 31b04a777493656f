"""What a room snapshot adds to the show: the pin on screen, its stock, the publisher, the
latest auction."""

from __future__ import annotations

from typing import Any

from livesale.live.lifecycle import ShowLifecycle
from livesale.live.pins import PinService
from livesale.shop.auctions import AuctionService
from livesale.shop.catalogue import ShopCatalogue
from livesale.shop.stock import StockService


class SnapshotExtras:
    """Reads the live parts a joining viewer sees first (the room's snapshot extras)."""

    def __init__(
        self,
        pins: PinService,
        stock: StockService,
        catalogue: ShopCatalogue,
        lifecycle: ShowLifecycle,
        auctions: AuctionService,
    ) -> None:
        self._auctions = auctions
        self._pins = pins
        self._stock = stock
        self._catalogue = catalogue
        self._lifecycle = lifecycle

    async def __call__(self, show_id: str) -> dict[str, Any]:
        """The pin on screen when a viewer joins, its stock, and the publisher's state."""
        pin = await self._pins.current(show_id)
        stock = None
        if pin is not None:
            stock = await self._stock.stock_message(self._catalogue, show_id, pin["product"]["id"])
        publisher = await self._lifecycle.publisher_state(show_id)
        auction = await self._auctions.snapshot(show_id)
        return {"pin": pin, "stock": stock, "publisher": publisher, "auction": auction}
