"""Product bodies read into the catalogue's typed values: a new product, and changes to one.

The rules each field keeps (a title's length, a SKU's characters, a price's
range, one currency per product) are the domain's; this module reads the
JSON objects and lists around them and names each field by its API path
(`variants[2].price_minor`).
"""

from __future__ import annotations

from collections.abc import Mapping

from livesale.domain.categories import DEFAULT_CATEGORY, validate_category, validate_tags
from livesale.domain.errors import ValidationFailed
from livesale.domain.money import validate_currency, validate_price_minor
from livesale.domain.products import (
    MAX_OPTION_LENGTH,
    MAX_OPTIONS,
    MAX_VARIANTS,
    ProductChanges,
    ProductInput,
    VariantInput,
    check_variants,
    is_valid_id,
    validate_description,
    validate_image_ids,
    validate_product_title,
    validate_sku,
    validate_stock,
    validate_variant_name,
)
from livesale.domain.validation import reject_unknown_fields

PRODUCT_FIELDS = frozenset({"title", "description", "image_ids", "variants", "category", "tags"})
VARIANT_FIELDS = frozenset({"id", "sku", "name", "options", "price_minor", "currency", "stock"})


def parse_new_product(data: object) -> ProductInput:
    """A create request body; ValidationFailed names the first bad field."""
    body = _object(data, "body", PRODUCT_FIELDS)
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
        variants=_variants(body["variants"], allow_ids=False),
        category=validate_category(body.get("category", DEFAULT_CATEGORY)),
        tags=validate_tags(body.get("tags", [])),
    )


def parse_product_changes(data: object) -> ProductChanges:
    """A PATCH body: only the fields present change."""
    body = _object(data, "body", PRODUCT_FIELDS)
    return ProductChanges(
        title=validate_product_title(body["title"]) if "title" in body else None,
        description=validate_description(body["description"]) if "description" in body else None,
        image_ids=validate_image_ids(body["image_ids"]) if "image_ids" in body else None,
        variants=_variants(body["variants"], allow_ids=True) if "variants" in body else None,
        category=validate_category(body["category"]) if "category" in body else None,
        tags=validate_tags(body["tags"]) if "tags" in body else None,
    )


def _variants(value: object, *, allow_ids: bool) -> tuple[VariantInput, ...]:
    """1..100 variants, each read whole, then checked against each other."""
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
    return check_variants(
        tuple(_variant(item, f"variants[{i}]", allow_ids=allow_ids) for i, item in enumerate(value))
    )


def _variant(data: object, where: str, *, allow_ids: bool) -> VariantInput:
    body = _object(data, where, VARIANT_FIELDS)
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
    sku = validate_sku(body["sku"], f"{where}.sku")
    name = body.get("name")
    # The currency first: a price error then states its limits in that currency.
    currency = validate_currency(body["currency"], f"{where}.currency")
    return VariantInput(
        id=variant_id,
        sku=sku,
        name=validate_variant_name(name, options, f"{where}.name"),
        options=options,
        price_minor=validate_price_minor(body["price_minor"], f"{where}.price_minor", currency),
        currency=currency,
        stock=validate_stock(body["stock"], f"{where}.stock"),
    )


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


def _object(data: object, where: str, allowed: frozenset[str]) -> Mapping[str, object]:
    if not isinstance(data, dict):
        raise ValidationFailed(f"{where} must be a JSON object", field=where, reason="wrong_type")
    reject_unknown_fields(data, allowed, "" if where == "body" else where)
    return data
