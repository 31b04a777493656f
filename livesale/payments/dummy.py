"""The offline gateway: the same order flow as Stripe, paid with documented test cards."""

from __future__ import annotations

from typing import Protocol

from livesale.domain.errors import (
    CardDeclined,
    OrderStateConflict,
    PaymentNotFound,
    ValidationFailed,
)
from livesale.domain.payments import (
    CARD_DECLINED,
    CARD_NEEDS_AUTHENTICATION,
    CARD_SUCCEEDS,
    PaymentEvent,
    PaymentEventKind,
    PaymentInfo,
    PaymentStatus,
    normalise_card_number,
)
from livesale.payments.gateway import OTHER_WEBHOOK, WebhookEvent
from livesale.payments.timing import gateway_call

NAME = "dummy"


class DummyPaymentStore(Protocol):
    """Where the dummy gateway keeps its payments (SQLite, so every process sees them)."""

    async def create(self, order_id: str, amount_minor: int, currency: str) -> PaymentInfo:
        """Create the order's payment, or return the one it already has."""

    async def get(self, payment_id: str) -> PaymentInfo | None:
        """The payment, or None."""

    async def set_status(
        self,
        payment_id: str,
        status: PaymentStatus,
        decline_code: str | None,
        *,
        only_from: frozenset[PaymentStatus],
    ) -> PaymentInfo | None:
        """Move the payment to `status` if it is in one of `only_from`; the payment after."""

    async def created_since(self, since: float) -> list[PaymentInfo]:
        """Payments created at or after `since`."""

    async def refund_part(self, payment_id: str, amount_minor: int, idempotency_key: str) -> str:
        """Give back part of a succeeded payment once per key; the refund's id."""


_PAYABLE = frozenset({PaymentStatus.REQUIRES_PAYMENT_METHOD})
_CANCELABLE = frozenset({PaymentStatus.REQUIRES_PAYMENT_METHOD, PaymentStatus.REQUIRES_ACTION})


class DummyGateway:
    """Payments that never leave the machine; see docs/api.md for the test cards."""

    name = NAME
    publishable_key: str | None = None

    def __init__(self, store: DummyPaymentStore) -> None:
        self._store = store

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
        """One payment per order: a repeated call returns the same one."""
        with gateway_call(NAME, "create_payment"):
            return await self._store.create(order_id, amount_minor, currency)

    async def get_payment(self, payment_id: str) -> PaymentInfo:
        """The stored payment."""
        with gateway_call(NAME, "get_payment"):
            payment = await self._store.get(payment_id)
        if payment is None:
            raise PaymentNotFound("no such payment", payment_id=payment_id)
        return payment

    async def cancel_payment(self, payment_id: str, idempotency_key: str) -> PaymentInfo:
        """Cancel unless it already succeeded (then it is returned as it is)."""
        await self.get_payment(payment_id)
        await self._set_status(payment_id, PaymentStatus.CANCELED, None, only_from=_CANCELABLE)
        return await self.get_payment(payment_id)

    async def refund_payment(self, payment_id: str, order_id: str, idempotency_key: str) -> None:
        """Refund a succeeded payment; refunding twice is a no-op."""
        payment = await self.get_payment(payment_id)
        if payment.status is PaymentStatus.REFUNDED:
            return
        moved = await self._set_status(
            payment_id,
            PaymentStatus.REFUNDED,
            None,
            only_from=frozenset({PaymentStatus.SUCCEEDED}),
        )
        if moved is None or moved.status is not PaymentStatus.REFUNDED:
            raise OrderStateConflict(
                "only a payment that succeeded can be refunded", status=payment.status.value
            )

    async def refund_part(
        self, payment_id: str, order_id: str, amount_minor: int, idempotency_key: str
    ) -> str:
        """Record a partial refund (Stripe's rules: at most what is left, once per key)."""
        await self.get_payment(payment_id)
        with gateway_call(NAME, "refund_payment"):
            return await self._store.refund_part(payment_id, amount_minor, idempotency_key)

    async def card_fingerprint(self, payment_id: str) -> str | None:
        """None: its few test cards are shared by everyone testing, so they name no person."""
        return None

    async def recent_payments(self, since: float) -> list[PaymentInfo]:
        """Payments created since `since`."""
        with gateway_call(NAME, "list_payments"):
            return await self._store.created_since(since)

    def parse_webhook(self, payload: bytes, signature: str | None) -> WebhookEvent:
        """The dummy gateway sends no webhooks: its events come from confirm()."""
        return WebhookEvent(OTHER_WEBHOOK, None)

    async def close(self) -> None:
        """Nothing to release."""

    async def confirm(self, payment_id: str, card_number: object) -> PaymentEvent | None:
        """Pay with a test card; the success event (None while a second step is needed).

        Raises CardDeclined for the declining card and for numbers that are not test cards.
        """
        card = normalise_card_number(card_number)
        payment = await self.get_payment(payment_id)
        if payment.status is PaymentStatus.SUCCEEDED:
            return _succeeded(payment)  # a double click: the same event again
        if payment.status not in _PAYABLE:
            raise OrderStateConflict(
                f"this payment is {payment.status.value}", status=payment.status.value
            )
        if card == CARD_SUCCEEDS:
            return await self._succeed(payment)
        if card == CARD_NEEDS_AUTHENTICATION:
            await self._set_status(
                payment_id, PaymentStatus.REQUIRES_ACTION, None, only_from=_PAYABLE
            )
            return None
        code = "card_declined" if card == CARD_DECLINED else "test_card_unknown"
        await self._set_status(payment_id, payment.status, code, only_from=_PAYABLE)
        raise CardDeclined(
            "the card was declined"
            if code == "card_declined"
            else "only the documented test cards work with the dummy gateway",
            decline_code=code,
        )

    async def authenticate(self, payment_id: str, approve: object) -> PaymentEvent:
        """The second step (like 3-D Secure): approve pays, refuse declines."""
        if not isinstance(approve, bool):
            raise ValidationFailed(
                "approve must be true or false", field="approve", reason="wrong_type"
            )
        payment = await self.get_payment(payment_id)
        if payment.status is PaymentStatus.SUCCEEDED:
            return _succeeded(payment)
        if payment.status is not PaymentStatus.REQUIRES_ACTION:
            raise OrderStateConflict(
                "this payment is not waiting for authentication", status=payment.status.value
            )
        if approve:
            return await self._succeed(payment)
        await self._set_status(
            payment_id,
            PaymentStatus.REQUIRES_PAYMENT_METHOD,
            "authentication_failed",
            only_from=frozenset({PaymentStatus.REQUIRES_ACTION}),
        )
        raise CardDeclined(
            "the payment was not authenticated", decline_code="authentication_failed"
        )

    async def _succeed(self, payment: PaymentInfo) -> PaymentEvent:
        moved = await self._set_status(
            payment.id,
            PaymentStatus.SUCCEEDED,
            None,
            only_from=frozenset(
                {PaymentStatus.REQUIRES_PAYMENT_METHOD, PaymentStatus.REQUIRES_ACTION}
            ),
        )
        if moved is None or moved.status is not PaymentStatus.SUCCEEDED:
            raise OrderStateConflict("this payment can no longer be paid", payment_id=payment.id)
        return _succeeded(moved)

    async def _set_status(
        self,
        payment_id: str,
        status: PaymentStatus,
        decline_code: str | None,
        *,
        only_from: frozenset[PaymentStatus],
    ) -> PaymentInfo | None:
        with gateway_call(NAME, "update_payment"):
            return await self._store.set_status(
                payment_id, status, decline_code, only_from=only_from
            )


def _succeeded(payment: PaymentInfo) -> PaymentEvent:
    # One id per payment: a second confirm of a paid payment is the same event.
    return PaymentEvent(
        event_id=f"{payment.id}:succeeded",
        kind=PaymentEventKind.SUCCEEDED,
        payment_id=payment.id,
        order_id=payment.order_id,
    )
