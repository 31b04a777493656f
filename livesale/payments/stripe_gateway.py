"""Stripe through its official package: PaymentIntents with our own idempotency keys."""

from __future__ import annotations

import logging
from typing import Any

import stripe

from livesale.config import PaymentSettings
from livesale.domain.errors import InvalidSignature, PaymentGatewayFailed, PaymentNotFound
from livesale.domain.payments import PaymentEvent, PaymentEventKind, PaymentInfo, PaymentStatus
from livesale.payments.gateway import OTHER_WEBHOOK, WebhookEvent
from livesale.payments.timing import gateway_call

logger = logging.getLogger(__name__)

NAME = "stripe"
LIST_PAGE = 100
TOO_OLD = "the signature is too old"
NOT_AN_EVENT = "the body is not a Stripe event"
_EVENT_KINDS = {
    "payment_intent.succeeded": PaymentEventKind.SUCCEEDED,
    "payment_intent.payment_failed": PaymentEventKind.FAILED,
    "payment_intent.canceled": PaymentEventKind.CANCELED,
    "charge.refunded": PaymentEventKind.REFUNDED,
}


class StripeGateway:
    """Payments at Stripe; the Payment Element on the page confirms them."""

    name = NAME

    def __init__(self, settings: PaymentSettings) -> None:
        self.publishable_key: str | None = settings.stripe_publishable_key or None
        # Several while a secret is rolled: an event signed with any of them is Stripe's.
        self._webhook_secrets = settings.webhook_secrets
        self._tolerance = settings.webhook_tolerance_seconds
        # Stripe's own default waits 80 s per attempt: a buyer would wait minutes for an error.
        self._http = stripe.AIOHTTPClient(timeout=settings.stripe_timeout_seconds)
        base: dict[str, str] = {}
        if settings.stripe_api_base:
            base["api"] = settings.stripe_api_base.rstrip("/")
        self._client = stripe.StripeClient(
            settings.stripe_secret_key,
            http_client=self._http,
            base_addresses=base,  # type: ignore[arg-type]
            # Every write carries our idempotency key, so a retry cannot charge twice.
            max_network_retries=settings.stripe_max_network_retries,
        )

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
        """One PaymentIntent per order; the same key returns the same intent."""
        params: dict[str, Any] = {
            "amount": amount_minor,
            "currency": currency.lower(),
            "metadata": {"order_id": order_id},
            "receipt_email": email,
            "description": description,
            "automatic_payment_methods": {"enabled": True},
        }
        intent = await self._call(
            "create_payment",
            self._client.v1.payment_intents.create_async(
                params=params,  # type: ignore[arg-type]
                options={"idempotency_key": idempotency_key},
            ),
        )
        return _info(intent)

    async def get_payment(self, payment_id: str) -> PaymentInfo:
        """The intent as Stripe has it now."""
        if not payment_id.startswith("pi_"):
            raise PaymentNotFound("no such payment", payment_id=payment_id)
        pending = self._client.v1.payment_intents.retrieve_async(payment_id)
        return _info(await self._call("get_payment", pending))

    async def cancel_payment(self, payment_id: str, idempotency_key: str) -> PaymentInfo:
        """Cancel the intent; one that already succeeded is returned unchanged."""
        try:
            with gateway_call(NAME, "cancel_payment"):
                intent = await self._client.v1.payment_intents.cancel_async(
                    payment_id, options={"idempotency_key": idempotency_key}
                )
        except stripe.InvalidRequestError as exc:
            if exc.code != "payment_intent_unexpected_state":
                raise _gateway_error(exc) from exc
            return await self.get_payment(payment_id)
        except stripe.StripeError as exc:
            raise _gateway_error(exc) from exc
        return _info(intent)

    async def refund_payment(self, payment_id: str, order_id: str, idempotency_key: str) -> None:
        """Refund the intent in full (Stripe answers the same refund to a repeated key)."""
        await self._call(
            "refund_payment",
            self._client.v1.refunds.create_async(
                params={"payment_intent": payment_id, "metadata": {"order_id": order_id}},
                options={"idempotency_key": idempotency_key},
            ),
        )

    async def refund_part(
        self, payment_id: str, order_id: str, amount_minor: int, idempotency_key: str
    ) -> str:
        """Refund part of the intent (a line of the order); one refund per key."""
        refund = await self._call(
            "refund_payment",
            self._client.v1.refunds.create_async(
                params={
                    "payment_intent": payment_id,
                    "amount": amount_minor,
                    "metadata": {"order_id": order_id},
                },
                options={"idempotency_key": idempotency_key},
            ),
        )
        return str(refund.id)

    async def card_fingerprint(self, payment_id: str) -> str | None:
        """The fingerprint Stripe gives the card of the intent's latest charge, or None."""
        pending = self._client.v1.payment_intents.retrieve_async(payment_id)
        intent: dict[str, Any] = (await self._call("get_payment", pending)).to_dict()
        charge_id = intent.get("latest_charge")
        if not isinstance(charge_id, str):
            return None
        charge = await self._call("get_charge", self._client.v1.charges.retrieve_async(charge_id))
        details: dict[str, Any] = charge.to_dict().get("payment_method_details") or {}
        fingerprint = (details.get("card") or {}).get("fingerprint")
        return fingerprint if isinstance(fingerprint, str) and fingerprint else None

    async def recent_payments(self, since: float) -> list[PaymentInfo]:
        """Every intent created since `since`, following Stripe's pages."""
        found: list[PaymentInfo] = []
        params: dict[str, Any] = {"created": {"gte": int(since)}, "limit": LIST_PAGE}
        while True:
            page = await self._call(
                "list_payments",
                self._client.v1.payment_intents.list_async(params=params),  # type: ignore[arg-type]
            )
            found.extend(_info(intent) for intent in page.data)
            if not page.has_more or not page.data:
                return found
            params["starting_after"] = page.data[-1].id

    def parse_webhook(self, payload: bytes, signature: str | None) -> WebhookEvent:
        """Verify Stripe's signature and read the event (no payment event for types we ignore)."""
        if not self._webhook_secrets:
            raise InvalidSignature("webhooks are not configured (no webhook signing secret)")
        event = self._verified_event(payload, signature)
        kind = _EVENT_KINDS.get(event.type)
        if kind is None:
            # Stripe has hundreds of event types: name only ours, so metric labels stay bounded.
            return WebhookEvent(OTHER_WEBHOOK, None)
        return WebhookEvent(event.type, _payment_event(event, kind))

    def _verified_event(self, payload: bytes, signature: str | None) -> stripe.Event:
        """The event if any configured secret signed it recently; InvalidSignature else."""
        refusals: list[Exception] = []
        for secret in self._webhook_secrets:
            try:
                event: stripe.Event = stripe.Webhook.construct_event(
                    payload, signature, secret, tolerance=self._tolerance
                )
                return event
            except (stripe.SignatureVerificationError, ValueError) as exc:
                refusals.append(exc)
        # Stripe checks the age and the body only once a signature matched: those reasons win.
        reasons = [_reason(exc) for exc in refusals]
        reason = next((r for r in reasons if r in (TOO_OLD, NOT_AN_EVENT)), reasons[-1])
        # The reason (bad, missing or old signature) is safe to say; the payload is not echoed.
        raise InvalidSignature(f"webhook refused: {reason}") from refusals[-1]

    async def close(self) -> None:
        """Close the HTTP session."""
        await self._http.close_async()  # type: ignore[no-untyped-call]

    async def _call(self, call: str, pending: Any) -> Any:
        try:
            with gateway_call(NAME, call):
                return await pending
        except stripe.InvalidRequestError as exc:
            if exc.http_status == 404:
                raise PaymentNotFound("Stripe has no such payment") from exc
            raise _gateway_error(exc) from exc
        except stripe.StripeError as exc:
            raise _gateway_error(exc) from exc


def _payment_event(event: stripe.Event, kind: PaymentEventKind) -> PaymentEvent:
    obj: dict[str, Any] = event.data.object.to_dict()
    refunded: int | None = None
    if kind is PaymentEventKind.REFUNDED:
        # Only a full refund refunds the order; a partial one (a line, or an amount given
        # back in Stripe's dashboard) is recorded as the charge's running total.
        if not obj.get("refunded"):
            kind = PaymentEventKind.PARTIALLY_REFUNDED
        refunded = int(obj.get("amount_refunded") or 0)
        payment_id = str(obj.get("payment_intent") or "")
    else:
        payment_id = str(obj.get("id"))
    error = obj.get("last_payment_error") or {}
    return PaymentEvent(
        event_id=event.id,
        kind=kind,
        payment_id=payment_id,
        order_id=(obj.get("metadata") or {}).get("order_id"),
        message=error.get("message") if kind is PaymentEventKind.FAILED else None,
        amount_refunded_minor=refunded,
    )


def _info(resource: Any) -> PaymentInfo:
    # Stripe's objects are not dicts since v15: read a plain copy.
    intent: dict[str, Any] = resource.to_dict()
    metadata = intent.get("metadata") or {}
    return PaymentInfo(
        id=str(intent["id"]),
        order_id=metadata.get("order_id"),
        status=PaymentStatus(intent["status"]),
        amount_minor=int(intent["amount"]),
        currency=str(intent["currency"]).upper(),
        client_secret=intent.get("client_secret"),
        created_at=float(intent["created"]),
    )


def _reason(exc: Exception) -> str:
    text = str(exc).lower()
    if "matching the expected signature" in text:
        return "the signature does not match"
    # Before the age: "Unable to extract timestamp ..." names a timestamp too.
    if "no signatures" in text or "unable to extract" in text or "no stripe-signature" in text:
        return "no valid Stripe-Signature header"
    if "timestamp" in text:
        return TOO_OLD
    if isinstance(exc, ValueError):
        return NOT_AN_EVENT
    return "the signature does not match"


def _gateway_error(exc: stripe.StripeError) -> PaymentGatewayFailed:
    # Stripe's message may name our account or keys' prefixes: log it, tell the client less.
    logger.warning("Stripe call failed: %s (%s)", type(exc).__name__, exc.code)
    return PaymentGatewayFailed(
        "the payment provider did not accept the request; try again",
        provider_code=exc.code,
    )
