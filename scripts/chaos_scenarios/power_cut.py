"""A power cut mid-sale: every process killed, and Redis's AOF cut back by its last second.

The embedded Redis syncs its AOF once a second (`appendfsync everysec`), so a
power cut loses up to the last second of stock moves while the record (SQLite,
synced at every commit) keeps the orders paid in it. The scenario SIGKILLs the
whole `livesale serve` while buyers hold, order and pay, drops the AOF's last
second with `redis-check-aof --truncate-to-timestamp` (the embedded Redis
stamps its AOF every second), and starts livesale again on what is left. The
counters must be rebuilt from the record before the next unit is sold: buyers
then sell the product out, and no unit may be sold twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import re
import shutil
import time
import uuid

import aiohttp

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
    variant_levels,
)

CARD = {"card_number": "4242 4242 4242 4242"}
SETTLE_TIMEOUT = 30.0
# Sales the last second before the cut holds at least.
LAST_SECOND_SALES = 3
# A refused buyer waits this long before the next try (or until the end).
PAUSE_SECONDS = 0.05
# What the shop logs for each variant it rebuilt (livesale.shop.stock_audit).
_REBUILT = re.compile(
    r"rebuilt from StockLevels\(available=\d+, held=\d+, sold=(?P<before>\d+)\)"
    r" to StockLevels\(available=\d+, held=\d+, sold=(?P<after>\d+)\)"
)


async def _sold_in_record(stage_: Stage, variant_id: str) -> int:
    """Units of the variant in paid or fulfilled orders, in the record."""
    rows = await record_rows(
        stage_,
        "SELECT COALESCE(SUM(l.quantity), 0) FROM order_lines l JOIN orders o"
        " ON o.id = l.order_id WHERE l.variant_id = ? AND o.status IN ('paid', 'fulfilled')"
        " AND l.refund_restocked = 0",
        (variant_id,),
    )
    return int(rows[0][0])


async def _buyer(actor: Actor, shop: Shop, stop: asyncio.Event, sold: list[int]) -> None:
    """Buy one unit, order it and pay, again and again; refusals and outages just wait."""
    while not stop.is_set():
        with contextlib.suppress(aiohttp.ClientError, TimeoutError):
            body = {"variant_id": shop.variant_id, "quantity": 1, "request_id": uuid.uuid4().hex}
            status, answer = await actor.call("POST", f"/api/shows/{shop.show_id}/buy", body)
            if status == 201:
                checkout_id = answer["checkout"]["id"]
                path = f"/api/checkouts/{checkout_id}/order"
                status, answer = await actor.call("POST", path, BUYER_DETAILS)
                if status == 201:
                    pay = f"/api/payments/dummy/{answer['payment']['payment_id']}/confirm"
                    status, answer = await actor.call("POST", pay, CARD)
                    if status == 200 and answer["order"]["status"] == "paid":
                        sold.append(1)
                        continue
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), PAUSE_SECONDS)


def _past(second: int) -> bool:
    return int(time.time()) > second


def _reached(sold: list[int], units: int) -> bool:
    return len(sold) >= units


async def _buy_until(actors: list[Actor], shop: Shop, sold: list[int], units: int) -> None:
    """Buyers buy until `units` were answered paid, then stop."""
    stop = asyncio.Event()
    tasks = [asyncio.create_task(_buyer(actor, shop, stop, sold)) for actor in actors]
    try:
        await poll(functools.partial(_reached, sold, units), 120, f"{units} units paid")
    finally:
        stop.set()
        await asyncio.gather(*tasks)


async def _sell_out(stage_: Stage, actors: list[Actor], shop: Shop, sold: list[int]) -> None:
    """Buyers buy until the record has every unit sold (a payment answered during the cut
    may be paid without its buyer hearing it, so the answers cannot tell)."""
    stop = asyncio.Event()
    tasks = [asyncio.create_task(_buyer(actor, shop, stop, sold)) for actor in actors]
    try:
        await poll(functools.partial(_all_sold, stage_, shop), 120, "every unit paid")
    finally:
        stop.set()
        await asyncio.gather(*tasks)


async def _all_sold(stage_: Stage, shop: Shop) -> bool:
    available, held, _sold = await variant_levels(stage_, shop.variant_id)
    return available == 0 and held == 0


def _aof_seconds(stage_: Stage) -> list[int]:
    seconds = []
    for part in sorted((stage_.data_dir / "redis" / "appendonlydir").glob("*.incr.aof")):
        seconds += [int(line[4:]) for line in part.read_bytes().splitlines() if line[:4] == b"#TS:"]
    return seconds


async def _cut_last_second(stage_: Stage) -> int:
    """Drop the AOF's last stamped second; returns that second."""
    last = max(_aof_seconds(stage_))
    tool = shutil.which("redis-check-aof")
    if tool is None:
        raise RuntimeError("redis-check-aof is not installed (Debian's redis-tools)")
    manifest = stage_.data_dir / "redis" / "appendonlydir" / "appendonly.aof.manifest"
    process = await asyncio.create_subprocess_exec(
        tool,
        "--truncate-to-timestamp",
        str(last - 1),
        str(manifest),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    if process.returncode != 0 or b"Successfully truncated" not in output:
        raise RuntimeError(f"redis-check-aof failed: {output.decode(errors='replace')}")
    return last


def _rebuilt(log: str) -> list[int] | None:
    """After a restart's check: [0, then for each variant rebuilt the sold units the record
    had and Redis had lost]; None until the check is logged."""
    if "stock counters checked on redis" not in log:
        return None
    # The leading 0 keeps the list true when nothing had drifted.
    return [0, *(int(m["after"]) - int(m["before"]) for m in _REBUILT.finditer(log))]


def _rebuilt_since(stage_: Stage, offset: int) -> list[int] | None:
    return _rebuilt(stage_.log_text()[offset:])


async def power_cut_mid_sale(run: Run) -> Outcome:
    """Scenario 19."""
    cuts = run.size(3, 1)
    buyers = run.size(8, 4)
    stock = run.size(300, 60)
    outcome = Outcome(0, 0, "-")
    forgotten: list[int] = []  # per cut: sold units the record had and Redis had lost
    recorded = 0
    sold: list[int] = []
    # Short holds: a checkout the cut interrupted gives its units back soon.
    async with stage(payments__gateway="dummy", shop__hold_seconds="5") as stage_:
        shop = await open_shop(stage_.base, stock)
        actors = [Actor(stage_.base) for _ in range(buyers)]
        try:
            for number, actor in enumerate(actors):
                await actor.become_guest(f"Buyer {number}")
            for cut in range(cuts):
                # Sell a share of the stock, and cut the power while buyers are still at it.
                share = stock * (cut + 1) // (cuts + 1)
                # A new second first, so the cut leaves the AOF's earlier seconds in place.
                await poll(functools.partial(_past, int(time.time())), 5, "a new second")
                await _buy_until(actors, shop, sold, share)
                # The cut drops the last stamped second: a new one, and a few sales in it.
                await poll(functools.partial(_past, int(time.time())), 5, "a new second")
                stop = asyncio.Event()
                tasks = [asyncio.create_task(_buyer(a, shop, stop, sold)) for a in actors]
                try:
                    more = len(sold) + LAST_SECOND_SALES
                    await poll(functools.partial(_reached, sold, more), 60, "sales in that second")
                    await stage_.kill_all()
                except TimeoutError as exc:
                    outcome.fail(f"{exc}: {stage_.log_text()[-3000:]}")
                    return outcome
                finally:
                    stop.set()
                    await asyncio.gather(*tasks)
                await _cut_last_second(stage_)
                logged = len(stage_.log_text())
                try:
                    await stage_.start()
                    await stage_.ready(60)
                except TimeoutError:
                    outcome.fail(f"no restart after the cut: {stage_.log_text()[logged:][-3000:]}")
                    return outcome
                # The shop checks the new server's counters at start and logs what it rebuilt.
                since = functools.partial(_rebuilt_since, stage_, logged)
                try:
                    rebuilt = await poll(since, 60, "the counters checked after the restart")
                except TimeoutError:
                    outcome.fail(f"no stock check logged: {stage_.log_text()[logged:][-3000:]}")
                    return outcome
                forgotten.append(sum(rebuilt))
                outcome.iterations += 1
            await _sell_out(stage_, actors, shop, sold)
            # Every unit is paid for: one more Buy now each must find nothing left.
            for actor in actors:
                request = uuid.uuid4().hex
                body = {"variant_id": shop.variant_id, "quantity": 1, "request_id": request}
                status, _ = await actor.call("POST", f"/api/shows/{shop.show_id}/buy", body)
                if status == 201:
                    outcome.fail(f"a unit was held after all {stock} were paid for: sold twice")
            await _check(stage_, shop, stock, outcome)
            recorded = await _sold_in_record(stage_, shop.variant_id)
        finally:
            for actor in [*actors, shop.creator]:
                await actor.close()
    outcome.figure = (
        f"{cuts} power cuts; Redis forgot {sum(forgotten)} sold unit(s) "
        f"({', '.join(map(str, forgotten))}); rebuilt; {recorded} of {stock} sold in the record"
    )
    return outcome


async def _check(stage_: Stage, shop: Shop, stock: int, outcome: Outcome) -> None:
    """No unit sold twice: the record's sold units never pass the stock, and the counters
    settle on the record (available + held + sold = stock, sold = the record's)."""
    recorded = await _sold_in_record(stage_, shop.variant_id)
    if recorded > stock:
        outcome.fail(f"{recorded} units sold in the record, of {stock}: oversold")
        return

    async def settled() -> bool:
        available, held, counted = await variant_levels(stage_, shop.variant_id)
        return available + held + counted == stock and counted == recorded

    try:
        await poll(settled, SETTLE_TIMEOUT, "the counters to agree with the record")
    except TimeoutError:
        levels = await variant_levels(stage_, shop.variant_id)
        outcome.fail(f"counters {levels} (available, held, sold) vs {recorded} sold in the record")


SCENARIOS = [
    Scenario(
        19,
        "power cut: Redis's last second lost",
        "counters rebuilt from the record before the next sale; no unit sold twice",
        power_cut_mid_sale,
        300,
    ),
]
