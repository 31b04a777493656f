"""The seller's order requests read into typed values, and every way one is refused."""

from __future__ import annotations

from typing import Any

import pytest

from livesale.domain.errors import ValidationFailed
from livesale.domain.orders import OrderQuery, OrderStatus, Shipment
from livesale.web.order_requests import (
    ExportQuery,
    RefundRequest,
    parse_export,
    parse_order_list,
    parse_refund,
    parse_shipment,
)


def refusal(excinfo: pytest.ExceptionInfo[ValidationFailed]) -> tuple[str, str, str]:
    """details.field, details.reason and the message of a refusal."""
    exc = excinfo.value
    assert exc.code == "validation_failed"
    return exc.details["field"], exc.details["reason"], exc.message


def test_a_shipment_is_cleaned_and_an_empty_one_is_none() -> None:
    body = {
        "carrier": " DHL ",
        "tracking_number": "JD0001",
        "tracking_url": "https://dhl.example/t",
    }
    assert parse_shipment(body) == Shipment("DHL", "JD0001", "https://dhl.example/t")
    assert parse_shipment({}) is None
    assert parse_shipment({"carrier": "  ", "tracking_number": ""}) is None


WEB_ONLY = "tracking_url must be an http:// or https:// address"


@pytest.mark.parametrize(
    ("body", "field", "reason", "message"),
    [
        ({"courier": "x"}, "courier", "unknown_field", "unknown field(s): courier"),
        ({"carrier": 5}, "carrier", "wrong_type", "carrier must be a string"),
        ({"carrier": "c" * 101}, "carrier", "too_long", "carrier must be at most 100 characters"),
        (
            {"tracking_number": "a\tb"},
            "tracking_number",
            "bad_characters",
            "tracking_number must not contain control characters",
        ),
        ({"tracking_url": "javascript:alert(1)"}, "tracking_url", "bad_format", WEB_ONLY),
        ({"tracking_url": "https://["}, "tracking_url", "bad_format", WEB_ONLY),
        (
            {"tracking_url": "https://carrier.example@evil.example/"},
            "tracking_url",
            "bad_format",
            "tracking_url must not hold a user name or password",
        ),
        (
            {"tracking_url": "https://x.example/" + "a" * 500},
            "tracking_url",
            "too_long",
            "tracking_url must be at most 500 characters",
        ),
    ],
)
def test_shipment_refusals(body: dict[str, Any], field: str, reason: str, message: str) -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        parse_shipment(body)
    assert refusal(excinfo) == (field, reason, message)


def test_a_refund_without_lines_is_in_full() -> None:
    assert parse_refund({}) == RefundRequest(None)
    assert parse_refund({"lines": [2, 0]}) == RefundRequest((2, 0))


LINES_RULE = "lines must be a non-empty list of line positions (0 is the first line)"


@pytest.mark.parametrize(
    ("body", "field", "reason", "message"),
    [
        ({"amount": 5}, "amount", "unknown_field", "unknown field(s): amount"),
        ({"lines": None}, "lines", "required", LINES_RULE),
        ({"lines": []}, "lines", "required", LINES_RULE),
        ({"lines": 0}, "lines", "wrong_type", LINES_RULE),
        ({"lines": {"0": 1}}, "lines", "wrong_type", LINES_RULE),
        (
            {"lines": [0, "1"]},
            "lines[1]",
            "wrong_type",
            "lines[1] must be a line position (an integer)",
        ),
        (
            {"lines": [True]},
            "lines[0]",
            "wrong_type",
            "lines[0] must be a line position (an integer)",
        ),
    ],
)
def test_refund_refusals(body: dict[str, Any], field: str, reason: str, message: str) -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        parse_refund(body)
    assert refusal(excinfo) == (field, reason, message)


def test_order_list_query() -> None:
    assert parse_order_list({}) == OrderQuery(show_id=None, status=None, limit=50, before=None)
    query = {"show_id": "shw_1", "status": "paid", "limit": "10", "before": "1700000000.5"}
    assert parse_order_list(query) == OrderQuery("shw_1", OrderStatus.PAID, 10, 1700000000.5)
    assert parse_order_list({"show_id": "", "status": ""}).show_id is None


@pytest.mark.parametrize(
    ("query", "field", "reason"),
    [
        ({"status": "lost"}, "status", "bad_format"),
        ({"limit": "0"}, "limit", "too_small"),
        ({"limit": "101"}, "limit", "too_large"),
        ({"limit": "ten"}, "limit", "too_small"),
        ({"before": "yesterday"}, "before", "wrong_type"),
    ],
)
def test_order_list_refusals(query: dict[str, str], field: str, reason: str) -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        parse_order_list(query)
    assert refusal(excinfo)[:2] == (field, reason)


def test_export_query() -> None:
    assert parse_export({}) == ExportQuery(show_id=None, status=None)
    wanted = ExportQuery("shw_1", OrderStatus.REFUNDED)
    assert parse_export({"show_id": "shw_1", "status": "refunded"}) == wanted
    with pytest.raises(ValidationFailed) as excinfo:
        parse_export({"status": "sent"})
    assert refusal(excinfo)[:2] == ("status", "bad_format")
