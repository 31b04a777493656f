"""Background jobs: expired holds back on sale, and payments reconciled with orders."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from redis.exceptions import RedisError

from livesale import metrics
from livesale.config import ShopSettings
from livesale.domain.errors import LivesaleError, ServiceUnavailable
from livesale.domain.orders import OrderStatus
from livesale.domain.payments import PaymentStatus
from livesale.payments.gateway import PaymentGateway
from livesale.shop.announcer import StockAnnouncer
from livesale.shop.orders import status_event
from livesale.shop.payments import cancel_key
from livesale.shop.settlement import Settlement, order_lock
from livesale.storage.carts import CheckoutStore
from livesale.storage.orders import OrderRepository
from livesale.storage.stock import StockStore

logger = logging.getLogger(__name__)


class HoldSweeper:
    """Returns expired holds to stock and tells the shows whose stock came back."""

    def __init__(
        self, store: StockStore, checkouts: CheckoutStore, announcer: StockAnnouncer
    ) -> None:
        self._store = store
        self._checkouts = checkouts
        self._announcer = announcer

    async def sweep_once(self) -> int:
        """Expire every due hold; returns how many went back."""
        expired = await self._store.sweep()
        metrics.SHOP_HOLDS_EXPIRED.inc(len(expired))
        for hold in expired:
            # Hold ids are "<checkout id>-<line>": the checkout knows the show and product.
            checkout_id = hold.hold_id.split("-", 1)[0]
            checkout = await self._checkouts.get(checkout_id)
            if checkout is None:
                continue
            for line in checkout.lines:
                if line.variant_id == hold.variant_id:
                    self._announcer.touch(checkout.show_id, line.product_id)
        return len(expired)


class Reconciler:
    """Compares recent payments with orders and mends what a lost webhook left behind."""

    def __init__(
        self,
        settings: ShopSettings,
        gateway: PaymentGateway,
        orders: OrderRepository,
        settlement: Settlement,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._settings = settings
        self._gateway = gateway
        self._orders = orders
        self._settlement = settlement
        self._clock = clock

    async def reconcile_once(self) -> int:
        """One pass; returns how many orders it changed."""
        changed = 0
        since = self._clock() - self._settings.reconcile_window_seconds
        for payment in await self._gateway.recent_payments(since):
            order = await self._orders.by_payment(payment.id)
            if order is None and payment.order_id:
                order = await self._orders.get(payment.order_id)
            event = status_event(payment)
            if order is None or event is None:
                continue
            before = order.status
            settled = await self._settlement.apply(event)
            if settled is not None and settled.status is not before:
                logger.warning(
                    "reconciliation moved order %s from %s to %s",
                    order.id,
                    before.value,
                    settled.status.value,
                )
                changed += 1
        changed += await self._give_up_unpaid(since)
        metrics.SHOP_RECONCILED.inc(changed)
        return changed

    async def _give_up_unpaid(self, created_before: float) -> int:
        changed = 0
        for order in await self._orders.pending_created_before(created_before):
            async with self._settlement.locks.hold(order_lock(order.id)):
                current = await self._orders.get(order.id)
                if current is None or current.status is not OrderStatus.PENDING_PAYMENT:
                    continue
                if current.payment_id is not None:
                    payment = await self._gateway.cancel_payment(
                        current.payment_id, cancel_key(current.id)
                    )
                    if payment.status is PaymentStatus.SUCCEEDED:
                        continue  # paid after all: the next pass applies it
                await self._settlement.give_up(current)
                changed += 1
        return changed


async def run_every(interval: float, job: Callable[[], Awaitable[object]], name: str) -> None:
    """Run `job` every `interval` seconds until cancelled, surviving its failures."""
    while True:
        try:
            await job()
        except (RedisError, OSError, ServiceUnavailable) as exc:
            logger.warning("%s skipped a round: %s", name, exc)
        except LivesaleError as exc:
            logger.warning("%s failed: %s", name, exc.message)
        except Exception:
            logger.exception("%s failed", name)
        await asyncio.sleep(interval)
