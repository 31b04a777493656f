"""Creators managing their shows: create, edit, the product bag, stream keys, ending."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from livesale.domain.accounts import Creator
from livesale.domain.errors import (
    ImageNotFound,
    NotOwner,
    ProductArchived,
    ProductNotFound,
    ShowEnded,
    ValidationFailed,
)
from livesale.domain.products import ImageInfo, Product, ProductStatus
from livesale.domain.shows import (
    Show,
    ShowDraft,
    ShowEdit,
    ShowStatus,
    validate_scheduled_at,
)
from livesale.domain.validation import Keep
from livesale.storage.shows import ShowRepository


class ProductLookup(Protocol):
    """Reads products by id."""

    async def get_many(self, product_ids: Sequence[str]) -> list[Product]:
        """The products that exist among `product_ids`, in that order."""


class ImageLookup(Protocol):
    """Reads uploaded images' records."""

    async def get(self, image_id: str) -> ImageInfo:
        """The image record, or ImageNotFound."""


@dataclass(frozen=True, slots=True)
class CreatedShow:
    """A new show, its stream key (shown this once) and its bag's products in order."""

    show: Show
    stream_key: str
    products: list[Product]


class ShowService:
    """Everything a creator does to their shows outside the live moment."""

    def __init__(
        self,
        shows: ShowRepository,
        products: ProductLookup,
        images: ImageLookup,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._shows = shows
        self._products = products
        self._images = images
        self._clock = clock

    async def create(self, creator: Creator, draft: ShowDraft) -> CreatedShow:
        """A new scheduled show of `creator`, with its stream key and its bag's products."""
        scheduled_at = validate_scheduled_at(draft.scheduled_at, self._clock())
        cover = await self._cover(creator, draft.cover_image_id)
        # The products checked here are the answer's bag: the catalogue is read once.
        products = await self._check_bag(creator, draft.product_ids)
        show, stream_key = await self._shows.create(
            draft.title,
            creator_id=creator.id,
            scheduled_at=scheduled_at,
            cover_image_id=cover,
            product_ids=draft.product_ids,
            category=draft.category,
            tags=draft.tags,
        )
        return CreatedShow(show, stream_key, products)

    async def owned(self, creator: Creator, show_id: str) -> Show:
        """The show, if `creator` owns it (NotOwner otherwise)."""
        show = await self._shows.get(show_id)
        if show.creator_id != creator.id:
            raise NotOwner("only the show's creator may do this", show_id=show_id)
        return show

    async def update(self, creator: Creator, show_id: str, edit: ShowEdit) -> Show:
        """Change title, start, cover, recording or replay prices."""
        show = await self.owned(creator, show_id)
        changes: dict[str, Any] = {}
        if not isinstance(edit.title, Keep):
            changes["title"] = edit.title
        if not isinstance(edit.scheduled_at, Keep):
            if show.status != ShowStatus.SCHEDULED:
                raise ValidationFailed(
                    "only a show that has not started can be rescheduled",
                    field="scheduled_at",
                    reason="not_allowed",
                )
            changes["scheduled_at"] = validate_scheduled_at(edit.scheduled_at, self._clock())
        if not isinstance(edit.cover_image_id, Keep):
            changes["cover_image_id"] = await self._cover(creator, edit.cover_image_id)
        if not isinstance(edit.record, Keep):
            changes["record"] = edit.record
        if not isinstance(edit.replay_flash_sales, Keep):
            changes["replay_flash_sales"] = edit.replay_flash_sales
        if not isinstance(edit.category, Keep):
            changes["category"] = edit.category
        if not isinstance(edit.tags, Keep):
            changes["tags"] = edit.tags
        return await self._shows.update(show_id, **changes)

    async def set_bag(
        self, creator: Creator, show_id: str, product_ids: tuple[str, ...]
    ) -> list[Product]:
        """Replace the show's bag (checked by `validate_bag`); returns its products in order."""
        show = await self.owned(creator, show_id)
        if show.status == ShowStatus.ENDED:
            raise ShowEnded("the show has ended; its bag is kept as it was")
        products = await self._check_bag(creator, product_ids)
        await self._shows.set_bag(show_id, product_ids)
        return products

    async def bag(self, show_id: str) -> list[Product]:
        """The products in the show's bag, in order."""
        return await self._products.get_many(await self._shows.bag(show_id))

    async def rotate_stream_key(self, creator: Creator, show_id: str) -> str:
        """A new stream key for the show (the old one stops working for new publishes)."""
        await self.owned(creator, show_id)
        return await self._shows.rotate_stream_key(show_id)

    async def _check_bag(self, creator: Creator, product_ids: Sequence[str]) -> list[Product]:
        products = await self._products.get_many(product_ids)
        found = {p.id for p in products}
        for product_id in product_ids:
            if product_id not in found:
                raise ProductNotFound("no product has this id", product_id=product_id)
        for product in products:
            if product.creator_id != creator.id:
                raise NotOwner(
                    "a show may only carry its creator's products", product_id=product.id
                )
            if product.status != ProductStatus.ACTIVE:
                raise ProductArchived("this product is archived", product_id=product.id)
        return products

    async def _cover(self, creator: Creator, image_id: str | None) -> str | None:
        if image_id is None:
            return None
        try:
            image = await self._images.get(image_id)
        except ImageNotFound:
            raise ImageNotFound("no image has this id", field="cover_image_id") from None
        if image.creator_id != creator.id:
            raise NotOwner("use an image you uploaded", field="cover_image_id")
        return image_id
