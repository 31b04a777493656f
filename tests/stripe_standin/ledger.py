"""The stand-in's account state: payment intents, charges, refunds and the events they emit."""

from __future__ import annotations

import copy
import hashlib
import operator
import secrets
import string
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import stripe

from tests.stripe_standin.params import (
    JSON,
    Params,
    StripeError,
    check_known,
    get_bool,
    get_choice,
    get_hash,
    get_int,
    get_metadata,
    get_str,
    invalid_param,
    no_such,
)

_ALPHABET = string.ascii_letters + string.digits
_CANCELABLE = (
    "requires_payment_method",
    "requires_capture",
    "requires_confirmation",
    "requires_action",
    "processing",
)
_COMPARISONS: dict[str, Callable[[int, int], bool]] = {
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
}
_PAYABLE = ("requires_payment_method", "requires_confirmation", "requires_action", "processing")
# Stripe's test cards (https://docs.stripe.com/testing): paying and declined.
CARD_VISA = "4242424242424242"
CARD_DECLINED = "4000000000000002"
_BRANDS = {"4": "visa", "5": "mastercard", "3": "amex", "6": "discover"}


def card_fingerprint(account: str, number: str) -> str:
    """Stripe's card fingerprint: 16 letters and digits, the same for a card number
    within one account, different across accounts."""
    digest = hashlib.sha256(f"{account}:{number}".encode()).digest()
    return "".join(_ALPHABET[byte % len(_ALPHABET)] for byte in digest[:16])


def card_details(account: str, number: str) -> JSON:
    """A charge's `payment_method_details` for a card, as Stripe gives them."""
    return {
        "type": "card",
        "card": {
            "brand": _BRANDS.get(number[:1], "unknown"),
            "country": "US",
            "exp_month": 12,
            "exp_year": 2034,
            "fingerprint": card_fingerprint(account, number),
            "funding": "credit",
            "last4": number[-4:],
            "network": _BRANDS.get(number[:1], "unknown"),
        },
    }


def new_id(prefix: str, length: int = 24) -> str:
    """A Stripe-looking id such as `pi_3Nf...`."""
    return f"{prefix}_" + "".join(secrets.choice(_ALPHABET) for _ in range(length))


@dataclass(frozen=True)
class Origin:
    """The API request behind an event (Stripe's `event.request`); None ids for test controls."""

    request_id: str | None = None
    idempotency_key: str | None = None


class Ledger:
    """Stripe objects held in memory; every change that Stripe announces appends an Event."""

    def __init__(self, clock: Callable[[], float], account: str = "acct_standin") -> None:
        self.clock = clock
        # Card fingerprints are per account, as at Stripe.
        self.account = account
        self.payment_intents: dict[str, JSON] = {}
        self.charges: dict[str, JSON] = {}
        self.refunds: dict[str, JSON] = {}
        self.events: list[JSON] = []
        self.created: Counter[str] = Counter()
        self._order: dict[str, int] = {}

    def _now(self) -> int:
        return int(self.clock())

    def _add(self, store: dict[str, JSON], obj: JSON) -> JSON:
        store[obj["id"]] = obj
        self.created[obj["object"]] += 1
        self._order[obj["id"]] = len(self._order)
        return obj

    def _emit(self, type_: str, obj: JSON, origin: Origin) -> JSON:
        event: JSON = {
            "id": new_id("evt"),
            "object": "event",
            "api_version": stripe.api_version,
            "created": self._now(),
            # A snapshot: later changes to the object must not show in an event already sent.
            "data": {"object": copy.deepcopy(obj)},
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": origin.request_id, "idempotency_key": origin.idempotency_key},
            "type": type_,
        }
        self.events.append(event)
        return event

    # --- payment intents -------------------------------------------------------------------

    def create_intent(self, params: Params, origin: Origin) -> JSON:
        """POST /v1/payment_intents."""
        check_known(
            params,
            {
                "amount",
                "currency",
                "metadata",
                "receipt_email",
                "description",
                "automatic_payment_methods",
            },
        )
        amount = get_int(params, "amount", required=True)
        currency = get_str(params, "currency", required=True) or ""
        if len(currency) != 3 or not currency.isalpha():
            raise invalid_param(f"Invalid currency: {currency}", "currency")
        methods = get_hash(params, "automatic_payment_methods")
        enabled = None
        if methods is not None:
            check_known(methods, {"enabled", "allow_redirects"}, "automatic_payment_methods")
            enabled = get_bool(methods, "enabled", "automatic_payment_methods")
            get_choice(methods, "allow_redirects", ("always", "never"))
        pi_id = new_id("pi")
        intent: JSON = {
            "id": pi_id,
            "object": "payment_intent",
            "amount": amount,
            "amount_capturable": 0,
            "amount_received": 0,
            "automatic_payment_methods": None if enabled is None else {"enabled": enabled},
            "canceled_at": None,
            "cancellation_reason": None,
            "capture_method": "automatic",
            "client_secret": f"{pi_id}_secret_{new_id('s', 25)[2:]}",
            "confirmation_method": "automatic",
            "created": self._now(),
            "currency": currency.lower(),
            "customer": None,
            "description": get_str(params, "description"),
            "last_payment_error": None,
            "latest_charge": None,
            "livemode": False,
            "metadata": get_metadata(params),
            "next_action": None,
            "payment_method": None,
            "payment_method_types": ["card"],
            "receipt_email": get_str(params, "receipt_email"),
            "status": "requires_payment_method",
        }
        return self._add(self.payment_intents, intent)

    def intent(self, pi_id: str, *, status: int = 404, param: str | None = "intent") -> JSON:
        """The stored PaymentIntent, or Stripe's resource_missing error."""
        intent = self.payment_intents.get(pi_id)
        if intent is None:
            raise no_such("payment_intent", pi_id, status=status, param=param)
        return intent

    def retrieve_intent(self, pi_id: str, params: Params) -> JSON:
        """GET /v1/payment_intents/{id}."""
        check_known(params, {"client_secret"})
        return self.intent(pi_id)

    def list_intents(self, params: Params) -> JSON:
        """GET /v1/payment_intents: newest first, cursor after `starting_after`."""
        check_known(params, {"created", "limit", "starting_after"})
        limit = get_int(params, "limit", minimum=1, maximum=100) or 10
        bounds = _created_bounds(params)
        ordered = sorted(
            self.payment_intents.values(),
            key=lambda pi: (pi["created"], self._order[pi["id"]]),
            reverse=True,
        )
        cursor = get_str(params, "starting_after")
        if cursor is not None:
            after = self.intent(cursor, status=400, param="starting_after")
            ordered = ordered[ordered.index(after) + 1 :]
        matching = [pi for pi in ordered if all(cmp(pi["created"], v) for cmp, v in bounds)]
        return {
            "object": "list",
            "data": matching[:limit],
            "has_more": len(matching) > limit,
            "url": "/v1/payment_intents",
        }

    def cancel_intent(self, pi_id: str, params: Params, origin: Origin) -> JSON:
        """POST /v1/payment_intents/{id}/cancel."""
        check_known(params, {"cancellation_reason"})
        reason = get_choice(
            params,
            "cancellation_reason",
            ("duplicate", "fraudulent", "requested_by_customer", "abandoned"),
        )
        intent = self.intent(pi_id)
        if intent["status"] not in _CANCELABLE:
            raise _unexpected_state(
                f"You cannot cancel this PaymentIntent because it has a status of "
                f"{intent['status']}. Only a PaymentIntent with one of the following statuses "
                f"may be canceled: {', '.join(_CANCELABLE)}.",
            )
        intent.update(
            status="canceled", canceled_at=self._now(), cancellation_reason=reason, next_action=None
        )
        self._emit("payment_intent.canceled", intent, origin)
        return intent

    # --- test controls (what a buyer's browser and the card network would do) ----------------

    def retrieve_charge(self, charge_id: str, params: Params) -> JSON:
        """GET /v1/charges/{id}."""
        check_known(params, set())
        charge = self.charges.get(charge_id)
        if charge is None:
            raise no_such("charge", charge_id, param="id")
        return charge

    def succeed(self, pi_id: str, card: str = CARD_VISA) -> JSON:
        """The buyer paid with `card`: a succeeded charge, and payment_intent.succeeded."""
        intent = self._payable(pi_id, "succeed")
        charge = self._charge(intent, "succeeded", card)
        intent.update(
            status="succeeded",
            amount_received=intent["amount"],
            latest_charge=charge["id"],
            last_payment_error=None,
            next_action=None,
            payment_method=charge["payment_method"],
        )
        return self._emit("payment_intent.succeeded", intent, Origin())

    def fail(self, pi_id: str, message: str, code: str) -> JSON:
        """The card was declined: a failed charge, and payment_intent.payment_failed."""
        intent = self._payable(pi_id, "fail")
        charge = self._charge(intent, "failed", CARD_DECLINED, failure=(code, message))
        intent.update(
            status="requires_payment_method",
            latest_charge=charge["id"],
            next_action=None,
            payment_method=None,
            last_payment_error={
                "type": "card_error",
                "code": code,
                "decline_code": "generic_decline" if code == "card_declined" else None,
                "message": message,
                "charge": charge["id"],
                "payment_method": {"id": charge["payment_method"], "object": "payment_method"},
            },
        )
        return self._emit("payment_intent.payment_failed", intent, Origin())

    def require_action(self, pi_id: str) -> JSON:
        """The card needs 3-D Secure: payment_intent.requires_action."""
        intent = self._payable(pi_id, "require action on")
        intent.update(
            status="requires_action",
            next_action={"type": "use_stripe_sdk", "use_stripe_sdk": {}},
        )
        return self._emit("payment_intent.requires_action", intent, Origin())

    def _payable(self, pi_id: str, verb: str) -> JSON:
        intent = self.intent(pi_id)
        if intent["status"] not in _PAYABLE:
            raise _unexpected_state(f"Cannot {verb} {pi_id}: its status is {intent['status']}.")
        return intent

    def _charge(
        self, intent: JSON, status: str, card: str, failure: tuple[str, str] | None = None
    ) -> JSON:
        paid = status == "succeeded"
        charge: JSON = {
            "id": new_id("ch"),
            "object": "charge",
            "amount": intent["amount"],
            "amount_captured": intent["amount"] if paid else 0,
            "amount_refunded": 0,
            "captured": paid,
            "created": self._now(),
            "currency": intent["currency"],
            "description": intent["description"],
            "failure_code": failure[0] if failure else None,
            "failure_message": failure[1] if failure else None,
            "livemode": False,
            "metadata": dict(intent["metadata"]),
            "paid": paid,
            "payment_intent": intent["id"],
            "payment_method": new_id("pm"),
            "payment_method_details": card_details(self.account, card),
            "receipt_email": intent["receipt_email"],
            "refunded": False,
            "status": status,
        }
        return self._add(self.charges, charge)

    # --- refunds ---------------------------------------------------------------------------

    def create_refund(self, params: Params, origin: Origin) -> JSON:
        """POST /v1/refunds: refund (part of) the succeeded charge of a payment intent."""
        check_known(params, {"payment_intent", "charge", "amount", "metadata", "reason"})
        pi_id = get_str(params, "payment_intent")
        charge_id = get_str(params, "charge")
        if (pi_id is None) == (charge_id is None):
            raise invalid_param(
                "You must pass exactly one of payment_intent or charge.", "payment_intent"
            )
        amount = get_int(params, "amount")
        metadata = get_metadata(params)
        reason = get_choice(params, "reason", ("duplicate", "fraudulent", "requested_by_customer"))
        if pi_id is not None:
            intent = self.intent(pi_id, status=400, param="payment_intent")
            if intent["status"] != "succeeded":
                raise _unexpected_state(
                    f"This PaymentIntent ({pi_id}) does not have a successful charge to refund."
                )
            charge = self.charges[intent["latest_charge"]]
        else:
            assert charge_id is not None
            if charge_id not in self.charges:
                raise no_such("charge", charge_id, status=400, param="charge")
            charge = self.charges[charge_id]
        if charge["status"] != "succeeded":
            raise StripeError(
                400, f"Charge {charge['id']} has not succeeded.", code="charge_not_refundable"
            )
        unrefunded = charge["amount"] - charge["amount_refunded"]
        if unrefunded == 0:
            raise StripeError(
                400,
                f"Charge {charge['id']} has already been refunded.",
                code="charge_already_refunded",
            )
        if amount is not None and amount > unrefunded:
            raise StripeError(
                400,
                f"Refund amount ({amount}) is greater than unrefunded amount on charge "
                f"({unrefunded})",
                code="amount_too_large",
                param="amount",
            )
        amount = unrefunded if amount is None else amount
        refund: JSON = {
            "id": new_id("re"),
            "object": "refund",
            "amount": amount,
            "balance_transaction": None,
            "charge": charge["id"],
            "created": self._now(),
            "currency": charge["currency"],
            "metadata": metadata,
            "payment_intent": charge["payment_intent"],
            "reason": reason,
            "status": "succeeded",
        }
        self._add(self.refunds, refund)
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] == charge["amount"]
        self._emit("charge.refunded", charge, origin)
        return refund


def _created_bounds(params: Params) -> list[tuple[Callable[[int, int], bool], int]]:
    """`created=<ts>` or `created[gt|gte|lt|lte]=<ts>` as (comparison, value) pairs."""
    if isinstance(params.get("created"), str):
        exact = get_int(params, "created", minimum=0, maximum=2**40)
        assert exact is not None
        return [(operator.eq, exact)]
    bounds = get_hash(params, "created") or {}
    check_known(bounds, set(_COMPARISONS), "created")
    pairs: list[tuple[Callable[[int, int], bool], int]] = []
    for name in bounds:
        value = get_int(bounds, name, minimum=0, maximum=2**40)
        assert value is not None
        pairs.append((_COMPARISONS[name], value))
    return pairs


def _unexpected_state(message: str) -> StripeError:
    return StripeError(400, message, code="payment_intent_unexpected_state")
