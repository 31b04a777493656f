"""Auction requests read into typed values: the creator's terms and a viewer's bid."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from livesale.domain.auctions import (
    MAX_COUNTER_BID_SECONDS,
    MAX_DURATION_SECONDS,
    MAX_PRICE_MINOR,
    MAX_START_DELAY_SECONDS,
    MIN_DURATION_SECONDS,
    AuctionTerms,
    Increments,
    UnpaidPolicy,
    check_increments,
)
from livesale.domain.errors import ValidationFailed
from livesale.domain.validation import reject_unknown_fields, whole_number_refusal
from livesale.web.field_readers import optional_bool

START_FIELDS = frozenset(
    {
        "variant_id",
        "start_price_minor",
        "duration_seconds",
        "counter_bid_seconds",
        "sudden_death",
        "increments",
        "unpaid_policy",
        "starts_in_seconds",
    }
)
BID_FIELDS = frozenset({"amount_minor", "max"})
DEFAULT_DURATION_SECONDS = 30
DEFAULT_COUNTER_BID_SECONDS = 10


@dataclass(frozen=True, slots=True)
class BidRequest:
    """A bid: a quick bid, or a private maximum bidding for its owner (`max`)."""

    amount_minor: int
    is_max: bool


def parse_start(body: Mapping[str, object]) -> AuctionTerms:
    """The creator's auction terms, with defaults for what is left out."""
    reject_unknown_fields(body, START_FIELDS)
    variant_id = body.get("variant_id")
    if not isinstance(variant_id, str) or not variant_id:
        raise ValidationFailed("variant_id is required", field="variant_id", reason="required")
    policy_raw = body.get("unpaid_policy", UnpaidPolicy.SECOND_CHANCE.value)
    if policy_raw not in {p.value for p in UnpaidPolicy}:
        raise ValidationFailed(
            "unpaid_policy must be second_chance or release",
            field="unpaid_policy",
            reason="bad_format",
        )
    increments = Increments()
    if body.get("increments") is not None:
        increments = check_increments(body["increments"])
    return AuctionTerms(
        variant_id=variant_id,
        start_price_minor=_whole(body, "start_price_minor", 1, MAX_PRICE_MINOR, None),
        duration_seconds=_whole(
            body,
            "duration_seconds",
            MIN_DURATION_SECONDS,
            MAX_DURATION_SECONDS,
            DEFAULT_DURATION_SECONDS,
        ),
        counter_bid_seconds=_whole(
            body, "counter_bid_seconds", 0, MAX_COUNTER_BID_SECONDS, DEFAULT_COUNTER_BID_SECONDS
        ),
        sudden_death=bool(optional_bool(body, "sudden_death")),
        increments=increments,
        unpaid_policy=UnpaidPolicy(str(policy_raw)),
        starts_in_seconds=_whole(body, "starts_in_seconds", 0, MAX_START_DELAY_SECONDS, 0),
    )


def parse_bid(body: Mapping[str, object]) -> BidRequest:
    """`{amount_minor, max?}`: the bid in minor units; `max` makes it a private maximum."""
    reject_unknown_fields(body, BID_FIELDS)
    amount = _whole(body, "amount_minor", 1, MAX_PRICE_MINOR, None)
    return BidRequest(amount, bool(optional_bool(body, "max")))


def _whole(body: Mapping[str, object], name: str, low: int, high: int, default: int | None) -> int:
    value = body.get(name)
    if value is None and default is not None:
        return default
    if value is None:
        raise ValidationFailed(f"{name} is required", field=name, reason="required")
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise whole_number_refusal(value, name, low, high)
    return value
