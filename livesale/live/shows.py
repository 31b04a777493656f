"""Creators managing their shows: create, edit, the product bag, stream keys, ending."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
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
from livesale.domain.shows import Show, ShowStatus, validate_bag, validate_scheduled_at
from livesale.domain.validation import reject_unknown_fields
from livesale.storage.shows import ShowRepository

SHOW_FIELDS = frozenset({"title", "scheduled_at", "cover_image_id", "product_ids"})
EDITABLE_FIELDS = frozenset(
    {"title", "scheduled_at", "cover_image_id", "record", "replay_flash_sales"}
)


class ProductLookup(Protocol):
    """Reads products by id."""

    async def get_many(self, product_ids: Sequence[str]) -> list[Product]:
        """The products that exist among `product_ids`, in that order."""


class ImageLookup(Protocol):
    """Reads uploaded images' records."""

    async def get(self, image_id: str) -> ImageInfo:
        """The image record, or ImageNotFound."""


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

    async def create(self, creator: Creator, body: dict[str, Any]) -> tuple[Show, str]:
        """A new scheduled show of `creator`; returns it and its stream key."""
        reject_unknown_fields(body, SHOW_FIELDS)
        title = body.get("title")
        if not isinstance(title, str):
            raise ValidationFailed(
                "title is required",
                field="title",
                reason="required" if title is None else "wrong_type",
            )
        scheduled_at = validate_scheduled_at(body.get("scheduled_at"), self._clock())
        cover = await self._cover(creator, body.get("cover_image_id"))
        product_ids = validate_bag(body.get("product_ids", []))
        await self._check_bag(creator, product_ids)
        return await self._shows.create(
            title,
            creator_id=creator.id,
            scheduled_at=scheduled_at,
            cover_image_id=cover,
            product_ids=product_ids,
        )

    async def owned(self, creator: Creator, show_id: str) -> Show:
        """The show, if `creator` owns it (NotOwner otherwise)."""
        show = await self._shows.get(show_id)
        if show.creator_id != creator.id:
            raise NotOwner("only the show's creator may do this", show_id=show_id)
        return show

    async def update(self, creator: Creator, show_id: str, body: dict[str, Any]) -> Show:
        """Change title, start, cover, recording or replay prices; other fields are refused."""
        show = await self.owned(creator, show_id)
        reject_unknown_fields(body, EDITABLE_FIELDS)
        changes: dict[str, Any] = {}
        if "title" in body:
            if not isinstance(body["title"], str):
                raise ValidationFailed("title must be a string", field="title", reason="wrong_type")
            changes["title"] = body["title"]
        if "scheduled_at" in body:
            if show.status != ShowStatus.SCHEDULED:
                raise ValidationFailed(
                    "only a show that has not started can be rescheduled",
                    field="scheduled_at",
                    reason="not_allowed",
                )
            changes["scheduled_at"] = validate_scheduled_at(body["scheduled_at"], self._clock())
        if "cover_image_id" in body:
            changes["cover_image_id"] = await self._cover(creator, body["cover_image_id"])
        for flag in ("record", "replay_flash_sales"):
            if flag in body:
                if not isinstance(body[flag], bool):
                    raise ValidationFailed(
                        f"{flag} must be true or false", field=flag, reason="wrong_type"
                    )
                changes[flag] = body[flag]
        return await self._shows.update(show_id, **changes)

    async def set_bag(self, creator: Creator, show_id: str, body: dict[str, Any]) -> list[Product]:
        """Replace the show's bag; returns its products in order."""
        show = await self.owned(creator, show_id)
        if show.status == ShowStatus.ENDED:
            raise ShowEnded("the show has ended; its bag is kept as it was")
        reject_unknown_fields(body, {"product_ids"})
        if "product_ids" not in body:
            raise ValidationFailed(
                'send {"product_ids": [...]}', field="product_ids", reason="required"
            )
        product_ids = validate_bag(body["product_ids"])
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

    async def _check_bag(self, creator: Creator, product_ids: list[str]) -> list[Product]:
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

    async def _cover(self, creator: Creator, image_id: object) -> str | None:
        if image_id is None:
            return None
        if not isinstance(image_id, str):
            raise ValidationFailed(
                "cover_image_id must be an image id", field="cover_image_id", reason="wrong_type"
            )
        try:
            image = await self._images.get(image_id)
        except ImageNotFound:
            raise ImageNotFound("no image has this id", field="cover_image_id") from None
        if image.creator_id != creator.id:
            raise NotOwner("use an image you uploaded", field="cover_image_id")
        return image_id
