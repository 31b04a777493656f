"""Stock for sale: counters created from the catalogue, holds, and what viewers are told."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from livesale import metrics
from livesale.domain.checkout import sale_id_for
from livesale.domain.errors import StockBelowReserved
from livesale.domain.pins import TimelineEvent
from livesale.domain.products import Product, ProductChanges, Variant
from livesale.domain.stock import HoldCaps, HoldOutcome, SaleLimits, StockLevels, below_reserved
from livesale.shop.catalogue import ShopCatalogue
from livesale.shop.stock_audit import StockAudit, being_checked
from livesale.shop.stock_messages import ProductStock, SaleRemaining, stock_message
from livesale.storage.orders import OrderRepository
from livesale.storage.products import ProductRepository
from livesale.storage.stock import SellerStock, StockStore
from livesale.storage.stock_guard import CountersUnchecked

logger = logging.getLogger(__name__)


class StockService:
    """Holds against a variant's stock; the catalogue's stock is the total for sale.

    Redis counts available + held + sold = the variant's stock. Counters are
    created the first time a variant is sold, with the units already in paid
    orders counted as sold, so a Redis that lost its data starts from the truth.
    """

    def __init__(self, store: StockStore, orders: OrderRepository, audit: StockAudit) -> None:
        self.store = store
        self._orders = orders
        self._audit = audit
        # Variants whose counters this process has seen exist: skips a round trip per hold.
        self._ensured: set[str] = set()
        # One creation per variant at a time: a flash sale's first second brings
        # thousands of buyers who would each run it otherwise.
        self._ensuring: dict[str, asyncio.Future[None]] = {}

    def seller(self, creator_id: str) -> SellerStock:
        """The seller's stock in Redis (every key of it carries the seller's hash tag)."""
        return self.store.seller(creator_id)

    async def ensure(self, creator_id: str, variant: Variant) -> None:
        """Create the variant's counters if Redis has none."""
        if variant.id in self._ensured:
            return
        pending = self._ensuring.get(variant.id)
        if pending is None:
            pending = asyncio.ensure_future(self._create_counters(creator_id, variant))
            self._ensuring[variant.id] = pending
            pending.add_done_callback(lambda _done: self._ensuring.pop(variant.id, None))
        await asyncio.shield(pending)

    async def _create_counters(self, creator_id: str, variant: Variant) -> None:
        sold = await self._orders.sold_units(variant.id)
        await self.seller(creator_id).ensure(variant.id, variant.stock, sold)
        self._ensured.add(variant.id)

    async def hold(
        self,
        creator_id: str,
        hold_id: str,
        variant: Variant,
        quantity: int,
        buyer_id: str,
        ttl_seconds: float,
        sale: SaleLimits | None,
        *,
        live_show_id: str | None = None,
        caps: HoldCaps | None = None,
    ) -> HoldOutcome:
        """Hold the seller's units (idempotent on `hold_id`); see SellerStock.hold for the keywords.

        Only on counters checked against the record on the Redis server answering:
        on a new server this waits for their rebuild, or raises TryAgainSoon.
        """
        await self.ensure(creator_id, variant)

        async def attempt() -> HoldOutcome:
            # The run id is read at each attempt: a rebuild in between checks a new server.
            return await self.seller(creator_id).hold(
                hold_id,
                variant.id,
                quantity,
                buyer_id,
                ttl_seconds,
                sale,
                live_show_id=live_show_id,
                caps=caps,
                checked_run_id=self._audit.checked_run_id,
            )

        if not self._audit.checked_run_id:
            # This process has not seen a checked server yet: look once, not per hold.
            await self._audit.await_checked()
        try:
            return await attempt()
        except CountersUnchecked:
            await self._audit.await_checked()
            # The new server may lack counters this process saw: create them from the record.
            self._ensured.clear()
            await self.ensure(creator_id, variant)
        try:
            return await attempt()
        except CountersUnchecked as exc:
            raise being_checked() from exc  # the server changed again meanwhile

    async def commit(self, creator_id: str, hold_id: str) -> HoldOutcome:
        """Turn a hold into sold units (a replay is a no-op); see SellerStock.commit."""
        outcome = await self.seller(creator_id).commit(hold_id)
        if outcome.changed:
            # Only the call that committed counts: an event applied twice commits once.
            metrics.SHOP_HOLDS_COMMITTED.inc()
        return outcome

    async def levels(self, creator_id: str, variant: Variant) -> StockLevels:
        """The variant's counters (of the seller's product)."""
        await self.ensure(creator_id, variant)
        return await self.seller(creator_id).levels(variant.id)

    async def update_product(
        self, products: ProductRepository, creator_id: str, product_id: str, changes: ProductChanges
    ) -> Product:
        """Save a product change; new stock may not go below the units held and sold."""
        if changes.variants is not None:
            current = await products.get(product_id)
            # Only the owner learns held and sold counts; others get the repository's NotOwner.
            if current.creator_id == creator_id:
                totals = {v.id: v.stock for v in changes.variants if v.id is not None}
                await self.check_new_totals(current, totals)
        product = await products.update(creator_id, product_id, changes)
        await self.apply_totals(product)
        return product

    async def check_new_totals(self, product: Product, totals: dict[str, int]) -> None:
        """Refuse a stock change below what is already held and sold (before it is saved)."""
        for variant in product.variants:
            total = totals.get(variant.id)
            if total is None:
                continue
            levels = await self.levels(product.creator_id, variant)
            if total < levels.held + levels.sold:
                raise below_reserved(variant.id, levels.held, levels.sold)

    async def apply_totals(self, product: Product) -> None:
        """Make Redis follow the catalogue's stock after the creator changed it."""
        for variant in product.variants:
            if variant.id not in self._ensured:
                await self.ensure(product.creator_id, variant)
                continue
            try:
                await self.seller(product.creator_id).init(variant.id, variant.stock)
            except StockBelowReserved:
                # A buyer held units between the check and the save: the counters
                # keep the held units and the next change can lower it again.
                logger.warning("stock of variant %s not lowered: units were held", variant.id)

    async def stock_message(
        self, catalogue: ShopCatalogue, show_id: str, product_id: str
    ) -> dict[str, Any]:
        """The `stock` room message for a product in a show."""
        return stock_message(await self.product_stock(catalogue, show_id, product_id))

    async def product_stock(
        self, catalogue: ShopCatalogue, show_id: str, product_id: str
    ) -> ProductStock:
        """A product's available units per variant, and its sale's while one runs."""
        product = await catalogue.product(product_id)
        variants = {}
        for variant in product.active_variants:
            variants[variant.id] = (await self.levels(product.creator_id, variant)).available
        pin = await catalogue.pin(show_id)
        remaining = await self._sale_remaining(product.creator_id, pin, product_id)
        return ProductStock(product.id, variants, remaining)

    async def _sale_remaining(
        self, creator_id: str, pin: TimelineEvent | None, product_id: str
    ) -> SaleRemaining | None:
        if pin is None or pin.product_id != product_id or pin.flash_sale is None:
            return None
        sale_id = sale_id_for(pin)
        taken = (await self.seller(creator_id).sale_levels(sale_id)).taken
        return SaleRemaining(sale_id, max(pin.flash_sale.quantity - taken, 0))
