"""A viewer's cart for a show: lines priced from the catalogue each time it is shown."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from livesale import metrics
from livesale.config import ShopSettings
from livesale.domain.accounts import Viewer
from livesale.domain.analytics import CART_ADD, NO_PIN
from livesale.domain.checkout import PricedItem, pin_showing, price_item
from livesale.domain.errors import CartFull, CurrencyMismatch, NotForSale
from livesale.domain.products import Product, Variant
from livesale.domain.shows import ShowStatus
from livesale.domain.stock import show_ended_refusal
from livesale.shop.catalogue import ShopCatalogue
from livesale.shop.stock import StockService
from livesale.storage.activity import ActivityRecorder
from livesale.storage.carts import CartStore


@dataclass(frozen=True, slots=True)
class CartLine:
    """A cart line priced now, with the units still available to buy."""

    item: PricedItem
    quantity: int
    available: int

    @property
    def total_minor(self) -> int:
        """quantity x today's unit price."""
        return self.item.unit_price_minor * self.quantity


@dataclass(frozen=True, slots=True)
class CartView:
    """A viewer's cart for a show as it stands now (lines no longer for sale left out)."""

    show_id: str
    lines: tuple[CartLine, ...]
    expires_at: float | None  # None while the cart is empty

    @property
    def currency(self) -> str | None:
        """The lines' currency (one cart never mixes them); None without lines."""
        return self.lines[-1].item.variant.currency if self.lines else None

    @property
    def total_minor(self) -> int:
        """Sum of the lines."""
        return sum(line.total_minor for line in self.lines)


class CartService:
    """Add, change and remove cart lines; show the cart with today's prices and stock."""

    def __init__(
        self,
        settings: ShopSettings,
        catalogue: ShopCatalogue,
        stock: StockService,
        carts: CartStore,
        activity: ActivityRecorder,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._settings = settings
        self._catalogue = catalogue
        self._stock = stock
        self._carts = carts
        self._activity = activity
        self._clock = clock

    async def view(self, viewer: Viewer, show_id: str) -> CartView:
        """The cart with each line's current price and available units."""
        await self._catalogue.show(show_id)
        lines = await self._carts.lines(viewer.id, show_id)
        pin = await self._catalogue.pin(show_id)
        now = self._clock()
        out: list[CartLine] = []
        for variant_id, quantity in sorted(lines.items()):
            found = await self._sellable_or_none(show_id, variant_id)
            if found is None:
                continue  # removed from the bag or archived since: no longer for sale
            product, variant = found
            item = price_item(product, variant, pin, now)
            available = (await self._stock.levels(product.creator_id, variant)).available
            out.append(CartLine(item, quantity, available))
        expires_in = await self._carts.expires_in(viewer.id, show_id)
        return CartView(
            show_id=show_id,
            lines=tuple(out),
            expires_at=None if expires_in is None else now + expires_in,
        )

    async def set_quantity(
        self, viewer: Viewer, show_id: str, variant_id: str, quantity: int
    ) -> CartView:
        """Set a line's quantity (0 removes it)."""
        if quantity == 0:
            return await self.remove(viewer, show_id, variant_id)
        show = await self._catalogue.show(show_id)
        if show.status is ShowStatus.ENDED:
            # Its cart could never be checked out: the replay buys one item at a time.
            raise show_ended_refusal()
        product, variant = await self._catalogue.sellable(show_id, variant_id)
        lines = await self._carts.lines(viewer.id, show_id)
        await self._check_currency(show_id, lines, variant.currency, variant_id)
        if not await self._carts.set_line(viewer.id, show_id, variant_id, quantity):
            raise CartFull(
                f"a cart holds at most {self._settings.max_cart_lines} different items",
                max_lines=self._settings.max_cart_lines,
            )
        # The lines read for the currency check tell a new line from a changed one.
        metrics.count_cart_update("set" if variant_id in lines else "add")
        if variant_id not in lines:
            pin = pin_showing(await self._catalogue.pin(show_id), product)
            self._activity.count(show_id, CART_ADD, pin or NO_PIN)
        return await self.view(viewer, show_id)

    async def remove(self, viewer: Viewer, show_id: str, variant_id: str) -> CartView:
        """Drop a line."""
        await self._catalogue.show(show_id)
        await self._carts.remove_line(viewer.id, show_id, variant_id)
        metrics.count_cart_update("remove")
        return await self.view(viewer, show_id)

    async def _check_currency(
        self, show_id: str, lines: dict[str, int], currency: str, variant_id: str
    ) -> None:
        for other in lines:
            if other == variant_id:
                continue
            found = await self._sellable_or_none(show_id, other)
            if found is not None and found[1].currency != currency:
                raise CurrencyMismatch("one cart cannot mix currencies", currency=found[1].currency)

    async def _sellable_or_none(
        self, show_id: str, variant_id: str
    ) -> tuple[Product, Variant] | None:
        try:
            return await self._catalogue.sellable(show_id, variant_id)
        except NotForSale:
            return None
