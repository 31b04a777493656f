"""The pin request read into a typed value: which product, and the flash sale's terms."""

from __future__ import annotations

from collections.abc import Mapping

from livesale.domain.errors import ValidationFailed
from livesale.domain.pins import (
    FLASH_SALE_FIELDS,
    FlashSaleTerms,
    PinRequest,
    flash_sale_limits,
    flash_sale_range,
)
from livesale.domain.validation import reject_unknown_fields

PIN_FIELDS = frozenset({"product_id", "flash_sale"})


def parse_pin(body: Mapping[str, object]) -> PinRequest:
    """`{product_id, flash_sale?}` as a PinRequest; the sale's ranges against the product
    are checked when the pin is made."""
    reject_unknown_fields(body, PIN_FIELDS)
    product_id = body.get("product_id")
    if not isinstance(product_id, str):
        raise ValidationFailed("product_id is required", field="product_id", reason="required")
    return PinRequest(product_id=product_id, flash_sale=parse_flash_sale(body.get("flash_sale")))


def parse_flash_sale(raw: object) -> FlashSaleTerms | None:
    """A flash sale's four whole numbers, or None for a plain pin."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ValidationFailed(
            "flash_sale must be an object or null", field="flash_sale", reason="wrong_type"
        )
    reject_unknown_fields(raw, FLASH_SALE_FIELDS, "flash_sale")
    numbers: dict[str, int] = {}
    for name in FLASH_SALE_FIELDS:
        # A buyer's limit is at most the quantity, read just before it.
        numbers[name] = _whole_number(raw, name, numbers.get("quantity", 0))
    return FlashSaleTerms(**numbers)


def _whole_number(raw: Mapping[str, object], name: str, quantity: int) -> int:
    value = raw.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        low, high = flash_sale_range(name, quantity)
        raise ValidationFailed(
            f"flash_sale.{name} must be a whole number from {low} to {high}",
            field=f"flash_sale.{name}",
            reason="required" if value is None else "wrong_type",
            **flash_sale_limits(name, quantity),
        )
    return value
