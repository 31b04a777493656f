"""Stock, sold-out and purchase messages to a show's viewers, coalesced per product."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Protocol

from redis.exceptions import RedisError

from livesale import metrics
from livesale.shop.catalogue import ShopCatalogue
from livesale.shop.stock import StockService
from livesale.shop.stock_messages import purchase_message, sold_out_message, stock_message
from livesale.tasks import cancel_and_wait

logger = logging.getLogger(__name__)


class RoomPublisher(Protocol):
    """Sends an event to every viewer of a show, in every process."""

    async def publish(self, show_id: str, message: dict[str, Any]) -> None:
        """Publish `message` to the show's room."""


class StockAnnouncer:
    """Marks products whose stock moved and sends their levels at most every interval.

    A flash sale changes stock thousands of times a second; viewers need the
    latest number a few times a second, not every change.
    """

    def __init__(
        self,
        stock: StockService,
        catalogue: ShopCatalogue,
        room: RoomPublisher,
        interval_seconds: float,
    ) -> None:
        self._stock = stock
        self._catalogue = catalogue
        self._room = room
        self._interval = interval_seconds
        self._dirty: set[tuple[str, str]] = set()
        self._sold_out: set[tuple[str, str]] = set()
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    def touch(self, show_id: str, product_id: str) -> None:
        """The product's stock changed in this show: tell viewers soon."""
        if self._closed:
            return
        self._dirty.add((show_id, product_id))
        if self._task is None:
            self._task = asyncio.create_task(self._run())

    async def purchase(
        self, show_id: str, buyer: str, product_id: str, title: str, qty: int
    ) -> None:
        """Tell the show someone bought (only when the buyer agreed)."""
        await self._room.publish(show_id, purchase_message(buyer, product_id, title, qty))

    async def close(self) -> None:
        """Stop sending."""
        self._closed = True
        await cancel_and_wait(self._task)

    async def _run(self) -> None:
        try:
            while self._dirty:
                batch, self._dirty = self._dirty, set()
                for show_id, product_id in batch:
                    await self._send(show_id, product_id)
                await asyncio.sleep(self._interval)
        finally:
            self._task = None

    async def _send(self, show_id: str, product_id: str) -> None:
        try:
            stock = await self._stock.product_stock(self._catalogue, show_id, product_id)
            await self._room.publish(show_id, stock_message(stock))
            key = (show_id, product_id)
            if stock.sold_out and key not in self._sold_out:
                self._sold_out.add(key)
                await self._room.publish(show_id, sold_out_message(stock))
                metrics.SHOP_SOLD_OUT.inc()
            elif not stock.sold_out:
                self._sold_out.discard(key)
        except (RedisError, OSError):
            # Stock messages are a courtesy; the next change sends fresh levels.
            logger.warning("could not send stock of %s to show %s", product_id, show_id)
        except Exception:
            logger.exception("stock message for %s in show %s failed", product_id, show_id)
