"""The shop's request bodies read into typed values, and every way a body is refused."""

from __future__ import annotations

from typing import Any

import pytest

from livesale.domain.checkout import BuyNowRequest
from livesale.domain.errors import ValidationFailed
from livesale.domain.orders import Address, BuyerDetails
from livesale.web.shop_requests import (
    CartCheckoutRequest,
    CartLineChange,
    parse_buy_now,
    parse_buyer_details,
    parse_cart_checkout,
    parse_cart_line_change,
)

REQUEST_ID = "req_12345678"
ADDRESS = {"line1": "1 Market Street", "city": "Springfield", "postal_code": "12345"}
FORM: dict[str, Any] = {
    "email": "mia@example.com",
    "name": "Mia Buyer",
    "address": {**ADDRESS, "country": "US"},
}


def refusal(excinfo: pytest.ExceptionInfo[ValidationFailed]) -> tuple[str, str, str, str]:
    """code, details.field, details.reason and the message of a refusal."""
    exc = excinfo.value
    return exc.code, exc.details["field"], exc.details["reason"], exc.message


def test_buy_now_reads_every_field() -> None:
    body = {
        "variant_id": "var_1",
        "quantity": 3,
        "request_id": REQUEST_ID,
        "pin_id": 7,
        "replay_offset_ms": 1500,
    }
    assert parse_buy_now(body, 5) == BuyNowRequest("var_1", 3, REQUEST_ID, 7, 1500)


def test_buy_now_defaults_to_one_live_unit() -> None:
    body = {"variant_id": "var_1", "request_id": REQUEST_ID}
    assert parse_buy_now(body, 5) == BuyNowRequest("var_1", 1, REQUEST_ID, None, None)


WHOLE_1_TO_5 = "quantity must be a whole number from 1 to 5"
REQUEST_ID_RULE = (
    "request_id must be 8-64 letters, digits, '_' or '-' (a new one per purchase, "
    "the same one when retrying)"
)
REPLAY_RULE = "replay_offset_ms must be a whole number of milliseconds since the show went live"


@pytest.mark.parametrize(
    ("change", "field", "reason", "message"),
    [
        ({"colour": "red"}, "colour", "unknown_field", "unknown field(s): colour"),
        ({"request_id": None}, "request_id", "bad_format", REQUEST_ID_RULE),
        ({"request_id": "short"}, "request_id", "bad_format", REQUEST_ID_RULE),
        ({"request_id": "has space 123"}, "request_id", "bad_format", REQUEST_ID_RULE),
        ({"variant_id": None}, "variant_id", "required", "variant_id is required"),
        ({"variant_id": ""}, "variant_id", "required", "variant_id is required"),
        ({"variant_id": 12}, "variant_id", "required", "variant_id is required"),
        ({"quantity": 0}, "quantity", "too_small", WHOLE_1_TO_5),
        ({"quantity": 6}, "quantity", "too_large", WHOLE_1_TO_5),
        ({"quantity": "2"}, "quantity", "wrong_type", WHOLE_1_TO_5),
        ({"quantity": True}, "quantity", "wrong_type", WHOLE_1_TO_5),
        ({"quantity": 1.5}, "quantity", "wrong_type", WHOLE_1_TO_5),
        ({"pin_id": "7"}, "pin_id", "wrong_type", "pin_id must be the id of the pin on screen"),
        ({"pin_id": False}, "pin_id", "wrong_type", "pin_id must be the id of the pin on screen"),
        ({"replay_offset_ms": -1}, "replay_offset_ms", "too_small", REPLAY_RULE),
        ({"replay_offset_ms": "5"}, "replay_offset_ms", "wrong_type", REPLAY_RULE),
        ({"replay_offset_ms": True}, "replay_offset_ms", "wrong_type", REPLAY_RULE),
    ],
)
def test_buy_now_refusals(change: dict[str, Any], field: str, reason: str, message: str) -> None:
    body = {"variant_id": "var_1", "request_id": REQUEST_ID, **change}
    with pytest.raises(ValidationFailed) as excinfo:
        parse_buy_now(body, 5)
    assert refusal(excinfo) == ("validation_failed", field, reason, message)


def test_buy_now_checks_fields_in_their_old_order() -> None:
    # Several wrong fields: the request id is named first, then the variant, the quantity.
    with pytest.raises(ValidationFailed) as excinfo:
        parse_buy_now({"quantity": 0, "pin_id": "x"}, 5)
    assert excinfo.value.details["field"] == "request_id"
    with pytest.raises(ValidationFailed) as excinfo:
        parse_buy_now({"request_id": REQUEST_ID, "quantity": 0}, 5)
    assert excinfo.value.details["field"] == "variant_id"
    body = {"request_id": REQUEST_ID, "variant_id": "v", "quantity": 0, "pin_id": "x"}
    with pytest.raises(ValidationFailed) as excinfo:
        parse_buy_now(body, 5)
    assert excinfo.value.details["field"] == "quantity"


def test_unknown_fields_are_named_with_what_is_allowed() -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        parse_buy_now({"zeta": 1, "alpha": 2}, 5)
    details = excinfo.value.details
    assert details["field"] == "alpha"
    allowed = ["pin_id", "quantity", "replay_offset_ms", "request_id", "variant_id"]
    assert details["allowed"] == allowed
    assert excinfo.value.message == "unknown field(s): alpha, zeta"


def test_cart_line_change_allows_zero_and_refuses_more_than_the_limit() -> None:
    assert parse_cart_line_change({"quantity": 0}, 5) == CartLineChange(0)
    assert parse_cart_line_change({"quantity": 5}, 5) == CartLineChange(5)
    with pytest.raises(ValidationFailed) as excinfo:
        parse_cart_line_change({"quantity": 6}, 5)
    assert refusal(excinfo) == (
        "validation_failed",
        "quantity",
        "too_large",
        "quantity must be a whole number from 0 to 5",
    )
    with pytest.raises(ValidationFailed) as excinfo:
        parse_cart_line_change({}, 5)
    assert refusal(excinfo)[1:3] == ("quantity", "wrong_type")
    with pytest.raises(ValidationFailed) as excinfo:
        parse_cart_line_change({"quantity": 1, "note": "x"}, 5)
    assert refusal(excinfo)[1:3] == ("note", "unknown_field")


def test_cart_checkout_needs_a_request_id() -> None:
    assert parse_cart_checkout({"request_id": REQUEST_ID}) == CartCheckoutRequest(REQUEST_ID)
    with pytest.raises(ValidationFailed) as excinfo:
        parse_cart_checkout({})
    assert refusal(excinfo)[1:3] == ("request_id", "bad_format")
    with pytest.raises(ValidationFailed) as excinfo:
        parse_cart_checkout({"request_id": REQUEST_ID, "variant_id": "v"})
    assert refusal(excinfo)[1:3] == ("variant_id", "unknown_field")


def test_buyer_details_are_cleaned() -> None:
    body = {
        "email": " mia@example.com ",
        "name": "  Mia\u0301 Buyer ",  # a combining accent: stored composed (NFC)
        "address": {
            "line1": " 1 Market Street ",
            "city": "Springfield",
            "postal_code": "SW1A 1AA",
            "country": "gb",
            "region": "",
        },
        "announce": False,
    }
    assert parse_buyer_details(body) == BuyerDetails(
        email="mia@example.com",
        name="Mi\u00e1 Buyer",
        address=Address(
            line1="1 Market Street",
            line2="",
            city="Springfield",
            region="",
            postal_code="SW1A 1AA",
            country="GB",
        ),
        announce=False,
    )


@pytest.mark.parametrize(
    ("change", "field", "reason", "message"),
    [
        ({"phone": "1"}, "phone", "unknown_field", "unknown field(s): phone"),
        ({"announce": "no"}, "announce", "wrong_type", "announce must be true or false"),
        ({"email": 5}, "email", "wrong_type", "email must be a string"),
        ({"name": 5}, "name", "wrong_type", "name must be a string"),
        ({"name": "   "}, "name", "required", "name is required"),
        ({"name": "x" * 101}, "name", "too_long", "name must be at most 100 characters"),
        (
            {"name": "Mia\u0000"},
            "name",
            "bad_characters",
            "name must not contain control characters",
        ),
        ({"address": "Main St"}, "address", "wrong_type", "address must be an object"),
        ({"address": None}, "address", "wrong_type", "address must be an object"),
    ],
)
def test_buyer_details_refusals(
    change: dict[str, Any], field: str, reason: str, message: str
) -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        parse_buyer_details({**FORM, **change})
    assert refusal(excinfo) == ("validation_failed", field, reason, message)


COUNTRY_RULE = "address.country must be a two-letter ISO 3166 code such as US or CN"
POSTAL_RULE = "address.postal_code may hold only letters, digits, spaces and '-'"


@pytest.mark.parametrize(
    ("address", "field", "reason", "message"),
    [
        ({"street": "x"}, "address.street", "unknown_field", "unknown field(s): street"),
        ({}, "address.country", "required", "address.country is required"),
        ({"country": 1}, "address.country", "wrong_type", "address.country must be a string"),
        (
            {"country": "USA"},
            "address.country",
            "too_long",
            "address.country must be at most 2 characters",
        ),
        ({"country": "1A"}, "address.country", "bad_format", COUNTRY_RULE),
        ({"country": "US"}, "address.postal_code", "required", "address.postal_code is required"),
        ({"country": "US", "postal_code": "-12"}, "address.postal_code", "bad_format", POSTAL_RULE),
        (
            {"country": "US", "postal_code": "1"},
            "address.line1",
            "required",
            "address.line1 is required",
        ),
        (
            {**ADDRESS, "country": "US", "line2": "a\u200bb"},
            "address.line2",
            "bad_characters",
            "address.line2 must not contain control characters",
        ),
        (
            {**ADDRESS, "country": "US", "region": "r" * 201},
            "address.region",
            "too_long",
            "address.region must be at most 200 characters",
        ),
        (
            {"country": "US", "postal_code": "1", "line1": "x"},
            "address.city",
            "required",
            "address.city is required",
        ),
    ],
)
def test_address_refusals(address: dict[str, Any], field: str, reason: str, message: str) -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        parse_buyer_details({**FORM, "address": address})
    assert refusal(excinfo) == ("validation_failed", field, reason, message)
