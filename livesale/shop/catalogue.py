"""What the shop reads about shows and products, cached for a moment per process."""

from __future__ import annotations

from livesale.domain.checkout import BuyBundle, sellable_variant
from livesale.domain.errors import NotForSale, ProductNotFound
from livesale.domain.pins import TimelineEvent
from livesale.domain.products import Product, Variant
from livesale.domain.shows import Show, ShowStatus
from livesale.storage.products import ProductRepository
from livesale.storage.shows import ShowRepository
from livesale.storage.timeline import TimelineRepository
from livesale.storage.ttl_cache import TtlCache

# Half a second: a price or bag change reaches buyers at most this late, while
# a flash sale's thousands of requests per second read SQLite twice a second.
# A pin or a show's end is exact: the sale or show is closed in Redis where
# holds are decided, and every process drops its cached pin and show at once
# (livesale/live/sale_gate.py).
CACHE_SECONDS = 0.5


class ShopCatalogue:
    """Shows, bags, current pins and products as the shop prices them."""

    def __init__(
        self,
        shows: ShowRepository,
        products: ProductRepository,
        timeline: TimelineRepository,
        cache_seconds: float = CACHE_SECONDS,
    ) -> None:
        self._shows = shows
        self._products = products
        self._timeline = timeline
        self._show_cache: TtlCache[str, Show] = TtlCache(cache_seconds)
        self._bag_cache: TtlCache[str, list[str]] = TtlCache(cache_seconds)
        self._pin_cache: TtlCache[str, TimelineEvent | None] = TtlCache(cache_seconds)
        self._product_cache: TtlCache[str, Product] = TtlCache(cache_seconds)

    async def show(self, show_id: str) -> Show:
        """The show (ShowNotFound if there is none)."""
        return await self._show_cache.get(show_id, lambda: self._shows.get(show_id))

    async def bag(self, show_id: str) -> list[str]:
        """Product ids of the show's bag."""
        return await self._bag_cache.get(show_id, lambda: self._shows.bag(show_id))

    async def pin(self, show_id: str) -> TimelineEvent | None:
        """The pin on screen now, if any."""
        return await self._pin_cache.get(show_id, lambda: self._timeline.current_pin(show_id))

    async def product(self, product_id: str) -> Product:
        """The product (ProductNotFound if there is none)."""
        return await self._product_cache.get(product_id, lambda: self._products.get(product_id))

    async def sellable(self, show_id: str, variant_id: str) -> tuple[Product, Variant]:
        """The variant and its product if the show sells it now, else NotForSale."""
        bag = await self.bag(show_id)
        for product_id in bag:
            try:
                product = await self.product(product_id)
            except ProductNotFound:
                continue  # deleted since the bag was cached
            if any(v.id == variant_id for v in product.variants):
                return product, sellable_variant(product, variant_id, bag)
        raise NotForSale("this variant is not for sale in this show", variant_id=variant_id)

    async def buy_bundle(
        self, show_id: str, variant_id: str, *, seen_pin: int | None, replay: bool
    ) -> BuyBundle:
        """What one Buy needs, read once: the show, the variant on sale, and the pin on
        screen (live) or the show's timeline (a replay Buy from a pin)."""
        show = await self.show(show_id)
        if not replay and show.status is ShowStatus.ENDED:
            return BuyBundle(show, None)
        offer = await self.sellable(show_id, variant_id)
        if replay:
            timeline: tuple[TimelineEvent, ...] = ()
            if seen_pin is not None and show.status is ShowStatus.ENDED:
                timeline = tuple(await self._timeline.events(show_id))
            return BuyBundle(show, offer, timeline=timeline)
        pin = await self.pin(show_id)
        if seen_pin is not None and (pin is None or pin.id != seen_pin):
            # The buyer saw a newer pin than this process has cached (a flash sale
            # that just started): read it now, so the sale's price and caps apply.
            self.forget_pin(show_id)
            pin = await self.pin(show_id)
        return BuyBundle(show, offer, pin=pin)

    def forget_pin(self, show_id: str) -> None:
        """Drop a show's cached pin (a buyer saw a newer one)."""
        self._pin_cache.forget(show_id)

    def forget_live_state(self, show_id: str) -> None:
        """Drop a show's cached status and pin (some process pinned, unpinned or ended it)."""
        self._show_cache.forget(show_id)
        self._pin_cache.forget(show_id)

    def forget_product(self, product_id: str) -> None:
        """Drop a product this process just changed."""
        self._product_cache.forget(product_id)
