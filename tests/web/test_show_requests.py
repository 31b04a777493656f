"""The show and pin request parsers: typed values, and each refusal with its field and reason."""

from __future__ import annotations

from typing import Any

import pytest

from livesale.domain.errors import ValidationFailed
from livesale.domain.pins import FlashSaleTerms, PinRequest
from livesale.domain.shows import MAX_BAG_SIZE, ShowDraft, ShowEdit
from livesale.domain.validation import KEEP
from livesale.web.show_requests import (
    KeyRotation,
    parse_bag,
    parse_key_rotation,
    parse_new_show,
    parse_show_edit,
)
from livesale.web.timeline_requests import parse_pin

SALE = {"sale_price_minor": 999, "quantity": 5, "per_buyer_limit": 2, "duration_seconds": 60}


def refusal(parse: Any, body: dict[str, Any]) -> tuple[str, str, str, dict[str, Any]]:
    """The code, message, field and details of the error `parse(body)` raises."""
    with pytest.raises(ValidationFailed) as caught:
        parse(body)
    details = caught.value.details
    return caught.value.code, caught.value.message, details["field"], details


def test_a_new_show_reads_into_a_draft() -> None:
    body = {
        "title": "Drop",
        "scheduled_at": 1_900_000_000,
        "cover_image_id": "img",
        "product_ids": ["a", "b"],
    }
    assert parse_new_show(body) == ShowDraft("Drop", 1_900_000_000, "img", ("a", "b"))
    assert parse_new_show({"title": "Drop"}) == ShowDraft("Drop", None, None, ())


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        ({}, "title", "required"),
        ({"title": 5}, "title", "wrong_type"),
        ({"title": "Drop", "host": "me"}, "host", "unknown_field"),
        ({"title": "Drop", "scheduled_at": "tomorrow"}, "scheduled_at", "wrong_type"),
        ({"title": "Drop", "scheduled_at": True}, "scheduled_at", "wrong_type"),
        ({"title": "Drop", "cover_image_id": 7}, "cover_image_id", "wrong_type"),
        ({"title": "Drop", "product_ids": "a"}, "product_ids", "wrong_type"),
        ({"title": "Drop", "product_ids": [1]}, "product_ids", "wrong_type"),
        ({"title": "Drop", "product_ids": ["a", "a"]}, "product_ids", "duplicate"),
        ({"title": "Drop", "product_ids": ["p"] * (MAX_BAG_SIZE + 1)}, "product_ids", "too_many"),
    ],
)
def test_a_bad_new_show_names_the_field_and_the_reason(
    body: dict[str, Any], field: str, reason: str
) -> None:
    code, _message, got_field, details = refusal(parse_new_show, body)
    assert (code, got_field, details["reason"]) == ("validation_failed", field, reason)


def test_an_edit_keeps_what_it_leaves_out_and_clears_what_it_nulls() -> None:
    assert parse_show_edit({}) == ShowEdit()
    edit = parse_show_edit({"scheduled_at": None, "cover_image_id": None, "record": False})
    assert edit == ShowEdit(KEEP, None, None, False, KEEP)
    assert parse_show_edit({"title": "New", "replay_flash_sales": True}).title == "New"


@pytest.mark.parametrize(
    ("body", "field", "reason", "message"),
    [
        ({"title": None}, "title", "wrong_type", "title must be a string"),
        ({"record": "yes"}, "record", "wrong_type", "record must be true or false"),
        (
            {"replay_flash_sales": 1},
            "replay_flash_sales",
            "wrong_type",
            "replay_flash_sales must be true or false",
        ),
        ({"scheduled_at": []}, "scheduled_at", "wrong_type", None),
        ({"status": "live"}, "status", "unknown_field", None),
    ],
)
def test_a_bad_edit_names_the_field_and_the_reason(
    body: dict[str, Any], field: str, reason: str, message: str | None
) -> None:
    _code, got_message, got_field, details = refusal(parse_show_edit, body)
    assert (got_field, details["reason"]) == (field, reason)
    assert message is None or got_message == message


def test_a_bag_and_a_key_rotation_read_their_one_field() -> None:
    assert parse_bag({"product_ids": ["b", "a"]}) == ("b", "a")
    assert parse_key_rotation({}) == KeyRotation(disconnect_publisher=False)
    assert parse_key_rotation({"disconnect_publisher": True}).disconnect_publisher
    assert refusal(parse_bag, {})[1:3] == ('send {"product_ids": [...]}', "product_ids")
    assert refusal(parse_bag, {})[3]["reason"] == "required"
    assert refusal(parse_bag, {"product_ids": [], "x": 1})[3]["reason"] == "unknown_field"
    rotation = refusal(parse_key_rotation, {"disconnect_publisher": "yes"})
    assert rotation[1:3] == ("disconnect_publisher must be true or false", "disconnect_publisher")
    assert refusal(parse_key_rotation, {"now": True})[3]["reason"] == "unknown_field"


def test_a_pin_reads_into_a_request_with_the_sale_terms() -> None:
    assert parse_pin({"product_id": "p"}) == PinRequest("p", None)
    assert parse_pin({"product_id": "p", "flash_sale": None}) == PinRequest("p", None)
    assert parse_pin({"product_id": "p", "flash_sale": SALE}) == PinRequest(
        "p", FlashSaleTerms(999, 5, 2, 60)
    )


@pytest.mark.parametrize(
    ("body", "field", "reason", "limits"),
    [
        ({}, "product_id", "required", {}),
        ({"product_id": 3}, "product_id", "required", {}),
        ({"product_id": "p", "at": 1}, "at", "unknown_field", {}),
        ({"product_id": "p", "flash_sale": 5}, "flash_sale", "wrong_type", {}),
        (
            {"product_id": "p", "flash_sale": {**SALE, "price": 1}},
            "flash_sale.price",
            "unknown_field",
            {},
        ),
        (
            {"product_id": "p", "flash_sale": {**SALE, "sale_price_minor": "9.99"}},
            "flash_sale.sale_price_minor",
            "wrong_type",
            {"min_minor": 1, "max_minor": 100_000_000},
        ),
        (
            {"product_id": "p", "flash_sale": {k: v for k, v in SALE.items() if k != "quantity"}},
            "flash_sale.quantity",
            "required",
            {"min": 1, "max": 1_000_000},
        ),
        (
            {"product_id": "p", "flash_sale": {**SALE, "per_buyer_limit": True}},
            "flash_sale.per_buyer_limit",
            "wrong_type",
            {"min": 1, "max": 5},
        ),
        (
            {"product_id": "p", "flash_sale": {**SALE, "duration_seconds": 1.5}},
            "flash_sale.duration_seconds",
            "wrong_type",
            {"min": 10, "max": 3600},
        ),
    ],
)
def test_a_bad_pin_names_the_field_and_the_reason(
    body: dict[str, Any], field: str, reason: str, limits: dict[str, Any]
) -> None:
    code, _message, got_field, details = refusal(parse_pin, body)
    assert (code, got_field, details["reason"]) == ("validation_failed", field, reason)
    assert details.items() >= limits.items()
