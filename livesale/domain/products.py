"""The catalogue: products, their variants and images, and validation of input (pure)."""

from __future__ import annotations

import re
import secrets
import string
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from livesale.domain.errors import ValidationFailed
from livesale.domain.money import validate_currency, validate_price_minor
from livesale.domain.validation import check_visible_text, reject_unknown_fields

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
_PRODUCT_FIELDS = frozenset({"title", "description", "image_ids", "variants"})
_VARIANT_FIELDS = frozenset({"id", "sku", "name", "options", "price_minor", "currency", "stock"})


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


@dataclass(frozen=True)
class ProductChanges:
    """A validated partial update: None means "leave as it is"."""

    title: str | None = None
    description: str | None = None
    image_ids: tuple[str, ...] | None = None
    variants: tuple[VariantInput, ...] | None = None


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


def parse_new_product(data: object) -> ProductInput:
    """Validate a create request body; ValidationFailed names the first bad field."""
    body = _object(data, "body", _PRODUCT_FIELDS)
    if "title" not in body:
        raise ValidationFailed("title is required", field="title", reason="required")
    if "variants" not in body:
        raise ValidationFailed(
            "a product needs at least one variant", field="variants", reason="required"
        )
    return ProductInput(
        title=validate_product_title(body["title"]),
        description=validate_description(body.get("description", "")),
        image_ids=validate_image_ids(body.get("image_ids", [])),
        variants=validate_variants(body["variants"], allow_ids=False),
    )


def parse_product_changes(data: object) -> ProductChanges:
    """Validate a PATCH body: only the fields present change."""
    body = _object(data, "body", _PRODUCT_FIELDS)
    return ProductChanges(
        title=validate_product_title(body["title"]) if "title" in body else None,
        description=validate_description(body["description"]) if "description" in body else None,
        image_ids=validate_image_ids(body["image_ids"]) if "image_ids" in body else None,
        variants=validate_variants(body["variants"], allow_ids=True)
        if "variants" in body
        else None,
    )


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


def validate_variants(value: object, *, allow_ids: bool) -> tuple[VariantInput, ...]:
    """1..100 variants with distinct SKUs (and ids) and one currency between them."""
    if not isinstance(value, list):
        raise ValidationFailed("variants must be a list", field="variants", reason="wrong_type")
    if not 1 <= len(value) <= MAX_VARIANTS:
        raise ValidationFailed(
            f"a product has 1 to {MAX_VARIANTS} variants",
            field="variants",
            reason="too_many" if value else "required",
            count=len(value),
            max=MAX_VARIANTS,
        )
    variants = tuple(
        _variant(item, f"variants[{i}]", allow_ids=allow_ids) for i, item in enumerate(value)
    )
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


def _variant(data: object, where: str, *, allow_ids: bool) -> VariantInput:
    body = _object(data, where, _VARIANT_FIELDS)
    variant_id: str | None = None
    if "id" in body:
        raw_id = body["id"]
        if not allow_ids:
            raise ValidationFailed(
                "a new product's variants have no id yet", field=f"{where}.id", reason="not_allowed"
            )
        if not isinstance(raw_id, str) or not is_valid_id(raw_id):
            raise ValidationFailed("not a variant id", field=f"{where}.id", reason="bad_format")
        variant_id = raw_id
    for required in ("sku", "price_minor", "currency", "stock"):
        if required not in body:
            raise ValidationFailed(
                f"{required} is required", field=f"{where}.{required}", reason="required"
            )
    options = _options(body.get("options", {}), f"{where}.options")
    sku = _sku(body["sku"], f"{where}.sku")
    name = body.get("name")
    # The currency first: a price error then states its limits in that currency.
    currency = validate_currency(body["currency"], f"{where}.currency")
    return VariantInput(
        id=variant_id,
        sku=sku,
        name=_variant_name(name, options, f"{where}.name"),
        options=options,
        price_minor=validate_price_minor(body["price_minor"], f"{where}.price_minor", currency),
        currency=currency,
        stock=validate_stock(body["stock"], f"{where}.stock"),
    )


def _sku(value: object, field: str) -> str:
    if not isinstance(value, str) or _SKU.fullmatch(value) is None:
        raise ValidationFailed(
            f"a SKU is 1 to {MAX_SKU_LENGTH} characters of A-Z a-z 0-9 . _ -",
            field=field,
            reason="required" if value == "" else "bad_format",
            max=MAX_SKU_LENGTH,
        )
    return value


def _options(value: object, field: str) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, dict):
        raise ValidationFailed(
            "options must be an object of name -> value strings", field=field, reason="wrong_type"
        )
    if len(value) > MAX_OPTIONS:
        raise ValidationFailed(
            f"a variant has at most {MAX_OPTIONS} options",
            field=field,
            reason="too_many",
            max=MAX_OPTIONS,
        )
    options: list[tuple[str, str]] = []
    for key, raw in value.items():
        name = str(key).strip()
        if not isinstance(raw, str):
            raise ValidationFailed(
                f"option {name!r} must have a string value", field=field, reason="wrong_type"
            )
        text = raw.strip()
        if not 1 <= len(name) <= MAX_OPTION_LENGTH or not 1 <= len(text) <= MAX_OPTION_LENGTH:
            raise ValidationFailed(
                f"option names and values are 1 to {MAX_OPTION_LENGTH} characters",
                field=field,
                reason="too_long" if name and text else "required",
                max=MAX_OPTION_LENGTH,
                option=name[:MAX_OPTION_LENGTH],
            )
        if any(name == seen for seen, _ in options):
            raise ValidationFailed(
                f"option {name!r} is given twice", field=field, reason="duplicate", option=name
            )
        options.append((name, text))
    return tuple(options)


def _variant_name(value: object, options: tuple[tuple[str, str], ...], field: str) -> str:
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


def _object(data: object, where: str, allowed: frozenset[str]) -> Mapping[str, object]:
    if not isinstance(data, dict):
        raise ValidationFailed(f"{where} must be a JSON object", field=where, reason="wrong_type")
    reject_unknown_fields(data, allowed, "" if where == "body" else where)
    return data
