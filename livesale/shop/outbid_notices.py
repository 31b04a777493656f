"""Telling a bidder they lost the lead, off the bid's path: a bounded queue and one worker."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from livesale import metrics
from livesale.shop.catalogue import ShopCatalogue
from livesale.tasks import cancel_and_wait

logger = logging.getLogger(__name__)

# A bidding war queues at most this many notices; past it they are dropped (and counted).
QUEUE_LIMIT = 1_000
# At shutdown, notices still queued get this long to be made, then are dropped.
DRAIN_SECONDS = 2.0

# (viewer id, show id, auction id, product title): how a notice is told (the notifier's hook).
OutbidListener = Callable[[str, str, str, str], Awaitable[object]]
ProductTitle = Callable[[str], Awaitable[str]]


def product_title(catalogue: ShopCatalogue) -> ProductTitle:
    """How a notice names the auctioned product: its title, from the shop's catalogue."""

    async def title_of(product_id: str) -> str:
        return (await catalogue.product(product_id)).title

    return title_of


@dataclass(frozen=True, slots=True)
class Outbid:
    """`viewer_id` led the auction until someone else's bid took the lead."""

    viewer_id: str
    show_id: str
    auction_id: str
    product_id: str


class OutbidNotices:
    """Queues each displaced leader's notice and makes it in the background."""

    def __init__(
        self,
        title_of: ProductTitle,
        *,
        limit: int = QUEUE_LIMIT,
        drain_seconds: float = DRAIN_SECONDS,
    ) -> None:
        self._title_of = title_of
        self._queue: asyncio.Queue[Outbid] = asyncio.Queue(limit)
        self._drain_seconds = drain_seconds
        self._task: asyncio.Task[None] | None = None
        self._making = 0  # taken off the queue, not yet made
        # Set by the composition root (the notifier's `outbid`); None: nobody is told.
        self.listener: OutbidListener | None = None

    def tell(self, outbid: Outbid) -> None:
        """Queue the notice and return at once (a full queue drops it: the bid goes on)."""
        if self.listener is None:
            return
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())
        try:
            self._queue.put_nowait(outbid)
        except asyncio.QueueFull:
            metrics.count_outbid_dropped("full")

    async def close(self) -> None:
        """Make what is queued within the drain time; drop (and count, and log) the rest."""
        if self._task is not None and not self._task.done():
            with contextlib.suppress(TimeoutError):  # what is left is counted below
                await asyncio.wait_for(self._queue.join(), self._drain_seconds)
        left = self._making
        await cancel_and_wait(self._task)
        self._task = None
        left += self._queue.qsize()
        while not self._queue.empty():
            self._queue.get_nowait()
            self._queue.task_done()
        if left:
            metrics.count_outbid_dropped("shutdown", left)
            logger.warning("outbid notices: %d still queued at shutdown were dropped", left)

    async def _run(self) -> None:
        while True:
            outbid = await self._queue.get()
            self._making = 1
            try:
                await self._make(outbid)
                self._making = 0
            except Exception:
                # A failed notice never reaches the bid; the next one is tried as usual.
                self._making = 0
                metrics.count_outbid_dropped("error")
                logger.exception("outbid notice for auction %s failed", outbid.auction_id)
            finally:
                self._queue.task_done()

    async def _make(self, outbid: Outbid) -> None:
        listener = self.listener
        if listener is None:
            return
        title = await self._title_of(outbid.product_id)
        await listener(outbid.viewer_id, outbid.show_id, outbid.auction_id, title)
