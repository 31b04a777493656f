"""What a room snapshot adds to the show: the pin on screen, its stock, the publisher, the
giveaway and the latest auction."""

from __future__ import annotations

import time
from typing import Any

from livesale.live.lifecycle import ShowLifecycle
from livesale.live.pins import PinService
from livesale.shop.auctions import AuctionService
from livesale.shop.catalogue import ShopCatalogue
from livesale.shop.giveaway_messages import giveaway_json
from livesale.shop.giveaways import GiveawayService
from livesale.shop.stock import StockService


class SnapshotExtras:
    """Reads the live parts a joining viewer sees first (the room's snapshot extras)."""

    def __init__(
        self,
        pins: PinService,
        stock: StockService,
        catalogue: ShopCatalogue,
        lifecycle: ShowLifecycle,
        giveaways: GiveawayService,
        auctions: AuctionService,
    ) -> None:
        self._giveaways = giveaways
        self._auctions = auctions
        self._pins = pins
        self._stock = stock
        self._catalogue = catalogue
        self._lifecycle = lifecycle

    async def __call__(self, show_id: str) -> dict[str, Any]:
        """The pin on screen when a viewer joins, its stock, the publisher's state, and the
        show's latest giveaway (late joiners see it as the room's events left it)."""
        pin = await self._pins.current(show_id)
        stock = None
        if pin is not None:
            stock = await self._stock.stock_message(self._catalogue, show_id, pin["product"]["id"])
        publisher = await self._lifecycle.publisher_state(show_id)
        giveaway = await self._giveaways.latest(show_id)
        shown = None
        if giveaway is not None:
            count = await self._giveaways.count(giveaway)
            shown = giveaway_json(giveaway, count, time.time())
        auction = await self._auctions.snapshot(show_id)
        return {
            "pin": pin,
            "stock": stock,
            "publisher": publisher,
            "giveaway": shown,
            "auction": auction,
        }
