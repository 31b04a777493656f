"""The one interface every payment gateway implements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from livesale.domain.payments import PaymentEvent, PaymentInfo

# The type of a verified webhook the gateway does not know (labels must stay bounded).
OTHER_WEBHOOK = "other"


@dataclass(frozen=True)
class WebhookEvent:
    """A verified webhook: its type (one the gateway knows, else OTHER_WEBHOOK) and its event."""

    type: str
    # None for a webhook we do not act on (an unknown type).
    event: PaymentEvent | None


class PaymentGateway(Protocol):
    """Creates, reads, cancels and refunds payments; turns webhooks into events."""

    name: str
    publishable_key: str | None

    async def create_payment(
        self,
        *,
        order_id: str,
        amount_minor: int,
        currency: str,
        email: str,
        description: str,
        idempotency_key: str,
    ) -> PaymentInfo:
        """Create (or, for a repeated key, find) the payment of an order."""

    async def get_payment(self, payment_id: str) -> PaymentInfo:
        """The payment as the gateway has it now (PaymentNotFound if unknown)."""

    async def cancel_payment(self, payment_id: str, idempotency_key: str) -> PaymentInfo:
        """Cancel a payment that has not succeeded; returns its state after trying."""

    async def refund_payment(self, payment_id: str, order_id: str, idempotency_key: str) -> None:
        """Refund a succeeded payment in full (what is left of it after partial refunds)."""

    async def refund_part(
        self, payment_id: str, order_id: str, amount_minor: int, idempotency_key: str
    ) -> str:
        """Refund `amount_minor` of a succeeded payment; the refund's id (the same for a
        repeated key)."""

    async def card_fingerprint(self, payment_id: str) -> str | None:
        """The fingerprint of the card that paid (the same card, the same one), or None
        where the gateway gives none."""

    async def recent_payments(self, since: float) -> list[PaymentInfo]:
        """Payments created at or after `since` (epoch seconds), for reconciliation."""

    def parse_webhook(self, payload: bytes, signature: str | None) -> WebhookEvent:
        """A verified webhook (its event None if we do not act on it); InvalidSignature else."""

    async def close(self) -> None:
        """Release connections."""
