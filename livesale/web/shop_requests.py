"""The shop's request bodies read into typed values: Buy now, cart lines, checkouts, orders.

Only the reading happens here (what is a field, of which JSON type); the rules
on the values (formats, limits) are the domain's functions, called field by
field in the order the fields were always checked, so the first error a body
gets stays the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from livesale.domain.accounts import validate_email
from livesale.domain.checkout import (
    BuyNowRequest,
    parse_quantity,
    parse_replay_offset,
    validate_request_id,
)
from livesale.domain.errors import ValidationFailed
from livesale.domain.orders import (
    MAX_ADDRESS_FIELD_LENGTH,
    MAX_NAME_LENGTH,
    Address,
    BuyerDetails,
    clean_country,
    clean_postal_code,
    clean_text,
)
from livesale.domain.validation import reject_unknown_fields

BUY_FIELDS = frozenset({"variant_id", "quantity", "request_id", "pin_id", "replay_offset_ms"})
CART_CHECKOUT_FIELDS = frozenset({"request_id"})
QUANTITY_FIELDS = frozenset({"quantity"})
ORDER_FIELDS = frozenset({"email", "name", "address", "announce"})
ADDRESS_FIELDS = frozenset({"line1", "line2", "city", "region", "postal_code", "country"})


@dataclass(frozen=True, slots=True)
class CartLineChange:
    """A cart line's new quantity (0 removes it)."""

    quantity: int


@dataclass(frozen=True, slots=True)
class CartCheckoutRequest:
    """Checking the whole cart out."""

    request_id: str


def parse_buy_now(body: dict[str, Any], max_quantity: int) -> BuyNowRequest:
    """A `POST /api/shows/{id}/buy` body."""
    reject_unknown_fields(body, BUY_FIELDS)
    request_id = validate_request_id(body.get("request_id"))
    variant_id = body.get("variant_id")
    if not isinstance(variant_id, str) or not variant_id:
        raise ValidationFailed("variant_id is required", field="variant_id", reason="required")
    quantity = parse_quantity(body.get("quantity", 1), max_quantity)
    pin_id = body.get("pin_id")
    if pin_id is not None and (isinstance(pin_id, bool) or not isinstance(pin_id, int)):
        raise ValidationFailed(
            "pin_id must be the id of the pin on screen", field="pin_id", reason="wrong_type"
        )
    return BuyNowRequest(
        variant_id=variant_id,
        quantity=quantity,
        request_id=request_id,
        pin_id=pin_id,
        replay_offset_ms=parse_replay_offset(body.get("replay_offset_ms")),
    )


def parse_cart_line_change(body: dict[str, Any], max_quantity: int) -> CartLineChange:
    """A `PUT /api/shows/{id}/cart/items/{variant}` body."""
    reject_unknown_fields(body, QUANTITY_FIELDS)
    return CartLineChange(parse_quantity(body.get("quantity"), max_quantity, allow_zero=True))


def parse_cart_checkout(body: dict[str, Any]) -> CartCheckoutRequest:
    """A `POST /api/shows/{id}/cart/checkout` body."""
    reject_unknown_fields(body, CART_CHECKOUT_FIELDS)
    return CartCheckoutRequest(validate_request_id(body.get("request_id")))


def parse_buyer_details(body: dict[str, Any]) -> BuyerDetails:
    """A `POST /api/checkouts/{id}/order` body: email, name, address, announce opt-out."""
    reject_unknown_fields(body, ORDER_FIELDS)
    announce = body.get("announce", True)
    if not isinstance(announce, bool):
        raise ValidationFailed(
            "announce must be true or false", field="announce", reason="wrong_type"
        )
    return BuyerDetails(
        email=validate_email(body.get("email")),
        name=clean_text(string_field(body, "name"), "name", required=True, limit=MAX_NAME_LENGTH),
        address=parse_address(body.get("address")),
        announce=announce,
    )


def parse_address(raw: object) -> Address:
    """The order form's `address` object."""
    if not isinstance(raw, dict):
        raise ValidationFailed("address must be an object", field="address", reason="wrong_type")
    reject_unknown_fields(raw, ADDRESS_FIELDS, "address")
    country = clean_country(string_field(raw, "country", "address."))
    postal_code = clean_postal_code(string_field(raw, "postal_code", "address."))

    def text(name: str, *, required: bool) -> str:
        field = f"address.{name}"
        value = string_field(raw, name, "address.")
        return clean_text(value, field, required=required, limit=MAX_ADDRESS_FIELD_LENGTH)

    return Address(
        line1=text("line1", required=True),
        line2=text("line2", required=False),
        city=text("city", required=True),
        region=text("region", required=False),
        postal_code=postal_code,
        country=country,
    )


def string_field(body: dict[str, Any], name: str, where: str = "") -> str:
    """`body[name]` as a string ("" when absent), else wrong_type on `where + name`."""
    value = body.get(name, "")
    if not isinstance(value, str):
        field = f"{where}{name}"
        raise ValidationFailed(f"{field} must be a string", field=field, reason="wrong_type")
    return value
