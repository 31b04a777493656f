"""Crashes mid-sale: the embedded Redis SIGKILLed, shop processes and the whole server killed.

Scenario 6 kills the embedded `redis-server` while buyers hold stock, place
orders and pay (dummy gateway); the supervisor starts it again on the same
AOF. Scenario 7 pays through the local Stripe stand-in (the official client
inside livesale, signed webhooks) and SIGKILLs the shop process, or the whole
server, while orders are created and webhooks delivered. Both then check, in
the real SQLite file and the real Redis, that nothing acknowledged was lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections import Counter
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from livesale.domain.checkout import hold_id_for
from livesale.storage.stock_keys import hold_key
from livesale.web.order_routes import WEBHOOK_PATH
from tests.stripe_standin import StripeStandin

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
    record_rows,
    stage,
    stripe_settings,
    variant_levels,
)

# A request slower than this during an outage counts as a hang: the shop must fail fast.
HANG_SECONDS = 10.0
# After /readyz is back, a pooled connection to the dead server may still fail once.
RECOVERY_GRACE_SECONDS = 5.0
CARD = {"card_number": "4242 4242 4242 4242"}
SETTLE_TIMEOUT = 90.0


@dataclass
class Answer:
    """One shop call as the buyer saw it."""

    what: str
    status: int  # 0: no HTTP answer (connection refused or cut)
    code: str
    sent: float
    answered: float


@dataclass
class Ledger:
    """What the buyers were told: acknowledged holds, orders and payments."""

    answers: list[Answer] = field(default_factory=list)
    checkouts: dict[str, Actor] = field(default_factory=dict)  # 2xx Buy now
    orders: dict[str, str] = field(default_factory=dict)  # order id -> checkout id (2xx)
    paid: set[str] = field(default_factory=set)  # orders a 2xx payment answer called paid
    canceled: set[str] = field(default_factory=set)  # checkouts a 2xx cancel gave back


def _code(body: Any) -> str:
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return str(body["error"].get("code", ""))
    return ""


async def _call(
    ledger: Ledger, actor: Actor, what: str, method: str, path: str, body: Any = None
) -> tuple[int, Any]:
    """A shop call, recorded with its timing; status 0 when no HTTP answer came."""
    sent = time.monotonic()
    try:
        status, answer = await actor.call(method, path, body)
    except (aiohttp.ClientError, TimeoutError):
        status, answer = 0, None
    ledger.answers.append(Answer(what, status, _code(answer), sent, time.monotonic()))
    return status, answer


async def _sql(stage_: Stage, query: str, *args: Any) -> list[tuple[Any, ...]]:
    """Rows of a read query on the record (SQLite or PostgreSQL)."""
    return await record_rows(stage_, query, args)


async def _stock_problems(stage_: Stage, shop: Shop, total: int) -> list[str]:
    """What is wrong with the stock counters against SQLite's orders ([] when they agree).

    available + held + sold = total; sold = units of paid orders; held = units of
    holds still held.
    """
    available, held, sold = await variant_levels(stage_, shop.variant_id)
    redis = stage_.redis()
    try:
        lines = await _sql(
            stage_,
            "SELECT o.status, l.quantity, l.hold_id FROM orders o "
            "JOIN order_lines l ON l.order_id = o.id WHERE l.variant_id = ?",
            shop.variant_id,
        )
        paid_units = sum(q for status, q, _h in lines if status in ("paid", "fulfilled"))
        states: Counter[str] = Counter()
        cursor = 0
        while True:
            cursor, keys = await redis.scan(cursor, match=hold_key("*", "*"), count=500)
            for key in keys:
                fields = await redis.hgetall(key)
                if fields.get("variant") == shop.variant_id:
                    states[fields["state"]] += int(fields["quantity"])
            if cursor == 0:
                break
    finally:
        await redis.aclose()
    problems = []
    if available + held + sold != total:
        problems.append(f"available {available} + held {held} + sold {sold} != stock {total}")
    if sold != paid_units:
        problems.append(f"sold {sold} but paid orders hold {paid_units} units")
    if held != states["held"]:
        problems.append(f"held {held} but holds in state held have {states['held']} units")
    return problems


# --- 6. Redis killed mid-sale ---------------------------------------------------------------


async def _buyer_6(
    run: Run, stage_: Stage, shop: Shop, actor: Actor, ledger: Ledger, stop: asyncio.Event
) -> None:
    """Buy, then order and pay most purchases, cancel some; never retry: every answer counts."""
    while not stop.is_set():
        path = f"/api/shows/{shop.show_id}/buy"
        body = {"variant_id": shop.variant_id, "quantity": 1, "request_id": uuid.uuid4().hex}
        status, answer = await _call(ledger, actor, "buy", "POST", path, body)
        if status not in (200, 201):
            await _pause(stop)
            continue
        checkout_id = answer["checkout"]["id"]
        ledger.checkouts[checkout_id] = actor
        roll = run.random.random()
        if roll < 0.15:
            status, _ = await _call(
                ledger, actor, "cancel", "DELETE", f"/api/checkouts/{checkout_id}"
            )
            if status in (200, 204):
                ledger.canceled.add(checkout_id)
            continue
        if roll < 0.3:
            continue  # left held: it must still be held afterwards
        order_path = f"/api/checkouts/{checkout_id}/order"
        status, answer = await _call(ledger, actor, "order", "POST", order_path, BUYER_DETAILS)
        if status not in (200, 201):
            continue
        order_id = answer["order"]["id"]
        ledger.orders[order_id] = checkout_id
        pay_path = f"/api/payments/dummy/{answer['payment']['payment_id']}/confirm"
        status, answer = await _call(ledger, actor, "pay", "POST", pay_path, CARD)
        if status == 200 and answer["order"]["status"] == "paid":
            ledger.paid.add(order_id)


def _reaches(acked: dict[str, Actor], count: int) -> Callable[[], bool]:
    """A condition: at least `count` holds acknowledged."""
    return lambda: len(acked) >= count


async def _pause(stop: asyncio.Event) -> None:
    """A refused buyer waits a moment (or until the end) before trying again."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), 0.1)


async def _shop_answers(actor: Actor, shop: Shop) -> bool:
    """Whether a shop call that needs Redis answers 2xx (reads the cart)."""
    with contextlib.suppress(aiohttp.ClientError, TimeoutError):
        status, _ = await actor.call("GET", f"/api/shows/{shop.show_id}/cart")
        return status == 200
    return False


async def redis_killed_mid_sale(run: Run) -> Outcome:
    """Scenario 6."""
    kills = run.size(4, 2)
    buyers = run.size(6, 3)
    stock = 5000
    outcome = Outcome(0, 0, "-")
    ledger = Ledger()
    outages: list[tuple[float, float]] = []  # (killed, readyz back)
    recoveries: list[float] = []  # kill -> first 2xx shop call
    settings = {"payments__gateway": "dummy", "shop__reconcile_interval_seconds": "1"}
    async with stage(**settings) as stage_:
        shop = await open_shop(stage_.base, stock)
        actors = [Actor(stage_.base) for _ in range(buyers)]
        probe = Actor(stage_.base)
        try:
            for number, actor in enumerate(actors):
                await actor.become_guest(f"Buyer {number}")
            await probe.become_guest("Probe")
            stop = asyncio.Event()
            tasks = [
                asyncio.create_task(_buyer_6(run, stage_, shop, actor, ledger, stop))
                for actor in actors
            ]
            try:
                for _ in range(kills):
                    # Kill while holds and orders are being acknowledged, not in a lull.
                    acked = len(ledger.checkouts) + run.random.randint(5, 15)
                    await poll(_reaches(ledger.checkouts, acked), 60, "more holds")
                    # Before the kill: an answer in between already meets a dead server.
                    killed = time.monotonic()
                    await stage_.kill("redis")
                    await poll(lambda: stage_.roles()["redis"], 60, "a new redis-server")
                    await stage_.ready(60)
                    outages.append((killed, time.monotonic()))
                    await poll(lambda: _shop_answers(probe, shop), 60, "the shop to answer")
                    recoveries.append(time.monotonic() - killed)
                    outcome.iterations += 1
                    # Some traffic after the recovery before the next kill.
                    after = len(ledger.checkouts) + 5
                    await poll(_reaches(ledger.checkouts, after), 60, "holds again")
            finally:
                stop.set()
                await asyncio.gather(*tasks)
            lost = await _check_6(stage_, shop, stock, ledger, outages, outcome)
        finally:
            for actor in [*actors, probe, shop.creator]:
                await actor.close()
    during = [a for a in ledger.answers if any(k <= a.answered <= back for k, back in outages)]
    tally = Counter(f"{a.status}" + (f" {a.code}" if a.code else "") for a in during)
    answers = ", ".join(f"{n}x {s}" for s, n in tally.most_common()) or "none"
    worst = max(recoveries, default=0.0)
    outcome.figure = (
        f"{kills} kills; {len(during)} calls during outages: {answers}; "
        f"recovery ≤ {worst:.1f} s; {len(ledger.checkouts)} holds, "
        f"{len(ledger.orders)} orders acked; lost {lost}"
    )
    return outcome


async def _check_6(
    stage_: Stage,
    shop: Shop,
    stock: int,
    ledger: Ledger,
    outages: list[tuple[float, float]],
    outcome: Outcome,
) -> int:
    """Answers were 2xx or a fast 503; every acknowledged hold and order is still there.

    Returns how many acknowledged holds and orders were lost.
    """
    for answer in ledger.answers:
        took = answer.answered - answer.sent
        if took > HANG_SECONDS:
            outcome.fail(f"{answer.what} took {took:.1f} s (a hang)")
        if 200 <= answer.status < 300:
            continue
        near_outage = any(
            killed <= answer.answered <= back + RECOVERY_GRACE_SECONDS for killed, back in outages
        )
        if answer.status == 503 and answer.code == "service_unavailable" and near_outage:
            continue
        outcome.fail(f"{answer.what} answered {answer.status} {answer.code!r}")
    lost = 0
    redis = stage_.redis()
    try:
        for checkout_id, actor in ledger.checkouts.items():
            hold = await redis.hgetall(hold_key(shop.creator_id, hold_id_for(checkout_id, 0)))
            status, _body = await actor.call("GET", f"/api/checkouts/{checkout_id}")
            wanted = {"released"} if checkout_id in ledger.canceled else {"held", "committed"}
            if checkout_id in ledger.canceled and status == 404:
                status = 200  # a canceled checkout is deleted; its hold says released
            if status != 200 or hold.get("state") not in wanted:
                lost += 1
                outcome.fail(
                    f"acknowledged hold {checkout_id} is gone: checkout {status}, "
                    f"hold {hold.get('state')!r}"
                )
    finally:
        await redis.aclose()
    rows = dict(await _sql(stage_, "SELECT id, status FROM orders"))
    for order_id in ledger.orders:
        if order_id not in rows:
            lost += 1
            outcome.fail(f"acknowledged order {order_id} is not in SQLite")
    for order_id in ledger.paid:
        if rows.get(order_id) != "paid":
            outcome.fail(f"order {order_id} was answered paid but is {rows.get(order_id)}")

    # A payment that succeeded while Redis was down left its order pending:
    # reconciliation must make it paid, and then the counters agree with SQLite.
    async def settled() -> bool:
        unpaid = await _sql(
            stage_,
            "SELECT o.id FROM orders o JOIN dummy_payments p ON p.order_id = o.id "
            "WHERE p.status = 'succeeded' AND o.status != 'paid'",
        )
        return not unpaid and not await _stock_problems(stage_, shop, stock)

    try:
        await poll(settled, SETTLE_TIMEOUT, "reconciliation to settle every payment")
    except TimeoutError as exc:
        outcome.fail(f"{exc}: {await _stock_problems(stage_, shop, stock)}")
    return lost


# --- 7. livesale killed mid-checkout and mid-webhook ----------------------------------------


@dataclass
class Sales:
    """Scenario 7's running state."""

    up: asyncio.Event = field(default_factory=asyncio.Event)
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    paid: list[str] = field(default_factory=list)  # PaymentIntents the buyers paid
    deliveries: set[asyncio.Task[Any]] = field(default_factory=set)  # webhooks being posted
    unexpected: list[str] = field(default_factory=list)
    # Purchases the controller allows: the load is bounded, and the kills land
    # at a count of payments while the other buyers are mid-checkout.
    tickets: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(0))

    async def ticket(self) -> bool:
        """Wait for a purchase to be allowed; False once the run stops."""
        stop = asyncio.create_task(self.stop.wait())
        take = asyncio.create_task(self.tickets.acquire())
        await asyncio.wait({stop, take}, return_when=asyncio.FIRST_COMPLETED)
        stop.cancel()
        if take.done():
            return True
        take.cancel()
        return False


async def _until_answered(
    sales: Sales, actor: Actor, method: str, path: str, body: Any
) -> tuple[int, Any] | None:
    """Retry a call (same request: idempotent) across crashes; None once the run stops."""
    while not sales.stop.is_set():
        try:
            status, answer = await actor.call(method, path, body)
        except (aiohttp.ClientError, TimeoutError):
            status, answer = 0, None
        if 200 <= status < 300:
            return status, answer
        if status in (0, 503):
            # Down (killed, restarting, Redis replaying its AOF): retry once it is back.
            await _until_up(sales)
            continue
        sales.unexpected.append(f"{method} {path}: {status} {answer}")
        return None
    return None


async def _until_up(sales: Sales) -> None:
    """Wait for the controller to see the server ready again (or a short retry pause)."""
    # Up already: not a kill the controller made (a lock still held by a killed
    # process), so a client's retry pause, as a browser would make.
    back: Coroutine[Any, Any, Any] = asyncio.sleep(0.2) if sales.up.is_set() else sales.up.wait()
    waits = [asyncio.create_task(sales.stop.wait()), asyncio.create_task(back)]
    await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    for wait in waits:
        wait.cancel()


def _reaches_paid(sales: Sales, count: int) -> Callable[[], bool]:
    """A condition: at least `count` payments made."""
    return lambda: len(sales.paid) >= count


async def _buyer_7(shop: Shop, actor: Actor, standin: StripeStandin, sales: Sales) -> None:
    """Buy one, place the order (a PaymentIntent), pay it at the stand-in (a webhook)."""
    while await sales.ticket():
        body = {"variant_id": shop.variant_id, "quantity": 1, "request_id": uuid.uuid4().hex}
        got = await _until_answered(sales, actor, "POST", f"/api/shows/{shop.show_id}/buy", body)
        if got is None:
            return
        checkout_id = got[1]["checkout"]["id"]
        path = f"/api/checkouts/{checkout_id}/order"
        got = await _until_answered(sales, actor, "POST", path, BUYER_DETAILS)
        if got is None:
            return
        payment_id = got[1]["payment"]["payment_id"]
        if payment_id in sales.paid:
            sales.unexpected.append(f"checkout {checkout_id} got paid payment {payment_id}")
            continue
        # The card is charged, then the signed webhook is posted (to a server that may
        # die); the buyer goes on shopping meanwhile, as the browser does not wait for it.
        sales.paid.append(payment_id)
        delivery = asyncio.create_task(standin.succeed(payment_id))
        sales.deliveries.add(delivery)
        delivery.add_done_callback(sales.deliveries.discard)


async def livesale_killed_mid_checkout(run: Run) -> Outcome:
    """Scenario 7."""
    kills = run.size(6, 2)
    buyers = run.size(6, 3)
    stock = 5000
    outcome = Outcome(0, 0, "-")
    sales = Sales()
    whole = 0
    mid_webhook = 0  # kills that landed while a webhook was being delivered
    async with StripeStandin() as standin:
        settings = stripe_settings(
            standin,
            payments__stripe_publishable_key="pk_test_chaos",
            shop__reconcile_interval_seconds="1",
        )
        async with stage(**settings) as stage_:
            standin.webhook_url = f"{stage_.base}{WEBHOOK_PATH}"
            shop = await open_shop(stage_.base, stock)
            actors = [Actor(stage_.base) for _ in range(buyers)]
            try:
                for number, actor in enumerate(actors):
                    await actor.become_guest(f"Buyer {number}")
                sales.up.set()
                tasks = [
                    asyncio.create_task(_buyer_7(shop, actor, standin, sales)) for actor in actors
                ]
                try:
                    for iteration in range(kills):
                        # Kill at the n-th payment while the other buyers (who have
                        # tickets left) are buying, ordering and paying.
                        target = len(sales.paid) + run.random.randint(2, 6)
                        for _ in range(target - len(sales.paid) + buyers):
                            sales.tickets.release()
                        await poll(_reaches_paid(sales, target), 90, "payments")
                        sales.up.clear()
                        mid_webhook += bool(sales.deliveries)
                        # The last round is a power cut, so the check sees a restart.
                        if iteration % 2 == 0 and iteration < kills - 1:
                            await stage_.kill("shop")
                        else:
                            whole += 1
                            await stage_.kill_all()
                            await stage_.start()
                        await stage_.ready(90)
                        sales.up.set()
                        # Stripe retries a webhook that was not answered 2xx; every
                        # other round leaves the lost ones to reconciliation instead.
                        if iteration % 2 == 0:
                            await _redeliver(standin)
                        outcome.iterations += 1
                finally:
                    sales.stop.set()
                    sales.up.set()
                    await asyncio.gather(*tasks)
                    await asyncio.gather(*sales.deliveries)
                    await standin.drain()
                per_payment = await _check_7(stage_, shop, stock, standin, sales, outcome)
            finally:
                for actor in [*actors, shop.creator]:
                    await actor.close()
    outcome.figure = (
        f"{kills} kills ({whole} whole server, {mid_webhook} mid-webhook); "
        f"{len(sales.paid)} payments; "
        f"orders per paid payment: {per_payment}"
    )
    return outcome


async def _redeliver(standin: StripeStandin) -> None:
    """Post again every event no delivery of which was answered 2xx (Stripe's retries)."""
    await standin.drain()
    delivered = {d.event_id for d in standin.deliveries if d.ok}
    for event in list(standin.events):
        if event["id"] not in delivered:
            await standin.deliver(event["id"])


async def _check_7(
    stage_: Stage,
    shop: Shop,
    stock: int,
    standin: StripeStandin,
    sales: Sales,
    outcome: Outcome,
) -> str:
    """Every succeeded PaymentIntent has exactly one order, paid; no order is paid twice.

    Returns how many payments have how many orders, e.g. "1 → 40" (each of 40 has one).
    """
    for problem in sales.unexpected:
        outcome.fail(problem)
    succeeded = {
        pi_id: intent
        for pi_id, intent in standin.payment_intents.items()
        if intent["status"] == "succeeded"
    }
    if set(sales.paid) != set(succeeded):
        outcome.fail(f"paid {len(sales.paid)} intents, the stand-in has {len(succeeded)}")
    by_order = Counter(intent["metadata"].get("order_id") for intent in succeeded.values())
    for order_id, count in by_order.items():
        if count > 1:
            outcome.fail(f"order {order_id} was paid {count} times")

    async def every_payment_paid() -> bool:
        rows = await _sql(stage_, "SELECT payment_id, status FROM orders")
        orders = Counter(pi for pi, _s in rows if pi in succeeded)
        paid = {pi for pi, status in rows if status == "paid"}
        return all(orders[pi] == 1 and pi in paid for pi in succeeded)

    try:
        await poll(every_payment_paid, SETTLE_TIMEOUT, "every payment's order to be paid")
    except TimeoutError as exc:
        outcome.fail(str(exc))
    rows = await _sql(stage_, "SELECT payment_id, status FROM orders")
    orders_of = Counter(pi for pi, _s in rows if pi in succeeded)
    per_payment = Counter(orders_of[pi] for pi in succeeded)
    for pi, status in rows:
        if pi in succeeded and status != "paid":
            outcome.fail(f"payment {pi} succeeded but its order is {status}")
    refunds = len(standin.refunds)
    if refunds:
        outcome.fail(f"{refunds} refunds: a paid order was undone")
    try:
        await poll(
            lambda: _no_stock_problems(stage_, shop, stock), SETTLE_TIMEOUT, "stock to agree"
        )
    except TimeoutError:
        outcome.fail(f"stock: {await _stock_problems(stage_, shop, stock)}")
    return ", ".join(f"{n} → {count}" for n, count in sorted(per_payment.items())) or "-"


async def _no_stock_problems(stage_: Stage, shop: Shop, stock: int) -> bool:
    return not await _stock_problems(stage_, shop, stock)


SCENARIOS = [
    Scenario(
        6,
        "Redis killed mid-sale",
        "fast 503 service_unavailable while down, back by itself, no acknowledged hold "
        "or order lost, stock = SQLite",
        redis_killed_mid_sale,
        240,
    ),
    Scenario(
        7,
        "livesale killed mid-checkout and mid-webhook",
        "every paid payment has exactly one order, paid; none paid twice; stock consistent",
        livesale_killed_mid_checkout,
        300,
    ),
]
