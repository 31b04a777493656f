"""Races in the shop: a flash sale's crowd, and payments that come after their hold expired.

1. **flash-sale race**: thousands of guest viewers press Buy now on a pinned
   flash sale (per-buyer limit 1) at the same instant, over HTTP, from a load
   generator process of their own (raw HTTP/1.1 on kept-alive connections, so
   the client costs little CPU on a two-core machine). Every answer must be a
   hold or a clear refusal; no unit may be sold twice; the stock counters in
   Redis and the orders in SQLite must agree while holds are paid, cancelled
   and left to expire, and when a second wave buys the units that came back.
2. **paid after the hold expired**: the Stripe gateway pointed at the local
   stand-in (tests/stripe_standin), short holds. Buyers place orders, their
   holds expire, others buy and pay for the units, and only then do the first
   payments succeed at "Stripe" (signed webhooks, some delivered twice, some
   racing the buyer's browser return). livesale's documented policy: a late
   payment takes the stock again if there is any, else it is refunded with
   `sold_out_before_payment`. Never a paid order without stock.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from .harness import (
    BUYER_DETAILS,
    ROOT,
    Actor,
    Outcome,
    Run,
    Scenario,
    Stage,
    poll,
    record_rows,
    stage,
    stripe_settings,
    variant_levels,
)

SALE_PRICE_MINOR = 2900
PAID_CARD = "4242424242424242"
REFUSALS = frozenset({"sold_out", "out_of_stock"})
WARM_CONCURRENCY = 100  # connections opened at once (the listen backlog is 128)
DOUBLE_TAP_SHARE = 0.1  # guests who tap Buy now twice (two request ids) at once
RETRY_SHARE = 0.05  # guests whose Buy is sent twice (one request id), as a retrying client does
# The show must be live to pin; a publisher that never comes back ends it after this.
KEEP_LIVE_SECONDS = "3600"


# --------------------------------------------------------------------------
# What both scenarios read from livesale's own state.


async def sale_levels(stage_: Stage, sale_id: str) -> tuple[int, int]:
    """held, sold of a flash sale, straight from livesale's Redis counters."""
    from livesale.storage.stock_keys import sale_key

    client = stage_.redis()
    try:
        # Any seller's: the sale id alone names one sale.
        keys = [key async for key in client.scan_iter(match=sale_key("*", sale_id))]
        values = [None, None]
        if keys:
            values = await client.hmget(keys[0], ["held", "sold"])
    finally:
        await client.aclose()
    held, sold = (int(v or 0) for v in values)
    return held, sold


async def sold_in_orders(stage_: Stage, variant_id: str) -> int:
    """Units of a variant in paid or fulfilled orders."""
    rows = await record_rows(
        stage_,
        "SELECT COALESCE(SUM(l.quantity), 0) FROM order_lines l JOIN orders o ON o.id = l.order_id"
        " WHERE l.variant_id = ? AND o.status IN ('paid', 'fulfilled')",
        (variant_id,),
    )
    return int(rows[0][0])


async def go_live(stage_: Stage, show_id: str, stream_key: str) -> None:
    """Make the show live with one real WHIP offer (pins need a live show).

    The peer connection is closed straight after the answer: the show stays
    live until its publisher has been gone `shows.end_after_publisher_lost_seconds`,
    and no video costs CPU the races need.
    """
    from aiortc import RTCConfiguration, RTCPeerConnection

    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    try:
        pc.addTransceiver("video", direction="sendonly")
        await pc.setLocalDescription(await pc.createOffer())
        headers = {"Content-Type": "application/sdp", "Authorization": f"Bearer {stream_key}"}
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                f"{stage_.base}/whip/{show_id}", data=pc.localDescription.sdp, headers=headers
            ) as response,
        ):
            if response.status != 201:
                raise RuntimeError(f"WHIP answered {response.status}: {await response.text()}")
    finally:
        await pc.close()


async def place_order(actor: Actor, checkout_id: str) -> tuple[int, Any]:
    """POST the checkout form: the order and its payment."""
    return await actor.call("POST", f"/api/checkouts/{checkout_id}/order", BUYER_DETAILS)


def error_code(answer: Any) -> str:
    """The code of livesale's one error shape, or a short description of what came."""
    try:
        return str(answer["error"]["code"])
    except (KeyError, TypeError):
        return repr(answer)[:80]


# --------------------------------------------------------------------------
# The load generator: its own process, one kept-alive connection per buyer.


@dataclass
class LoadConfig:
    """What the scenario hands the load-generator process (as JSON)."""

    host: str
    port: int
    origin: str
    path: str  # the Buy now route
    guests: int
    taps: list[tuple[int, str]]  # (guest, JSON body): a guest may tap more than once
    result_path: str
    # Per guest, the client address its proxy names (X-Forwarded-For); "" for none.
    addresses: list[str] = field(default_factory=list)


@dataclass
class LoadResult:
    """Every guest's cookie, every tap's answer, and when each tap was sent and answered."""

    cookies: list[str]  # per guest, "ls_viewer=..." ("" when it never became a guest)
    guest_problems: list[str]
    statuses: list[int]  # per tap; -1: no HTTP answer
    bodies: list[str]
    starts: list[float]
    ends: list[float]
    go: float
    wall_seconds: float


def _request(
    method: str, config: LoadConfig, path: str, headers: dict[str, str], body: str
) -> bytes:
    """The bytes of one HTTP/1.1 request, built before the race starts."""
    data = body.encode()
    lines = [f"{method} {path} HTTP/1.1", f"Host: {config.host}:{config.port}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    lines.append(f"Content-Length: {len(data)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + data


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> tuple[int, bytes, bytes]:
    """Send one request on a kept-alive connection; status, head and body."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = None
    for line in head.split(b"\r\n")[1:]:
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    if length is None:
        raise ValueError(f"an answer without Content-Length: {head[:200]!r}")
    return status, head, (await reader.readexactly(length) if length else b"")


def _viewer_cookie(head: bytes) -> str:
    for line in head.split(b"\r\n"):
        if line[:11].lower() == b"set-cookie:" and b"ls_viewer=" in line:
            return line[11:].strip().split(b";", 1)[0].decode()
    return ""


async def run_load(config: LoadConfig) -> None:  # noqa: C901 - one burst: warm, wait, tap, read, in order
    """A connection per tap, a guest per buyer; say `ready`, wait for `go`, tap all at once."""
    count = len(config.taps)
    gate = asyncio.Semaphore(WARM_CONCURRENCY)
    streams: list[tuple[asyncio.StreamReader, asyncio.StreamWriter] | None] = [None] * count
    cookies = [""] * config.guests
    guest_problems: list[str] = []
    json_headers = {"Origin": config.origin, "Content-Type": "application/json"}
    first_tap: dict[int, int] = {}
    for index, (guest, _body) in enumerate(config.taps):
        first_tap.setdefault(guest, index)

    def as_guest(guest: int, headers: dict[str, str]) -> dict[str, str]:
        address = config.addresses[guest] if config.addresses else ""
        return {**headers, "X-Forwarded-For": address} if address else headers

    async def connect(index: int) -> None:
        guest = config.taps[index][0]
        becomes_guest = first_tap[guest] == index
        if becomes_guest:
            body = json.dumps({"display_name": f"B{guest}"})
            request = _request("PUT", config, "/api/viewer", as_guest(guest, json_headers), body)
        else:
            request = _request("GET", config, "/healthz", {}, "")
        async with gate:
            for attempt in range(5):
                try:
                    reader, writer = await asyncio.open_connection(config.host, config.port)
                    status, head, answer = await _exchange(reader, writer, request)
                except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                    if attempt == 4:
                        guest_problems.append(f"tap {index}: no connection: {exc!r}")
                    continue
                cookie = _viewer_cookie(head)
                if status != 200 or (becomes_guest and not cookie):
                    guest_problems.append(f"tap {index}: {status} {answer[:120]!r}")
                    writer.close()
                    return
                streams[index] = (reader, writer)
                if becomes_guest:
                    cookies[guest] = cookie
                return

    await asyncio.gather(*(connect(i) for i in range(count)))
    requests = []
    for guest, body in config.taps:
        headers = as_guest(guest, {**json_headers, "Cookie": cookies[guest]})
        requests.append(_request("POST", config, config.path, headers, body))
    statuses = [0] * count
    bodies = [""] * count
    starts = [0.0] * count
    ends = [0.0] * count
    print(f"ready {sum(1 for c in cookies if c)}", flush=True)
    loop = asyncio.get_running_loop()
    if (await loop.run_in_executor(None, sys.stdin.readline)).strip() != "go":
        raise SystemExit("load generator: expected 'go'")
    perf = time.perf_counter

    async def tap(index: int) -> None:
        starts[index] = perf()
        stream = streams[index]
        try:
            if stream is None or not cookies[config.taps[index][0]]:
                raise ConnectionError("this tap has no connection or no guest")
            statuses[index], _head, raw = await _exchange(*stream, requests[index])
            bodies[index] = raw.decode(errors="replace")
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            statuses[index], bodies[index] = -1, repr(exc)
        ends[index] = perf()

    go = perf()
    await asyncio.gather(*(tap(i) for i in range(count)))
    result = LoadResult(cookies, guest_problems, statuses, bodies, starts, ends, go, perf() - go)
    Path(config.result_path).write_text(json.dumps(asdict(result)))
    for stream in streams:
        if stream is not None:
            stream[1].close()
    print("done", flush=True)


async def race(
    stage_: Stage,
    run: Run,
    show_id: str,
    guests: int,
    taps: list[tuple[int, str]],
    addresses: list[str] | None = None,
) -> LoadResult:
    """Start the load generator, let every buyer become a guest, then all tap at once."""
    result_path = run.workdir / f"race-{uuid.uuid4().hex[:8]}.json"
    config_path = result_path.with_suffix(".config.json")
    config = LoadConfig(
        "127.0.0.1",
        stage_.port,
        stage_.base,
        f"/api/shows/{show_id}/buy",
        guests,
        taps,
        str(result_path),
        addresses or [],
    )
    config_path.write_text(json.dumps(asdict(config)))
    # Run as a module of this package (whatever its name: `chaos_scenarios` from
    # scripts/chaos.py, `scripts.chaos_scenarios` under pytest).
    path = os.pathsep.join([str(ROOT), str(ROOT / "scripts"), os.environ.get("PYTHONPATH", "")])
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", __name__, "--load-generator", str(config_path)),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": path},
    )
    assert process.stdin is not None
    assert process.stdout is not None
    try:
        timeout = max(run.seconds_left(), 30.0)
        ready = (await asyncio.wait_for(process.stdout.readline(), timeout)).decode().split()
        if not ready or ready[0] != "ready":
            raise RuntimeError(f"the load generator did not get ready: {ready}")
        process.stdin.write(b"go\n")
        await process.stdin.drain()
        done = (await asyncio.wait_for(process.stdout.readline(), timeout)).decode().strip()
        if done != "done":
            raise RuntimeError(f"the load generator ended with {done!r}")
        await process.wait()
        return LoadResult(**json.loads(result_path.read_text()))
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


# --------------------------------------------------------------------------
# 1. The flash-sale race.


@dataclass
class Creator:
    """The seller: signed in, with a show and its products."""

    actor: Actor
    show_id: str
    stream_key: str
    variant_ids: list[str]
    product_ids: list[str]


async def open_show(base: str, stocks: list[int]) -> Creator:
    """A creator with one product (one variant) per stock figure, all in one show."""
    actor = Actor(base)
    await actor.sign_up()
    product_ids, variant_ids = [], []
    for number, stock in enumerate(stocks):
        body = {
            "title": f"Chaos sneaker {number}",
            "description": "One size, limited run.",
            "variants": [
                {
                    "sku": f"CHAOS-{uuid.uuid4().hex[:8]}",
                    "name": "One size",
                    "price_minor": 4900,
                    "currency": "EUR",
                    "stock": stock,
                }
            ],
        }
        product = (await actor.expect("POST", "/api/products", body, 201))["product"]
        product_ids.append(product["id"])
        variant_ids.append(product["variants"][0]["id"])
    show = await actor.expect(
        "POST", "/api/shows", {"title": "Chaos show", "product_ids": product_ids}, 201
    )
    return Creator(actor, show["show"]["id"], show["stream_key"], variant_ids, product_ids)


async def pin_flash_sale(creator: Creator, units: int) -> int:
    """Pin the first product as a flash sale of `units`, one per buyer; the pin's id."""
    body = {
        "product_id": creator.product_ids[0],
        "flash_sale": {
            "sale_price_minor": SALE_PRICE_MINOR,
            "quantity": units,
            "per_buyer_limit": 1,
            "duration_seconds": 3600,
        },
    }
    answer = await creator.actor.expect("POST", f"/api/shows/{creator.show_id}/pin", body, 201)
    pin_id: int = answer["pin"]["id"]
    return pin_id


@dataclass
class Winner:
    """A buyer whose Buy now took a hold."""

    cookie: str
    checkout: dict[str, Any]
    address: str = ""  # the client address its proxy names, if any


class CookieBuyer:
    """A guest known by its cookie: JSON calls with the same-origin header."""

    def __init__(
        self, session: aiohttp.ClientSession, base: str, cookie: str, address: str = ""
    ) -> None:
        self.session, self.base, self.cookie, self.address = session, base, cookie, address

    async def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """One request as this buyer; the status and the JSON answer."""
        headers = {"Origin": self.base, "Cookie": self.cookie}
        if self.address:
            headers["X-Forwarded-For"] = self.address
        async with self.session.request(
            method, f"{self.base}{path}", json=body, headers=headers
        ) as response:
            text = await response.text()
            try:
                return response.status, json.loads(text) if text else None
            except ValueError:
                return response.status, text[:200]


def crowd_address(guest: int) -> str:
    """A crowd's guest's own address (as the proxy in front names it): many people, many
    addresses, so no per-address limit meets a crowd."""
    return f"198.18.{guest // 250 % 250}.{guest % 250 + 1}"


def buy_body(variant_id: str, pin_id: int) -> str:
    """Buy now of one unit, naming the pin on screen (its flash sale applies at once)."""
    return json.dumps(
        {"variant_id": variant_id, "quantity": 1, "request_id": uuid.uuid4().hex, "pin_id": pin_id}
    )


def judge_answers(
    statuses: Sequence[int], bodies: Sequence[str], outcome: Outcome, what: str
) -> tuple[list[int], Counter[str]]:
    """Indices of the holds; every other answer must be a clear refusal (else a failure)."""
    held, answers = [], Counter[str]()
    for index, (status, raw) in enumerate(zip(statuses, bodies, strict=True)):
        try:
            body = json.loads(raw)
        except ValueError:
            body = raw
        if status == 201:
            held.append(index)
            answers["201"] += 1
            continue
        code = error_code(body)
        answers[f"{status} {code}"] += 1
        if status != 409 or code not in REFUSALS:
            outcome.fail(f"{what}: buyer {index} got {status} {str(body)[:160]}")
    return held, answers


def plan_taps(run: Run, guests: int, variant_id: str, pin_id: int) -> list[tuple[int, str]]:
    """Every guest taps Buy now once; some twice (a new request id), some resend theirs."""
    taps: list[tuple[int, str]] = []
    for guest in range(guests):
        body = buy_body(variant_id, pin_id)
        taps.append((guest, body))
        roll = run.random.random()
        if roll < DOUBLE_TAP_SHARE:
            taps.append((guest, buy_body(variant_id, pin_id)))
        elif roll < DOUBLE_TAP_SHARE + RETRY_SHARE:
            taps.append((guest, body))
    run.random.shuffle(taps)
    return taps


def judge_race(
    result: LoadResult, taps: list[tuple[int, str]], outcome: Outcome
) -> tuple[dict[int, dict[str, Any]], Counter[str]]:
    """Each guest's one checkout, if it got one; every other answer must be a clear refusal."""
    answers = Counter[str]()
    by_guest: dict[int, list[tuple[str, int, Any]]] = {}
    for index, (guest, body) in enumerate(taps):
        raw = result.bodies[index]
        try:
            answer: Any = json.loads(raw)
        except ValueError:
            answer = raw
        status = result.statuses[index]
        answers["201" if status == 201 else f"{status} {error_code(answer)}"] += 1
        by_guest.setdefault(guest, []).append((json.loads(body)["request_id"], status, answer))
    winners: dict[int, dict[str, Any]] = {}
    for guest, tapped in by_guest.items():
        held = {rid: answer["checkout"] for rid, status, answer in tapped if status == 201}
        if len({checkout["id"] for checkout in held.values()}) > 1:
            outcome.fail(f"guest {guest} holds twice under a per-buyer limit of 1: {held}")
        for rid, status, answer in tapped:
            if status == 201:
                continue
            code = error_code(answer)
            # The limit is the answer to a second purchase of a guest who holds one.
            limited = code == "per_buyer_limit" and bool(held) and rid not in held
            if status != 409 or not (code in REFUSALS or limited):
                outcome.fail(f"guest {guest}: a tap got {status} {str(answer)[:160]}")
            elif rid in held:
                outcome.fail(f"guest {guest}: one request id both held and refused ({code})")
        if held:
            winners[guest] = next(iter(held.values()))
    return winners, answers


async def pay(buyer: CookieBuyer, checkout: dict[str, Any]) -> tuple[str, str]:
    """Place the order and pay with the dummy test card; ("paid", order id) or what went wrong."""
    status, placed = await buyer.call(
        "POST", f"/api/checkouts/{checkout['id']}/order", BUYER_DETAILS
    )
    if status != 201:
        return f"order {status} {error_code(placed)}", ""
    payment_id = placed["payment"]["payment_id"]
    body = {"card_number": PAID_CARD}
    status, paid = await buyer.call("POST", f"/api/payments/dummy/{payment_id}/confirm", body)
    if status != 200:
        return f"confirm {status} {error_code(paid)}", placed["order"]["id"]
    return str(paid["order"]["status"]), placed["order"]["id"]


async def flash_sale_race(run: Run) -> Outcome:
    """5,000 guests race for 50 units of a pinned flash sale; pay, cancel, expire, buy again."""
    buyers = run.size(5000, 300)
    units = run.size(50, 20)
    hold_seconds = run.size(60, 15)
    outcome = Outcome(0, 0, "-")
    async with stage(
        payments__gateway="dummy",
        # Each buyer comes from an address of its own, named by the proxy in front.
        server__trusted_proxies='["127.0.0.1"]',
        shop__hold_seconds=str(hold_seconds),
        shop__flash_sale_hold_seconds=str(hold_seconds),
        recording__enabled="false",
        shows__end_after_publisher_lost_seconds=KEEP_LIVE_SECONDS,
        log__level="WARNING",
    ) as live:
        creator = await open_show(live.base, [units])
        variant_id = creator.variant_ids[0]
        try:
            await go_live(live, creator.show_id, creator.stream_key)
            pin_id = await pin_flash_sale(creator, units)
            taps = plan_taps(run, buyers, variant_id, pin_id)
            addresses = [crowd_address(guest) for guest in range(buyers)]
            result = await race(live, run, creator.show_id, buyers, taps, addresses)
            for problem in result.guest_problems:
                outcome.fail(f"connecting and becoming a guest: {problem}")
            outcome.iterations += len(taps)
            held, answers = judge_race(result, taps, outcome)
            ends = [result.ends[i] for i, status in enumerate(result.statuses) if status == 201]
            sold_out_after = max(ends, default=result.go) - result.go
            oversold = max(0, len(held) - units)
            winners = [
                Winner(result.cookies[guest], checkout, addresses[guest])
                for guest, checkout in held.items()
            ]
            sale_id = await check_race(live, run, winners, units, variant_id, outcome)
            answered = max(result.ends, default=result.go) - result.go
            outcome.figure = (
                f"{oversold} oversold of {units}; {buyers:,} buyers ({len(taps):,} taps) "
                f"answered in {answered:.1f} s, the last unit held after {sold_out_after:.1f} s"
            )
            if len(held) != units:
                outcome.fail(
                    f"{len(held)} holds for {units} units among {buyers} buyers: {dict(answers)}"
                )
            losers = [
                (c, addresses[guest])
                for guest, c in enumerate(result.cookies)
                if guest not in held and c
            ]
            async with aiohttp.ClientSession(
                cookie_jar=aiohttp.DummyCookieJar(),
                timeout=aiohttp.ClientTimeout(total=60),
            ) as session:
                paid = await settle_holds(
                    live, session, winners, units, variant_id, sale_id, outcome
                )
                paid += await second_wave(
                    live, run, session, losers, units - paid, creator, pin_id, sale_id, outcome
                )
            await check_sold(live, variant_id, sale_id, units, paid, outcome)
            outcome.figure += f"; {paid} paid of {units}"
        finally:
            await creator.actor.close()
    return outcome


async def check_race(
    live: Stage, run: Run, winners: list[Winner], units: int, variant_id: str, outcome: Outcome
) -> str:
    """The holds against the counters: as many held as answered 201, at the sale price."""
    sale_ids = {w.checkout["lines"][0].get("sale_id") for w in winners}
    for winner in winners:
        line = winner.checkout["lines"][0]
        if (line["unit_price_minor"], line["flash_sale"]) != (SALE_PRICE_MINOR, True):
            outcome.fail(f"a hold not at the flash price: {line}")
    if len({w.checkout["id"] for w in winners}) != len(winners):
        outcome.fail("two winners share a checkout")
    if len(sale_ids) != 1 or None in sale_ids:
        outcome.fail(f"the holds name {sale_ids} as their flash sale")
    sale_id = str(next(iter(sale_ids)))
    available, held, sold = await variant_levels(live, variant_id)
    sale_held, sale_sold = await sale_levels(live, sale_id)
    if available + held + sold != units or (held, sold) != (len(winners), 0):
        outcome.fail(
            f"after the race: available {available} + held {held} + sold {sold}, "
            f"{len(winners)} holds answered, {units} units"
        )
    if (sale_held, sale_sold) != (held, sold):
        outcome.fail(
            f"the sale counts held {sale_held} sold {sale_sold}, the variant {held}/{sold}"
        )
    return sale_id


async def settle_holds(
    live: Stage,
    session: aiohttp.ClientSession,
    winners: list[Winner],
    units: int,
    variant_id: str,
    sale_id: str,
    outcome: Outcome,
) -> int:
    """Pay half the holds, cancel a quarter, let the rest expire; units paid."""
    to_pay = winners[: len(winners) // 2]
    to_cancel = winners[len(to_pay) : len(to_pay) + len(winners) // 4]
    to_expire = winners[len(to_pay) + len(to_cancel) :]
    buyers = {
        w.checkout["id"]: CookieBuyer(session, live.base, w.cookie, w.address) for w in winners
    }
    results = await asyncio.gather(*(pay(buyers[w.checkout["id"]], w.checkout) for w in to_pay))
    paid = 0
    for winner, (status, _order_id) in zip(to_pay, results, strict=True):
        if status == "paid":
            paid += 1
        elif time.time() < winner.checkout["expires_at"]:
            outcome.fail(f"paying a live hold: {status}")
    for winner in to_cancel:
        code, body = await buyers[winner.checkout["id"]].call(
            "DELETE", f"/api/checkouts/{winner.checkout['id']}"
        )
        if code not in (200, 204):
            outcome.fail(f"cancelling a checkout: {code} {body}")
    in_orders = await sold_in_orders(live, variant_id)
    available, held, sold = await variant_levels(live, variant_id)
    if (held, sold, in_orders) != (len(to_expire), paid, paid) or available + held + sold != units:
        outcome.fail(
            f"after paying {paid} and cancelling {len(to_cancel)}: available {available} held "
            f"{held} sold {sold}, {in_orders} units in paid orders"
        )

    async def expired() -> bool:
        return (await variant_levels(live, variant_id))[1] == 0

    last_deadline = max((w.checkout["expires_at"] for w in to_expire), default=time.time())
    await poll(expired, max(last_deadline - time.time(), 0) + 30, "the unpaid holds to expire")
    available, held, sold = await variant_levels(live, variant_id)
    sale_held, sale_sold = await sale_levels(live, sale_id)
    if (available, held, sold) != (units - paid, 0, paid) or (sale_held, sale_sold) != (0, paid):
        outcome.fail(
            f"after the holds expired: available {available} held {held} sold {sold} "
            f"(sale {sale_held}/{sale_sold}), {paid} paid of {units}"
        )
    for winner in to_expire[:3]:
        # A hold that ran out cannot be ordered any more.
        code, body = await buyers[winner.checkout["id"]].call(
            "POST", f"/api/checkouts/{winner.checkout['id']}/order", BUYER_DETAILS
        )
        if (code, error_code(body)) != (409, "checkout_expired"):
            outcome.fail(f"ordering an expired hold: {code} {body}")
    return paid


async def second_wave(
    live: Stage,
    run: Run,
    session: aiohttp.ClientSession,
    losers: list[tuple[str, str]],
    freed: int,
    creator: Creator,
    pin_id: int,
    sale_id: str,
    outcome: Outcome,
) -> int:
    """Buyers who lost race again for the units that came back, and pay; units paid."""
    variant_id = creator.variant_ids[0]
    contenders = run.random.sample(losers, min(len(losers), max(4 * freed, 20)))
    buyers = [CookieBuyer(session, live.base, cookie, address) for cookie, address in contenders]
    path = f"/api/shows/{creator.show_id}/buy"
    results = await asyncio.gather(
        *(b.call("POST", path, json.loads(buy_body(variant_id, pin_id))) for b in buyers)
    )
    outcome.iterations += len(buyers)
    statuses = [status for status, _ in results]
    bodies = [json.dumps(body) for _, body in results]
    held, seen = judge_answers(statuses, bodies, outcome, "second wave")
    if len(held) != min(freed, len(buyers)):
        outcome.fail(f"second wave: {len(held)} holds for {freed} units back: {dict(seen)}")
    settled = await asyncio.gather(*(pay(buyers[i], results[i][1]["checkout"]) for i in held))
    for status, _order_id in settled:
        if status != "paid":
            outcome.fail(f"second wave: paying a live hold: {status}")
    return sum(1 for status, _ in settled if status == "paid")


async def check_sold(
    live: Stage, variant_id: str, sale_id: str, units: int, paid: int, outcome: Outcome
) -> None:
    """The end: every unit paid once, counters and orders agree, nothing held."""
    in_orders = await sold_in_orders(live, variant_id)
    paid_orders = await record_rows(
        live,
        "SELECT COUNT(*) FROM orders o JOIN order_lines l ON l.order_id = o.id"
        " WHERE l.variant_id = ? AND o.status = 'paid'",
        (variant_id,),
    )
    levels = await variant_levels(live, variant_id)
    sale = await sale_levels(live, sale_id)
    if in_orders > units or paid_orders[0][0] > units:
        outcome.fail(f"{in_orders} units in {paid_orders[0][0]} paid orders of {units} units")
    if levels != (units - paid, 0, paid) or sale != (0, paid) or in_orders != paid:
        outcome.fail(
            f"at the end: (available, held, sold) {levels}, sale (held, sold) {sale}, "
            f"{in_orders} units in paid orders, {paid} payments answered paid, {units} units"
        )


# --------------------------------------------------------------------------
# 2. Paid after the hold expired.

LATE_HOLD_SECONDS = 3
# How a late payment reaches livesale: its webhook once, twice at the same time
# (Stripe retries), or at the same time as the buyer's browser coming back.
DELIVERIES = ("webhook", "webhook twice", "webhook and browser return")


@dataclass
class PlacedOrder:
    """A guest's order waiting for its Stripe payment."""

    buyer: Actor
    order_id: str
    payment_id: str
    total_minor: int
    expires_at: float  # when its hold runs out (epoch seconds)


@dataclass
class LateTally:
    """What became of the late payments, over every round."""

    late: int = 0
    refunded: int = 0
    retook: int = 0  # paid from units nobody else had bought
    paid_without_stock: int = 0
    actors: list[Actor] = field(default_factory=list)
    orders: dict[str, str] = field(default_factory=dict)  # order id -> status at the end


async def order_one(
    live: Stage,
    show_id: str,
    variant_id: str,
    tally: LateTally,
    outcome: Outcome,
    what: str,
    refusable: bool = False,
) -> PlacedOrder | None:
    """A new guest buys one unit and places the order (its PaymentIntent is created).

    None when Buy now was refused; a failure unless `refusable` and out of stock.
    """
    buyer = Actor(live.base)
    tally.actors.append(buyer)
    await buyer.become_guest(what.capitalize())
    body = {"variant_id": variant_id, "quantity": 1, "request_id": uuid.uuid4().hex}
    status, bought = await buyer.call("POST", f"/api/shows/{show_id}/buy", body)
    if status != 201:
        if not (refusable and (status, error_code(bought)) == (409, "out_of_stock")):
            outcome.fail(f"{what} buyer: Buy now answered {status} {bought}")
        return None
    checkout = bought["checkout"]
    status, placed = await place_order(buyer, checkout["id"])
    if status != 201 or placed["payment"]["gateway"] != "stripe":
        outcome.fail(f"{what} buyer: placing the order answered {status} {placed}")
        return None
    order = placed["order"]
    return PlacedOrder(
        buyer,
        order["id"],
        placed["payment"]["payment_id"],
        order["total_minor"],
        float(checkout["expires_at"]),
    )


async def order_story(live: Stage, order_id: str) -> str:
    """An order's row, status history and applied payment events, for a problem report."""
    row = await record_rows(
        live, "SELECT status, status_reason, payment_id FROM orders WHERE id = ?", (order_id,)
    )
    history = await record_rows(
        live,
        "SELECT from_status, to_status, reason FROM order_history WHERE order_id = ? ORDER BY id",
        (order_id,),
    )
    events = await record_rows(
        live, "SELECT event_id, type FROM payment_events WHERE order_id = ?", (order_id,)
    )
    return f"order {order_id}: {row}; history {history}; events {events}"


async def order_status(order: PlacedOrder) -> tuple[str, str | None]:
    """The order's status and reason, as its buyer sees them."""
    answer = await order.buyer.expect("GET", f"/api/orders/{order.order_id}", None, 200)
    return str(answer["order"]["status"]), answer["order"]["status_reason"]


async def pay_in_time(
    live: Stage, standin: Any, order: PlacedOrder, outcome: Outcome, what: str
) -> bool:
    """Pay at Stripe, deliver the webhook: paid if the hold still ran; whether it is paid."""
    sent_at = time.time()
    event = await standin.succeed(order.payment_id)
    deliveries = await standin.deliver(event["id"])
    status = await order_status(order)
    # On a loaded machine the hold may run out first: then it is a late payment too.
    in_time = sent_at < order.expires_at
    late_outcome = status == ("refunded", "sold_out_before_payment")
    if [d.status for d in deliveries] != [200] or not (
        status[0] == "paid" or (late_outcome and not in_time)
    ):
        story = await order_story(live, order.order_id)
        answers = [(d.status, d.body) for d in deliveries]
        outcome.fail(f"{what}: paying in time: {answers} -> {status}; {story}")
    return status[0] == "paid"


async def late_round(
    live: Stage,
    standin: Any,
    creator: Creator,
    index: int,
    units: int,
    free: int,
    run: Run,
    tally: LateTally,
    outcome: Outcome,
) -> None:
    """`units` buyers order and let their holds expire; others buy all but `free`; then the
    first ones pay, late, while a newcomer tries to buy what is left."""
    show_id, variant_id = creator.show_id, creator.variant_ids[index]
    where = f"round {index}"
    placed = await asyncio.gather(
        *(order_one(live, show_id, variant_id, tally, outcome, "late") for _ in range(units))
    )
    late = [order for order in placed if order is not None]

    async def expired() -> bool:
        return (await variant_levels(live, variant_id)) == (units, 0, 0)

    await poll(expired, LATE_HOLD_SECONDS + 30, f"{where}: the holds to expire")
    for order in late:
        if (await order_status(order))[0] != "pending_payment":
            outcome.fail(f"{where}: an unpaid order moved on: {await order_status(order)}")

    others = await asyncio.gather(
        *(
            order_one(live, show_id, variant_id, tally, outcome, "other")
            for _ in range(units - free)
        )
    )
    paid_others = 0
    for other in others:
        if other is not None:
            paid_others += await pay_in_time(live, standin, other, outcome, where)

    async def pay_late(order: PlacedOrder, how: str) -> None:
        event = await standin.succeed(order.payment_id)
        calls: list[Any] = [standin.deliver(event["id"])]
        if how == "webhook twice":
            calls.append(standin.deliver(event["id"]))
        elif how == "webhook and browser return":
            calls.append(order.buyer.call("POST", f"/api/orders/{order.order_id}/refresh"))
        for answer in await asyncio.gather(*calls):
            status = answer[0].status if isinstance(answer, list) else answer[0]
            if status != 200:
                outcome.fail(f"{where}: late payment ({how}) answered {answer}")

    async def newcomer() -> int:
        # Someone new taps Buy now for the units left just as the late payments land.
        order = await order_one(
            live, show_id, variant_id, tally, outcome, "newcomer", refusable=True
        )
        return 0 if order is None else int(await pay_in_time(live, standin, order, outcome, where))

    arriving = asyncio.create_task(newcomer())
    await asyncio.gather(*(pay_late(order, run.random.choice(DELIVERIES)) for order in late))
    paid_newcomers = await arriving
    tally.late += len(late)
    outcome.iterations += len(late)
    retook = await check_late_orders(live, standin, where, late, tally, outcome)
    in_orders = await sold_in_orders(live, variant_id)
    available, held, sold = await variant_levels(live, variant_id)
    tally.paid_without_stock += max(0, in_orders - units)
    accounted = paid_others + retook + paid_newcomers
    # The late buyers wanted every unit left: none stays unsold unless a payment of
    # someone else came after its own hold (only on a very loaded machine).
    all_in_time = paid_others == units - free
    if (
        held != 0
        or available + sold != units
        or sold != in_orders
        or in_orders != accounted
        or in_orders > units
        or (all_in_time and available != 0)
    ):
        outcome.fail(
            f"{where}: counters (available, held, sold) {(available, held, sold)}; "
            f"{in_orders} units in paid orders of {units}: {paid_others} paid in time, "
            f"{retook} late payments took the {free} left, {paid_newcomers} newcomer"
        )


async def check_late_orders(
    live: Stage,
    standin: Any,
    where: str,
    late: list[PlacedOrder],
    tally: LateTally,
    outcome: Outcome,
) -> int:
    """Each late order paid from units left over, or refunded once, in full; how many paid."""
    retook = 0
    for order in late:
        status, reason = await order_status(order)
        tally.orders[order.order_id] = status
        refunds = [r for r in standin.refunds.values() if r["payment_intent"] == order.payment_id]
        if status == "refunded" and reason == "sold_out_before_payment":
            tally.refunded += 1
            if [r["amount"] for r in refunds] != [order.total_minor]:
                outcome.fail(f"{where}: refunded order {order.order_id}: refunds {refunds}")
            # Never counted as paid on the way: no unit was sold to it, even for a moment.
            history = await record_rows(
                live,
                "SELECT to_status FROM order_history WHERE order_id = ? ORDER BY id",
                (order.order_id,),
            )
            if [row[0] for row in history] != ["pending_payment", "refunded"]:
                outcome.fail(f"{where}: refunded order's history {history}")
        elif status == "paid":
            retook += 1
            if refunds:
                outcome.fail(f"{where}: paid order {order.order_id} refunded too: {refunds}")
        else:
            outcome.fail(f"{where}: late order {order.order_id} ended {status} ({reason})")
    tally.retook += retook
    return retook


async def paid_after_expiry(run: Run) -> Outcome:
    """Late Stripe payments for units sold to others meanwhile: refunded, never paid twice."""
    from livesale.web.order_routes import WEBHOOK_PATH
    from tests.stripe_standin.server import StripeStandin

    rounds = run.size(24, 2)
    units = run.size(5, 3)
    outcome = Outcome(0, 0, "-")
    tally = LateTally()
    async with (
        StripeStandin(auto_deliver=False) as standin,
        stage(
            **stripe_settings(standin),
            payments__stripe_publishable_key="pk_test_livesale",
            payments__stripe_max_network_retries="0",
            shop__hold_seconds=str(LATE_HOLD_SECONDS),
            # Two shop processes: a webhook and the buyer's return may land on either,
            # so only the order lock in Redis keeps them apart.
            server__shop_processes="2",
            recording__enabled="false",
            log__level="WARNING",
        ) as live,
    ):
        standin.webhook_url = f"{live.base}{WEBHOOK_PATH}"
        creator = await open_show(live.base, [units] * rounds)
        try:
            # Every other round leaves one unit unsold: a late payment may take it.
            await asyncio.gather(
                *(
                    late_round(live, standin, creator, n, units, n % 2, run, tally, outcome)
                    for n in range(rounds)
                )
            )
            await check_after_stripe_events(live, standin, tally, outcome)
        finally:
            await asyncio.gather(creator.actor.close(), *(a.close() for a in tally.actors))
    outcome.figure = (
        f"{tally.late} late payments: {tally.refunded} refunded, {tally.retook} took unsold "
        f"units, {tally.paid_without_stock} paid without stock"
    )
    return outcome


async def check_after_stripe_events(
    live: Stage, standin: Any, tally: LateTally, outcome: Outcome
) -> None:
    """Stripe's own later events (refunds made, intents created) arrive and change nothing."""
    for event in standin.undelivered:
        for delivery in await standin.deliver(event["id"]):
            if delivery.status != 200:
                outcome.fail(f"{event['type']} delivered later: {delivery.status} {delivery.body}")
    ids = list(tally.orders)
    rows = await record_rows(
        live,
        f"SELECT id, status FROM orders WHERE id IN ({','.join('?' * len(ids))})",
        ids,
    )
    changed = {order_id: status for order_id, status in rows if tally.orders[order_id] != status}
    if changed:
        outcome.fail(f"Stripe's later events changed settled orders: {changed}")


SCENARIOS = [
    Scenario(
        1,
        "flash-sale race",
        "0 oversold; every buyer a hold or sold_out/out_of_stock; counters match orders",
        flash_sale_race,
        300,
    ),
    Scenario(
        2,
        "paid after the hold expired",
        "late payment with its units sold: refunded in full, once; 0 paid without stock",
        paid_after_expiry,
        240,
    ),
]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="the flash-sale race's load generator")
    parser.add_argument("--load-generator", required=True, help="its JSON configuration")
    arguments = parser.parse_args()
    loaded = LoadConfig(**json.loads(Path(arguments.load_generator).read_text()))
    asyncio.run(run_load(loaded))
