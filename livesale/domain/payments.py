"""Payments as the shop sees them, whatever the gateway (pure, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from livesale.domain.errors import ValidationFailed


class PaymentStatus(StrEnum):
    """A payment's state, in Stripe's PaymentIntent words."""

    REQUIRES_PAYMENT_METHOD = "requires_payment_method"
    REQUIRES_CONFIRMATION = "requires_confirmation"
    REQUIRES_ACTION = "requires_action"
    PROCESSING = "processing"
    REQUIRES_CAPTURE = "requires_capture"
    SUCCEEDED = "succeeded"
    CANCELED = "canceled"
    # Dummy gateway only: Stripe reports refunds on the charge, as events.
    REFUNDED = "refunded"


class PaymentEventKind(StrEnum):
    """What a gateway told us happened to a payment."""

    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"
    REFUNDED = "refunded"
    # Part of the payment was given back; the order keeps its status.
    PARTIALLY_REFUNDED = "partially_refunded"


@dataclass(frozen=True)
class PaymentInfo:
    """One payment at the gateway."""

    id: str
    order_id: str | None
    status: PaymentStatus
    amount_minor: int
    currency: str
    client_secret: str | None
    created_at: float
    decline_code: str | None = None


@dataclass(frozen=True)
class PaymentEvent:
    """A change to a payment; `event_id` makes applying it idempotent."""

    event_id: str
    kind: PaymentEventKind
    payment_id: str
    order_id: str | None
    message: str | None = None
    # For refunds: how much of the payment the provider has given back so far, in all.
    amount_refunded_minor: int | None = None
    # The paying card's fingerprint (the same card gives the same one), when the event has it.
    card_fingerprint: str | None = None


# The dummy gateway's test cards: the numbers Stripe documents for the same cases.
CARD_SUCCEEDS = "4242424242424242"
CARD_DECLINED = "4000000000000002"
CARD_NEEDS_AUTHENTICATION = "4000002760003184"
TEST_CARDS = frozenset({CARD_SUCCEEDS, CARD_DECLINED, CARD_NEEDS_AUTHENTICATION})


def normalise_card_number(raw: object) -> str:
    """The digits of a card number (spaces and dashes dropped), else ValidationFailed."""
    if not isinstance(raw, str):
        raise ValidationFailed(
            "card_number must be a string", field="card_number", reason="wrong_type"
        )
    digits = raw.replace(" ", "").replace("-", "")
    if not digits.isdigit() or not 12 <= len(digits) <= 19:
        raise ValidationFailed(
            "card_number must be 12 to 19 digits",
            field="card_number",
            reason="required" if not digits else "bad_format",
        )
    return digits
