"""The catalogue: products, their variants and images, and the rules their fields keep (pure)."""

from __future__ import annotations

import re
import secrets
import string
from dataclasses import dataclass
from enum import StrEnum

from livesale.domain.categories import DEFAULT_CATEGORY
from livesale.domain.errors import ValidationFailed
from livesale.domain.validation import check_visible_text

MAX_TITLE_LENGTH = 200
MAX_DESCRIPTION_LENGTH = 5000
MAX_VARIANTS = 100
MAX_IMAGES = 10
MAX_SKU_LENGTH = 64
MAX_VARIANT_NAME_LENGTH = 100
MAX_OPTIONS = 5
MAX_OPTION_LENGTH = 40
MAX_STOCK = 1_000_000
ID_LENGTH = 16
IMAGE_ID_LENGTH = 22

_SKU = re.compile(rf"[A-Za-z0-9._-]{{1,{MAX_SKU_LENGTH}}}")
# Letters and digits only: ids sit in URL paths and file names.
_ID_ALPHABET = string.ascii_letters + string.digits
_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


class ProductStatus(StrEnum):
    """Archived products leave the catalogue but stay readable for old orders."""

    ACTIVE = "active"
    ARCHIVED = "archived"


@dataclass(frozen=True)
class Variant:
    """One buyable version of a product (size, colour...) with its own SKU, price and stock."""

    id: str
    product_id: str
    sku: str
    name: str
    options: tuple[tuple[str, str], ...]
    price_minor: int
    currency: str
    stock: int
    position: int
    archived: bool

    def options_dict(self) -> dict[str, str]:
        """The options as a dict, in their stored order."""
        return dict(self.options)


@dataclass(frozen=True)
class Product:
    """A product as stored, with every variant (archived ones too) and its image ids."""

    id: str
    creator_id: str
    title: str
    description: str
    status: ProductStatus
    image_ids: tuple[str, ...]
    variants: tuple[Variant, ...]
    created_at: float
    updated_at: float
    category: str = DEFAULT_CATEGORY
    tags: tuple[str, ...] = ()

    @property
    def active_variants(self) -> tuple[Variant, ...]:
        """The variants that can still be sold."""
        return tuple(v for v in self.variants if not v.archived)

    @property
    def currency(self) -> str:
        """The product's one currency (that of its live variants)."""
        live = self.active_variants or self.variants
        return live[0].currency

    def variant(self, variant_id: str) -> Variant:
        """The variant with this id (KeyError if it is not one of this product's)."""
        for variant in self.variants:
            if variant.id == variant_id:
                return variant
        raise KeyError(variant_id)


@dataclass(frozen=True)
class ImageInfo:
    """An uploaded image as recorded: the file itself lives in the image folder."""

    id: str
    creator_id: str
    content_type: str
    width: int
    height: int
    size_bytes: int
    created_at: float


@dataclass(frozen=True)
class VariantInput:
    """A validated variant from a request; `id` set means "update this existing one"."""

    id: str | None
    sku: str
    name: str
    options: tuple[tuple[str, str], ...]
    price_minor: int
    currency: str
    stock: int


@dataclass(frozen=True)
class ProductInput:
    """A validated new product."""

    title: str
    description: str
    image_ids: tuple[str, ...]
    variants: tuple[VariantInput, ...]
    category: str = DEFAULT_CATEGORY
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProductChanges:
    """A validated partial update: None means "leave as it is"."""

    title: str | None = None
    description: str | None = None
    image_ids: tuple[str, ...] | None = None
    variants: tuple[VariantInput, ...] | None = None
    category: str | None = None
    tags: tuple[str, ...] | None = None


def _new_id(length: int) -> str:
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(length))


def new_product_id() -> str:
    """A random product id (~95 bits)."""
    return _new_id(ID_LENGTH)


def new_variant_id() -> str:
    """A random variant id (~95 bits)."""
    return _new_id(ID_LENGTH)


def new_image_id() -> str:
    """A random image id (~131 bits): it is also the file name and a public URL."""
    return _new_id(IMAGE_ID_LENGTH)


def is_valid_id(value: str) -> bool:
    """Whether `value` looks like one of our ids (checked before any lookup or path use)."""
    return _ID.fullmatch(value) is not None


def validate_product_title(value: object) -> str:
    """A title of 1..200 characters once stripped, every one of them visible."""
    if not isinstance(value, str):
        raise ValidationFailed("title must be a string", field="title", reason="wrong_type")
    cleaned = value.strip()
    if not 1 <= len(cleaned) <= MAX_TITLE_LENGTH:
        raise ValidationFailed(
            f"title must be 1 to {MAX_TITLE_LENGTH} characters",
            field="title",
            reason="too_long" if cleaned else "required",
            max=MAX_TITLE_LENGTH,
            length=len(cleaned),
        )
    check_visible_text(cleaned, "title")
    return cleaned


def validate_description(value: object) -> str:
    """A description of at most 5000 characters once stripped (may be empty)."""
    if not isinstance(value, str):
        raise ValidationFailed(
            "description must be a string", field="description", reason="wrong_type"
        )
    cleaned = value.strip()
    if len(cleaned) > MAX_DESCRIPTION_LENGTH:
        raise ValidationFailed(
            f"description must be at most {MAX_DESCRIPTION_LENGTH} characters",
            field="description",
            reason="too_long",
            max=MAX_DESCRIPTION_LENGTH,
            length=len(cleaned),
        )
    return cleaned


def validate_image_ids(value: object) -> tuple[str, ...]:
    """Up to 10 distinct image ids, in display order."""
    if not isinstance(value, list):
        raise ValidationFailed(
            "image_ids must be a list of image ids", field="image_ids", reason="wrong_type"
        )
    if len(value) > MAX_IMAGES:
        raise ValidationFailed(
            f"a product has at most {MAX_IMAGES} images",
            field="image_ids",
            reason="too_many",
            max=MAX_IMAGES,
        )
    seen: set[str] = set()
    for i, image_id in enumerate(value):
        if not isinstance(image_id, str) or not is_valid_id(image_id):
            raise ValidationFailed("not an image id", field=f"image_ids[{i}]", reason="bad_format")
        if image_id in seen:
            raise ValidationFailed(
                "the same image is listed twice", field=f"image_ids[{i}]", reason="duplicate"
            )
        seen.add(image_id)
    return tuple(value)


def check_variants(variants: tuple[VariantInput, ...]) -> tuple[VariantInput, ...]:
    """A product's variants: distinct SKUs (and ids) and one currency between them."""
    skus: dict[str, int] = {}
    ids: set[str] = set()
    for i, variant in enumerate(variants):
        if variant.sku in skus:
            raise ValidationFailed(
                f"SKU {variant.sku!r} is used twice in this product",
                field=f"variants[{i}].sku",
                reason="duplicate",
                same_as=f"variants[{skus[variant.sku]}]",
            )
        skus[variant.sku] = i
        if variant.id is not None:
            if variant.id in ids:
                raise ValidationFailed(
                    "the same variant is listed twice",
                    field=f"variants[{i}].id",
                    reason="duplicate",
                )
            ids.add(variant.id)
        if variant.currency != variants[0].currency:
            raise ValidationFailed(
                f"every variant of a product uses one currency ({variants[0].currency})",
                field=f"variants[{i}].currency",
                reason="currency_mismatch",
                currency=variants[0].currency,
            )
    return variants


def validate_sku(value: object, field: str) -> str:
    """A SKU: 1 to 64 characters of A-Z a-z 0-9 . _ -."""
    if not isinstance(value, str) or _SKU.fullmatch(value) is None:
        raise ValidationFailed(
            f"a SKU is 1 to {MAX_SKU_LENGTH} characters of A-Z a-z 0-9 . _ -",
            field=field,
            reason="required" if value == "" else "bad_format",
            max=MAX_SKU_LENGTH,
        )
    return value


def validate_variant_name(value: object, options: tuple[tuple[str, str], ...], field: str) -> str:
    """A variant's name, or one made of its option values ("M / Red") when it has none."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationFailed("name must be a string", field=field, reason="wrong_type")
    name = value.strip()
    if len(name) > MAX_VARIANT_NAME_LENGTH:
        raise ValidationFailed(
            f"a variant name is at most {MAX_VARIANT_NAME_LENGTH} characters",
            field=field,
            reason="too_long",
            max=MAX_VARIANT_NAME_LENGTH,
        )
    if not name:
        # "M / Red" from {"size": "M", "colour": "Red"}: what a buyer picks between.
        name = " / ".join(text for _, text in options)[:MAX_VARIANT_NAME_LENGTH].strip()
    return name


def validate_stock(value: object, field: str = "stock") -> int:
    """A stock count: an integer 0..1,000,000 (never a bool or a float)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationFailed("stock must be an integer", field=field, reason="wrong_type")
    if not 0 <= value <= MAX_STOCK:
        raise ValidationFailed(
            f"stock must be 0 to {MAX_STOCK}",
            field=field,
            reason="too_small" if value < 0 else "too_large",
            min=0,
            max=MAX_STOCK,
        )
    return value
