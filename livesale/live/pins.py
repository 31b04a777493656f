"""Pinning products during the live: stamp the timeline, tell every viewer."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Protocol

from livesale.domain.accounts import Creator
from livesale.domain.errors import (
    NothingPinned,
    NotOwner,
    ProductArchived,
    ProductNotInBag,
    ShowEnded,
    ShowNotLive,
)
from livesale.domain.pins import PinRequest, TimelineEvent, TimelineKind, check_flash_sale
from livesale.domain.products import Product, ProductStatus
from livesale.domain.reviews import Rating
from livesale.domain.shows import Show, ShowStatus
from livesale.live.events import (
    Pinned,
    ProductView,
    Unpinned,
    pin_json,
    pin_message,
    unpin_message,
)
from livesale.live.lifecycle import EventPublisher
from livesale.live.sale_gate import SaleGate
from livesale.storage.shows import ShowRepository
from livesale.storage.timeline import TimelineRepository


class ProductReader(Protocol):
    """Reads one product by id."""

    async def get(self, product_id: str) -> Product:
        """The product, or ProductNotFound."""


class RatingReader(Protocol):
    """Reads a product's rating from its buyers' shown reviews."""

    async def rating(self, product_id: str) -> Rating:
        """The count and star sum of the product's shown reviews."""


class PinService:
    """The creator's pin and unpin, and the pin on screen now."""

    def __init__(
        self,
        shows: ShowRepository,
        timeline: TimelineRepository,
        products: ProductReader,
        events: EventPublisher,
        render_product: ProductView,
        gate: SaleGate,
        clock: Callable[[], float] = time.time,
        ratings: RatingReader | None = None,
    ) -> None:
        self._gate = gate
        self._ratings = ratings
        self._shows = shows
        self._timeline = timeline
        self._products = products
        self._events = events
        self._render_product = render_product
        self._clock = clock

    async def pin(self, creator: Creator, show_id: str, request: PinRequest) -> Pinned:
        """Pin a product of the bag (a new pin replaces the one on screen)."""
        show = await self._live_show_of(creator, show_id)
        product_id = request.product_id
        if product_id not in await self._shows.bag(show_id):
            raise ProductNotInBag("add the product to the show first", product_id=product_id)
        product = await self._products.get(product_id)
        variants = product.active_variants
        if product.status != ProductStatus.ACTIVE or not variants:
            raise ProductArchived("this product is archived", product_id=product_id)
        sale = None
        if request.flash_sale is not None:
            sale = check_flash_sale(
                request.flash_sale,
                [v.price_minor for v in variants],
                product.currency,
                sum(v.stock for v in variants),
            )
        # The pin on screen loses its sale before the new one is stamped (see SaleGate).
        await self._gate.close_sale(show.creator_id, await self._timeline.current_pin(show_id))
        event = await self._timeline.append(
            show_id, TimelineKind.PIN, show.offset_ms(self._clock()), product_id, sale
        )
        await self._gate.changed(show_id)
        # Read once per pin, not per viewer: every viewer's card gets it in the event.
        pinned = Pinned(event, product, await self._rating(product_id))
        await self._events.publish(show_id, pin_message(pinned, self._render_product))
        return pinned

    async def unpin(self, creator: Creator, show_id: str) -> Unpinned:
        """Take the pinned product off the screen; returns the pin and the unpin event."""
        show = await self._live_show_of(creator, show_id)
        current = await self._timeline.current_pin(show_id)
        if current is None:
            raise NothingPinned("no product is pinned")
        await self._gate.close_sale(show.creator_id, current)
        event = await self._timeline.append(
            show_id, TimelineKind.UNPIN, show.offset_ms(self._clock()), current.product_id
        )
        await self._gate.changed(show_id)
        await self._events.publish(show_id, unpin_message(current, event))
        return Unpinned(current, event)

    async def current(self, show_id: str) -> dict[str, Any] | None:
        """The pin on screen now, as viewers receive it, or None."""
        event = await self._timeline.current_pin(show_id)
        if event is None or event.product_id is None:
            return None
        product = await self._products.get(event.product_id)
        pinned = Pinned(event, product, await self._rating(event.product_id))
        return pin_json(pinned, self._render_product)

    async def timeline(self, show_id: str) -> list[TimelineEvent]:
        """Every pin and unpin of the show, oldest first."""
        await self._shows.get(show_id)
        return await self._timeline.events(show_id)

    async def _rating(self, product_id: str) -> Rating | None:
        return None if self._ratings is None else await self._ratings.rating(product_id)

    async def _live_show_of(self, creator: Creator, show_id: str) -> Show:
        show = await self._shows.get(show_id)
        if show.creator_id != creator.id:
            raise NotOwner("only the show's creator may pin products", show_id=show_id)
        if show.status == ShowStatus.SCHEDULED:
            raise ShowNotLive("pins start when the show goes live", status=show.status.value)
        if show.status == ShowStatus.ENDED:
            raise ShowEnded("the show has ended")
        return show
