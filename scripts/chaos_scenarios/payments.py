"""Payments under abuse: webhooks duplicated, reordered, late, forged; Stripe's API failing.

Stripe is the local stand-in of the tests (tests/stripe_standin), talked to by
the official `stripe` client inside a real `livesale serve`; everything else is
real (redis-server, SQLite, the shop process).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

from livesale.web.order_routes import WEBHOOK_PATH
from tests.stripe_standin.fixtures import official_client
from tests.stripe_standin.params import JSON
from tests.stripe_standin.server import StripeStandin
from tests.stripe_standin.webhooks import event_payload, sign

from .harness import (
    BUYER_DETAILS,
    Actor,
    Outcome,
    Run,
    Scenario,
    Shop,
    Stage,
    open_shop,
    poll,
    stage,
    stripe_settings,
    variant_levels,
)

SETTLE_TIMEOUT = 60.0  # generous: two cores shared with other test runs
OLD_SECRET = "whsec_chaos_old"
NEW_SECRET = "whsec_chaos_new"
TOLERANCE = 300


# --- shared helpers --------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def stripe_stage(
    standin: StripeStandin, webhook_secrets: str, **more: str
) -> AsyncIterator[Stage]:
    """A started, ready Stage paying through `standin`, whose webhooks go to it."""
    async with stage(**stripe_settings(standin, webhook_secrets, **more)) as running:
        await running.ready()
        standin.webhook_url = running.base + WEBHOOK_PATH
        yield running


async def restart_with_secrets(running: Stage, webhook_secrets: str) -> None:
    """Stop the stage and start it again (same data) with other webhook secrets."""
    await running.stop()
    running.env["LIVESALE__PAYMENTS__STRIPE_WEBHOOK_SECRET"] = webhook_secrets
    await running.start()
    await running.ready()


async def metric(base: str, name: str) -> float:
    """The sum of a metric's samples on /metrics (0 when it has none yet)."""
    probe = Actor(base)
    try:
        async with probe.session.get(f"{base}/metrics") as response:
            text = await response.text()
    finally:
        await probe.close()
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name) and line[len(name) : len(name) + 1] in (" ", "{"):
            total += float(line.rsplit(" ", 1)[1])
    return total


async def place_order(base: str, shop: Shop, name: str) -> tuple[Actor, str, int, Any]:
    """A guest buys one unit and submits the checkout form: the buyer, checkout id, answer."""
    buyer = Actor(base)
    await buyer.become_guest(name)
    body = {"variant_id": shop.variant_id, "quantity": 1, "request_id": uuid.uuid4().hex}
    checkout = await buyer.expect("POST", f"/api/shows/{shop.show_id}/buy", body, 201)
    checkout_id: str = checkout["checkout"]["id"]
    status, answer = await buyer.call("POST", f"/api/checkouts/{checkout_id}/order", BUYER_DETAILS)
    return buyer, checkout_id, status, answer


async def order_of(seller: Actor, order_id: str) -> dict[str, Any]:
    """The order as its seller sees it."""
    answer = await seller.expect("GET", f"/api/orders/{order_id}", None, 200)
    order: dict[str, Any] = answer["order"]
    return order


async def statuses(seller: Actor, order_ids: list[str]) -> dict[str, str]:
    """Each order's status."""
    return {oid: (await order_of(seller, oid))["status"] for oid in order_ids}


async def show_orders(seller: Actor, show_id: str) -> list[dict[str, Any]]:
    """Every order of the show, following the seller's pages."""
    found: list[dict[str, Any]] = []
    before = ""
    while True:
        path = f"/api/orders?show_id={show_id}&limit=100" + (f"&before={before}" if before else "")
        answer = await seller.expect("GET", path, None, 200)
        found.extend(answer["orders"])
        if not answer.get("next_before"):
            return found
        before = answer["next_before"]


async def post_raw(base: str, payload: bytes, signature: str | None) -> tuple[int, Any]:
    """POST a body to the webhook with an optional Stripe-Signature: status and JSON answer."""
    headers = {"Content-Type": "application/json; charset=utf-8"}
    if signature is not None:
        headers["Stripe-Signature"] = signature
    poster = Actor(base)
    try:
        async with poster.session.post(base + WEBHOOK_PATH, data=payload, headers=headers) as got:
            text = await got.text()
            try:
                return got.status, json.loads(text)
            except ValueError:
                return got.status, None
    finally:
        await poster.close()


def signed_by(payload: str, secrets: list[str], timestamp: int | None = None) -> str:
    """A Stripe-Signature with one v1 per secret, as Stripe signs while a secret is rolled."""
    t = int(time.time()) if timestamp is None else timestamp
    return f"t={t}," + ",".join(sign(payload, s, t).split(",", 1)[1] for s in secrets)


def error_code(answer: Any) -> str | None:
    """The stable error code of an error answer."""
    if isinstance(answer, dict) and isinstance(answer.get("error"), dict):
        code = answer["error"].get("code")
        return code if isinstance(code, str) else None
    return None


async def close_all(actors: list[Actor]) -> None:
    """Close every actor's HTTP session."""
    for actor in actors:
        await actor.close()


# --- 3. duplicate, reordered and delayed webhooks ------------------------------------------

# What happens to a payment at Stripe, and the order status it must end in.
PLANS: dict[str, tuple[str, str | None]] = {
    "paid": ("paid", None),
    "declined_then_paid": ("paid", None),
    "action_then_paid": ("paid", None),
    "refunded": ("refunded", "refunded_at_payment_provider"),
    "canceled": ("canceled", "payment_canceled"),
}


async def play_plan(standin: StripeStandin, plan: str, payment_id: str) -> None:
    """Make the payment's events at the stand-in (delivered later, by the scenario)."""
    if plan == "declined_then_paid":
        await standin.fail(payment_id)
    if plan == "action_then_paid":
        await standin.require_action(payment_id)
    if plan == "canceled":
        async with official_client(standin) as client:
            await client.v1.payment_intents.cancel_async(payment_id)
        return
    await standin.succeed(payment_id)
    if plan == "refunded":
        # Refunded in Stripe's dashboard: a charge.refunded event about the same intent.
        async with official_client(standin) as client:
            await client.v1.refunds.create_async(params={"payment_intent": payment_id})


def events_of(standin: StripeStandin, payment_id: str) -> list[JSON]:
    """Every event the stand-in emitted about a payment (its intent's and its charges')."""
    found = []
    for event in standin.events:
        obj = event["data"]["object"]
        if obj.get("id") == payment_id or obj.get("payment_intent") == payment_id:
            found.append(event)
    return found


async def deliver_all(standin: StripeStandin, batch: list[JSON], outcome: Outcome) -> int:
    """Deliver the events in this order, a few at a time; each must be answered 200."""
    lanes = 4
    delivered = 0

    async def lane(start: int) -> None:
        nonlocal delivered
        for event in batch[start::lanes]:
            for delivery in await standin.deliver(event["id"]):
                delivered += 1
                if delivery.status != 200:
                    outcome.fail(
                        f"{event['type']} {event['id']}: {delivery.status} {delivery.body[:200]}"
                    )

    await asyncio.gather(*(lane(i) for i in range(lanes)))
    return delivered


async def webhooks_out_of_order(run: Run) -> Outcome:
    """Duplicated, reordered and late webhooks settle every order once and correctly."""
    payments = run.size(60, 10)
    outcome = Outcome(0, 0, "-")
    async with (
        StripeStandin(auto_deliver=False, webhook_secret=NEW_SECRET) as standin,
        # Reconciliation every second: late webhooks arrive after it mended their orders.
        stripe_stage(
            standin,
            NEW_SECRET,
            shop__reconcile_interval_seconds="1.0",
        ) as running,
    ):
        stock = payments + 5
        shop = await open_shop(running.base, stock)
        buyers: list[Actor] = [shop.creator]
        plans: dict[str, str] = {}  # order id -> plan
        payment_of: dict[str, str] = {}
        try:
            for index in range(payments):
                plan = run.random.choice(sorted(PLANS))
                buyer, _, status, answer = await place_order(running.base, shop, f"Buyer{index}")
                buyers.append(buyer)
                if status != 201:
                    outcome.fail(f"order {index}: {status} {answer}")
                    continue
                order_id = answer["order"]["id"]
                plans[order_id] = plan
                payment_of[order_id] = answer["payment"]["payment_id"]
                await play_plan(standin, plan, payment_of[order_id])
            await standin.drain()
            outcome.iterations = len(plans)

            # Every event once or several times, shuffled; a quarter held back until
            # reconciliation settled every order on its own.
            copies: list[JSON] = []
            for order_id in plans:
                for event in events_of(standin, payment_of[order_id]):
                    copies.extend([event] * run.random.choice((1, 1, 2, 3)))
            run.random.shuffle(copies)
            late_count = len(copies) // 4
            early, late = copies[late_count:], copies[:late_count]
            delivered = await deliver_all(standin, early, outcome)

            async def nothing_pending() -> bool:
                found = await statuses(shop.creator, list(plans))
                return "pending_payment" not in found.values()

            await poll(
                nothing_pending, SETTLE_TIMEOUT, "every order settled (webhook or reconcile)"
            )
            delivered += await deliver_all(standin, late, outcome)

            expected = {oid: PLANS[plan][0] for oid, plan in plans.items()}

            async def all_final() -> bool:
                return await statuses(shop.creator, list(plans)) == expected

            with contextlib.suppress(TimeoutError):
                await poll(all_final, SETTLE_TIMEOUT, "every order in its final status")
            await check_settled(running, standin, shop, plans, payment_of, stock, outcome)
            per_payment = Counter(
                o["payment_id"] for o in await show_orders(shop.creator, shop.show_id)
            )
            if any(count != 1 for count in per_payment.values()):
                outcome.fail(f"a payment belongs to several orders: {per_payment.most_common(3)}")
            most = max(per_payment.values(), default=0)
            outcome.figure = (
                f"{len(plans)} payments, {delivered} deliveries "
                f"({len(copies) - len(set(e['id'] for e in copies))} duplicates, "
                f"{late_count} after reconciliation), {most} order(s)/payment"
            )
        finally:
            await close_all(buyers)
    return outcome


async def check_settled(
    running: Stage,
    standin: StripeStandin,
    shop: Shop,
    plans: dict[str, str],
    payment_of: dict[str, str],
    stock: int,
    outcome: Outcome,
) -> None:
    """Each order's final status and reason, stock sold once, and no refund by livesale."""
    for order_id, plan in plans.items():
        order = await order_of(shop.creator, order_id)
        status, reason = PLANS[plan]
        if (order["status"], order["status_reason"]) != (status, reason):
            outcome.fail(
                f"order {order_id} ({plan}) is {order['status']}/{order['status_reason']}, "
                f"not {status}/{reason}"
            )
        if order["payment_id"] != payment_of[order_id]:
            outcome.fail(f"order {order_id} names payment {order['payment_id']}")
    paid = sum(1 for plan in plans.values() if PLANS[plan][0] == "paid")
    levels = await variant_levels(running, shop.variant_id)
    if levels != (stock - paid, 0, paid):
        outcome.fail(f"stock (available, held, sold) is {levels}, not {(stock - paid, 0, paid)}")
    # Only the dashboard refunds of the plan: livesale gave no money back on its own.
    refunded = sum(1 for plan in plans.values() if plan == "refunded")
    if standin.created["refund"] != refunded:
        outcome.fail(f"{standin.created['refund']} refunds at Stripe, not {refunded}")


# --- 4. forged, tampered and stale webhooks -------------------------------------------------


def attacks(event: JSON, other: JSON, secret: str) -> list[tuple[str, bytes, str | None]]:
    """Each refused delivery of `event`: a name, the body and the Stripe-Signature header."""
    payload = event_payload(event)
    good = sign(payload, secret)
    tampered = event_payload({**event, "livemode": not event["livemode"]})
    stale = int(time.time()) - TOLERANCE - 120
    # A captured valid delivery, its body swapped for another event (a payment of someone else).
    replay_body = event_payload({**other, "id": event["id"]})
    t = good.split(",", 1)[0]
    return [
        ("wrong secret", payload.encode(), sign(payload, "whsec_attacker")),
        ("bad signature", payload.encode(), f"{t},v1={'0' * 64}"),
        ("body tampered after signing", tampered.encode(), good),
        ("older than the tolerance", payload.encode(), sign(payload, secret, stale)),
        ("missing header", payload.encode(), None),
        ("malformed header", payload.encode(), "v1=abc"),
        ("replay with a new body", replay_body.encode(), good),
    ]


async def webhooks_forged(run: Run) -> Outcome:
    """Forged, tampered, stale and replayed webhooks are refused; a secret roll keeps working."""
    orders = run.size(12, 3)
    outcome = Outcome(0, 0, "-")
    refused_total = 0
    async with (
        StripeStandin(auto_deliver=False) as standin,
        stripe_stage(standin, OLD_SECRET) as running,
    ):
        shop = await open_shop(running.base, orders + 10)
        actors: list[Actor] = [shop.creator]
        try:
            placed: list[tuple[str, str]] = []
            for index in range(orders):
                buyer, _, status, answer = await place_order(running.base, shop, f"Mark{index}")
                actors.append(buyer)
                if status != 201:
                    outcome.fail(f"order {index}: {status} {answer}")
                    continue
                placed.append((answer["order"]["id"], answer["payment"]["payment_id"]))
            events = [await standin.succeed(pid) for _, pid in placed]
            levels_before = await variant_levels(running, shop.variant_id)
            before = await metric(running.base, "livesale_shop_webhooks_refused_total")
            sent = 0
            for index, event in enumerate(events):
                other = events[(index + 1) % len(events)]
                batch = attacks(event, other, OLD_SECRET)
                run.random.shuffle(batch)
                for name, body, signature in batch:
                    status, answer = await post_raw(running.base, body, signature)
                    sent += 1
                    outcome.iterations += 1
                    if status != 400 or error_code(answer) != "invalid_signature":
                        outcome.fail(f"{name}: {status} {answer}")
            after = await metric(running.base, "livesale_shop_webhooks_refused_total")
            if after - before != sent:
                outcome.fail(f"webhooks_refused_total moved by {after - before}, not {sent}")
            refused_total += sent
            # No side effects: every order still waits, the stock still held.
            found = await statuses(shop.creator, [oid for oid, _ in placed])
            if set(found.values()) != {"pending_payment"}:
                outcome.fail(f"a refused webhook changed an order: {found}")
            if await variant_levels(running, shop.variant_id) != levels_before:
                outcome.fail("a refused webhook moved stock")
            # The genuine deliveries still work afterwards.
            for event in events:
                status, answer = await post_raw(
                    running.base,
                    event_payload(event).encode(),
                    sign(event_payload(event), OLD_SECRET),
                )
                if status != 200:
                    outcome.fail(f"a genuine webhook after the attacks: {status} {answer}")
            await expect_statuses(shop.creator, [oid for oid, _ in placed], "paid", outcome)

            roll = await secret_roll(run, running, standin, shop, actors, outcome)
        finally:
            await close_all(actors)
    outcome.figure = (
        f"{refused_total} forged refused (7 kinds), secret roll: {roll[0]} accepted, "
        f"{roll[1]} refused after"
    )
    return outcome


async def expect_statuses(
    seller: Actor, order_ids: list[str], status: str, outcome: Outcome
) -> None:
    """Wait for every order to reach `status`; a failure if one does not."""

    async def reached() -> bool:
        return set((await statuses(seller, order_ids)).values()) <= {status}

    try:
        await poll(reached, SETTLE_TIMEOUT, f"orders {status}")
    except TimeoutError:
        outcome.fail(f"orders did not become {status}: {await statuses(seller, order_ids)}")


async def secret_roll(
    run: Run,
    running: Stage,
    standin: StripeStandin,
    shop: Shop,
    actors: list[Actor],
    outcome: Outcome,
) -> tuple[int, int]:
    """During a roll (both secrets set) old-only, new-only and both-signed events are accepted;
    after it (new only) old-only ones are refused. Accepted and refused counts."""

    async def paid_event(name: str) -> tuple[str, JSON]:
        buyer, _, status, answer = await place_order(running.base, shop, name)
        actors.append(buyer)
        if status != 201:
            raise RuntimeError(f"order during the roll: {status} {answer}")
        return answer["order"]["id"], await standin.succeed(answer["payment"]["payment_id"])

    accepted = refused = 0
    # The operator adds the new secret before Stripe starts to use it.
    await restart_with_secrets(running, f"{NEW_SECRET},{OLD_SECRET}")
    signers = [[OLD_SECRET], [NEW_SECRET], [OLD_SECRET, NEW_SECRET], [NEW_SECRET, OLD_SECRET]]
    run.random.shuffle(signers)
    for index, secrets in enumerate(signers):
        order_id, event = await paid_event(f"Roll{index}")
        payload = event_payload(event)
        status, answer = await post_raw(running.base, payload.encode(), signed_by(payload, secrets))
        outcome.iterations += 1
        if status != 200:
            outcome.fail(f"during the roll, signed by {secrets}: {status} {answer}")
            continue
        accepted += 1
        await expect_statuses(shop.creator, [order_id], "paid", outcome)
    # The roll ended: only the new secret is configured.
    await restart_with_secrets(running, NEW_SECRET)
    order_id, event = await paid_event("AfterRoll")
    payload = event_payload(event)
    before = await metric(running.base, "livesale_shop_webhooks_refused_total")
    status, answer = await post_raw(
        running.base, payload.encode(), signed_by(payload, [OLD_SECRET])
    )
    outcome.iterations += 1
    if status == 400 and error_code(answer) == "invalid_signature":
        refused += 1
    else:
        outcome.fail(f"after the roll, signed by the old secret only: {status} {answer}")
    if await metric(running.base, "livesale_shop_webhooks_refused_total") != before + 1:
        outcome.fail("the refusal after the roll was not counted")
    if (await order_of(shop.creator, order_id))["status"] != "pending_payment":
        outcome.fail("an event signed by the retired secret changed an order")
    status, answer = await post_raw(
        running.base, payload.encode(), signed_by(payload, [NEW_SECRET])
    )
    if status != 200:
        outcome.fail(f"after the roll, signed by the new secret: {status} {answer}")
    await expect_statuses(shop.creator, [order_id], "paid", outcome)
    return accepted, refused


# --- 5. payment API errors -------------------------------------------------------------------

FAULTS = ("500", "409", "timeout", "reset")
CLIENT_TIMEOUT = 1.5  # livesale's Stripe client timeout in this scenario, in seconds
MAX_RETRIES = 2  # livesale's default stripe_max_network_retries
CREATE = ("POST", "/v1/payment_intents")


async def api_errors(run: Run) -> Outcome:
    """Stripe failing, timing out or dropping the line: same key on retries, one charge each."""
    orders = run.size(40, 8)
    outcome = Outcome(0, 0, "-")
    injected = 0
    gateway_errors = 0
    async with (
        StripeStandin(webhook_secret=NEW_SECRET) as standin,
        stripe_stage(
            standin,
            NEW_SECRET,
            payments__stripe_timeout_seconds=str(CLIENT_TIMEOUT),
            payments__stripe_max_network_retries=str(MAX_RETRIES),
        ) as running,
    ):
        shop = await open_shop(running.base, orders + 5)
        actors: list[Actor] = [shop.creator]
        planned: dict[str, str] = {}  # order id -> final status
        try:
            for index in range(orders):
                # Up to every attempt (1 + retries) failing: then the buyer sees an error.
                kind = run.random.choice(FAULTS)
                times = run.random.choice((1, 1, 2, MAX_RETRIES + 1))
                standin.inject(kind, method=CREATE[0], path=CREATE[1], times=times, delay=4.0)
                injected += times
                buyer, checkout_id, status, answer = await place_order(
                    running.base, shop, f"Payer{index}"
                )
                actors.append(buyer)
                if times > MAX_RETRIES:
                    if status != 502 or error_code(answer) != "payment_gateway_error":
                        outcome.fail(f"every attempt failed ({kind}) but the buyer got {status}")
                    else:
                        gateway_errors += 1
                    # The buyer submits again: the same order, and the payment made before.
                    status, answer = await buyer.call(
                        "POST", f"/api/checkouts/{checkout_id}/order", BUYER_DETAILS
                    )
                if status not in (200, 201):
                    outcome.fail(f"order {index} after {times}x {kind}: {status} {answer}")
                    continue
                outcome.iterations += 1
                order_id = answer["order"]["id"]
                payment_id = answer["payment"]["payment_id"]
                # The buyer pays; the webhook arrives (delivered before succeed returns).
                await standin.succeed(payment_id)
                planned[order_id] = "paid"
                if run.random.random() < 0.35:
                    # The seller refunds, and the refund call fails too.
                    kind = run.random.choice(FAULTS)
                    times = run.random.choice((1, 2))
                    standin.inject(kind, path="/v1/refunds", times=times, delay=4.0)
                    injected += times
                    await expect_statuses(shop.creator, [order_id], "paid", outcome)
                    got, refund = await shop.creator.call("POST", f"/api/orders/{order_id}/refund")
                    if got != 200:
                        outcome.fail(f"refund after {times}x {kind}: {got} {refund}")
                    planned[order_id] = "refunded"
            for final in ("paid", "refunded"):
                ids = [oid for oid, want in planned.items() if want == final]
                await expect_statuses(shop.creator, ids, final, outcome)
            figure = check_charges(standin, planned, outcome)
            paid = sum(1 for want in planned.values() if want == "paid")
            levels = await variant_levels(running, shop.variant_id)
            if levels != (orders + 5 - paid, 0, paid):
                outcome.fail(f"stock (available, held, sold) is {levels}")
            if standin.faults:
                outcome.fail(f"{len(standin.faults)} injected faults were never met")
        finally:
            await close_all(actors)
    outcome.figure = (
        f"{len(planned)} orders, {injected} injected faults ({gateway_errors} buyer errors), "
        f"{figure}"
    )
    return outcome


def check_charges(standin: StripeStandin, planned: dict[str, str], outcome: Outcome) -> str:
    """One intent, one charge and at most one refund per order; every retry reused its key."""
    intents: Counter[str] = Counter()
    for intent in standin.payment_intents.values():
        intents[intent["metadata"].get("order_id", "")] += 1
    charges: Counter[str] = Counter()
    for charge in standin.charges.values():
        if charge["status"] == "succeeded":
            charges[charge["metadata"].get("order_id", "")] += 1
    refunds: Counter[str] = Counter(
        r["metadata"].get("order_id", "") for r in standin.refunds.values()
    )
    for order_id, want in planned.items():
        if intents[order_id] != 1 or charges[order_id] != 1:
            outcome.fail(
                f"order {order_id}: {intents[order_id]} intents, {charges[order_id]} charges"
            )
        if refunds[order_id] != (1 if want == "refunded" else 0):
            outcome.fail(f"order {order_id} ({want}) has {refunds[order_id]} refunds")
    # Every write about an order carried that order's key, attempt after attempt.
    reused = 0
    by_key: Counter[str] = Counter()
    for request in standin.requests:
        if request.method != "POST":
            continue
        metadata = request.params.get("metadata")
        named = metadata.get("order_id") if isinstance(metadata, dict) else None
        suffix = {CREATE[1]: "create", "/v1/refunds": "refund"}.get(request.path)
        if isinstance(named, str) and suffix and request.idempotency_key != f"{named}-{suffix}":
            outcome.fail(f"a {suffix} for {named} used the key {request.idempotency_key}")
        if request.idempotency_key is not None:
            by_key[request.idempotency_key] += 1
    reused = sum(count - 1 for count in by_key.values())
    if reused == 0:
        outcome.fail("no retry was seen: the faults did not bite")
    most = max((charges[oid] for oid in planned), default=0)
    return f"max {most} charge(s)/order, {reused} retries reused the key"


SCENARIOS = [
    Scenario(
        3,
        "duplicate, reordered and delayed webhooks",
        "one paid order per payment, statuses final, stock committed once",
        webhooks_out_of_order,
        240.0,
    ),
    Scenario(
        4,
        "forged, tampered and stale webhooks",
        "each refused (400 invalid_signature), nothing changed; a secret roll keeps working",
        webhooks_forged,
        240.0,
    ),
    Scenario(
        5,
        "payment API errors",
        "retries reuse the key; one charge per order; a clear error or the order goes on",
        api_errors,
        300.0,
    ),
]
