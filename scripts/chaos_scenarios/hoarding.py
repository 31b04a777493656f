"""Scenario 17: a hoarding bot against a 20-unit flash sale while real buyers try.

17. "hoarding bot": a flash sale of 20 units, 2 per buyer. A bot makes fresh
   guest identities (fresh cookie, `PUT /api/viewer`) from one address, and a
   few more from two other addresses, and every identity taps Buy now for 2
   the instant the sale is pinned, before any person reacts; then 200 real
   buyers (each from an address of its own, as a proxy in front names it)
   tap for 1. A flash sale's per-buyer limit
   also counts per address (`shop.per_address_limit_factor`, 3: at most 6
   units per address), so the bot gets at most 6 per address it has; the
   rest go to real buyers, who pay at once. The bot pays nothing: its holds
   end after `shop.flash_sale_hold_seconds` (not the 600 s of an ordinary
   hold), and real buyers who lost buy those units in a second wave.
   Figures: units the bot held, real buyers served at once and after.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Any

import aiohttp

from .harness import BUYER_DETAILS, Outcome, Run, Scenario, Stage, poll, stage, variant_levels
from .shop_races import KEEP_LIVE_SECONDS, crowd_address, error_code, go_live, open_show

UNITS = 20
PER_BUYER = 2
# shop.per_address_limit_factor's default: one address may take 3 buyers' worth of a sale.
ADDRESS_FACTOR = 3
BOT_ADDRESSES = ("203.0.113.66", "203.0.113.67", "203.0.113.68")
REFUSALS = frozenset({"sold_out", "out_of_stock", "per_buyer_limit", "hold_limit_reached"})
PAID_CARD = "4242424242424242"


@dataclass
class Guest:
    """A guest identity: its cookie and the address its requests come from."""

    cookie: str
    address: str

    def headers(self, base: str) -> dict[str, str]:
        """What its browser (behind the proxy) sends."""
        return {"Origin": base, "Cookie": self.cookie, "X-Forwarded-For": self.address}


async def _call(
    session: aiohttp.ClientSession,
    base: str,
    method: str,
    path: str,
    headers: dict[str, str],
    body: Any = None,
) -> tuple[int, Any, aiohttp.ClientResponse]:
    async with session.request(method, f"{base}{path}", json=body, headers=headers) as response:
        try:
            answer = await response.json(content_type=None)
        except ValueError:
            answer = None
        return response.status, answer, response


async def _new_guest(
    session: aiohttp.ClientSession, base: str, address: str, name: str
) -> Guest | None:
    """A fresh cookie that names itself; None when the server refuses one more identity."""
    headers = {"Origin": base, "X-Forwarded-For": address}
    status, _, response = await _call(
        session, base, "PUT", "/api/viewer", headers, {"display_name": name}
    )
    morsel = response.cookies.get("ls_viewer")
    if status != 200 or morsel is None:
        return None
    return Guest(f"ls_viewer={morsel.value}", address)


async def _pin(stage_: Stage, creator: Any) -> int:
    body = {
        "product_id": creator.product_ids[0],
        "flash_sale": {
            "sale_price_minor": 2900,
            "quantity": UNITS,
            "per_buyer_limit": PER_BUYER,
            "duration_seconds": 600,
        },
    }
    answer = await creator.actor.expect("POST", f"/api/shows/{creator.show_id}/pin", body, 201)
    pin_id: int = answer["pin"]["id"]
    return pin_id


async def _buy(
    session: aiohttp.ClientSession, base: str, show_id: str, guest: Guest, body: dict[str, Any]
) -> tuple[int, Any]:
    path = f"/api/shows/{show_id}/buy"
    status, answer, _ = await _call(
        session, base, "POST", path, guest.headers(base), {**body, "request_id": uuid.uuid4().hex}
    )
    return status, answer


async def _pay(
    session: aiohttp.ClientSession, base: str, guest: Guest, checkout: dict[str, Any]
) -> str:
    path = f"/api/checkouts/{checkout['id']}/order"
    status, placed, _ = await _call(session, base, "POST", path, guest.headers(base), BUYER_DETAILS)
    if status != 201:
        return f"order {status} {error_code(placed)}"
    confirm = f"/api/payments/dummy/{placed['payment']['payment_id']}/confirm"
    status, paid, _ = await _call(
        session, base, "POST", confirm, guest.headers(base), {"card_number": PAID_CARD}
    )
    return str(paid["order"]["status"]) if status == 200 else f"confirm {status}"


def _judge(results: list[tuple[int, Any]], outcome: Outcome, who: str) -> Counter[str]:
    """Every answer a hold or a clear refusal; the tally by answer."""
    seen = Counter[str]()
    for status, answer in results:
        code = "201" if status == 201 else f"{status} {error_code(answer)}"
        seen[code] += 1
        if status != 201 and (status != 409 or error_code(answer) not in REFUSALS):
            outcome.fail(f"{who}: {status} {str(answer)[:160]}")
    return seen


async def hoarding_bot(run: Run) -> Outcome:
    """A bot with fresh identities from 3 addresses and 200 real buyers race for 20 units."""
    outcome = Outcome(0, 0, "-")
    from_main = run.size(40, 12)  # identities from the bot's main address
    from_others = run.size(10, 4)  # and from each of its two others
    real_count = run.size(200, 60)
    flash_ttl = run.size(20, 5)
    async with (
        stage(
            payments__gateway="dummy",
            # Every client is named by the proxy in front (the bot's and the buyers' addresses).
            server__trusted_proxies='["127.0.0.1"]',
            shop__flash_sale_hold_seconds=str(flash_ttl),
            recording__enabled="false",
            shows__end_after_publisher_lost_seconds=KEEP_LIVE_SECONDS,
            log__level="WARNING",
        ) as live,
        aiohttp.ClientSession(
            cookie_jar=aiohttp.DummyCookieJar(),
            connector=aiohttp.TCPConnector(limit=0),
            timeout=aiohttp.ClientTimeout(total=60),
        ) as session,
    ):
        base = live.base
        creator = await open_show(base, [UNITS])
        try:
            await go_live(live, creator.show_id, creator.stream_key)
            counts = [from_main, from_others, from_others]
            made = await asyncio.gather(
                *(
                    _new_guest(session, base, address, f"Bot {n}")
                    for address, count in zip(BOT_ADDRESSES, counts, strict=True)
                    for n in range(count)
                )
            )
            bots = [guest for guest in made if guest is not None]
            reals = await asyncio.gather(
                *(
                    _new_guest(session, base, crowd_address(n), f"Buyer {n}")
                    for n in range(real_count)
                )
            )
            real = [guest for guest in reals if guest is not None]
            if len(real) != real_count:
                outcome.fail(f"{real_count - len(real)} real buyers could not become guests")
            pin_id = await _pin(live, creator)
            variant_id = creator.variant_ids[0]
            tap = {"variant_id": variant_id, "pin_id": pin_id}
            show_id = creator.show_id
            bot_tap = {**tap, "quantity": PER_BUYER}
            real_tap = {**tap, "quantity": 1}
            # The worst case: the bot watches for the pin and all its identities tap at
            # once, before any person has reacted; then the real buyers tap at once.
            bot_answers = await asyncio.gather(
                *(_buy(session, base, show_id, g, bot_tap) for g in bots)
            )
            held_at = time.monotonic()
            real_answers = await asyncio.gather(
                *(_buy(session, base, show_id, g, real_tap) for g in real)
            )
            outcome.iterations += len(bot_answers) + len(real_answers)
            bot_seen = _judge(bot_answers, outcome, "the bot")
            _judge(real_answers, outcome, "a real buyer")
            bot_units = Counter[str]()
            for guest, (status, _) in zip(bots, bot_answers, strict=True):
                if status == 201:
                    bot_units[guest.address] += PER_BUYER
            most = PER_BUYER * ADDRESS_FACTOR
            if any(units > most for units in bot_units.values()):
                outcome.fail(f"the bot passed {most} units at one address: {dict(bot_units)}")
            winners = [
                (guest, answer["checkout"])
                for guest, (status, answer) in zip(real, real_answers, strict=True)
                if status == 201
            ]
            paid = await asyncio.gather(*(_pay(session, base, g, c) for g, c in winners))
            if set(paid) - {"paid"}:
                outcome.fail(f"real buyers paying: {Counter(paid)}")
            held_by_bot = sum(bot_units.values())
            available, held, sold = await variant_levels(live, variant_id)
            if (available, held, sold) != (0, held_by_bot, len(winners)):
                outcome.fail(
                    f"after the race: available {available} held {held} sold {sold}; bot "
                    f"{held_by_bot}, {len(winners)} real buyers paid, {UNITS} units"
                )

            # The bot never pays: its holds end after the flash-sale hold, not 600 s.
            async def bot_holds_ended() -> bool:
                return (await variant_levels(live, variant_id))[1] == 0

            await poll(bot_holds_ended, flash_ttl + 30, "the bot's flash holds to end")
            ended_after = time.monotonic() - held_at
            if ended_after > flash_ttl + 5:
                outcome.fail(f"the bot's holds ended after {ended_after:.0f} s (ttl {flash_ttl})")
            served = {id(guest) for guest, _ in winners}
            losers = [guest for guest in real if id(guest) not in served]
            second = await asyncio.gather(
                *(_buy(session, base, show_id, g, real_tap) for g in losers)
            )
            outcome.iterations += len(second)
            _judge(second, outcome, "the second wave")
            late = [
                (guest, answer["checkout"])
                for guest, (status, answer) in zip(losers, second, strict=True)
                if status == 201
            ]
            paid_late = await asyncio.gather(*(_pay(session, base, g, c) for g, c in late))
            if set(paid_late) - {"paid"}:
                outcome.fail(f"the second wave paying: {Counter(paid_late)}")
            served_late = len(late)
            available, held, sold = await variant_levels(live, variant_id)
            if sold != len(winners) + served_late or available + held + sold != UNITS:
                outcome.fail(f"at the end: available {available} held {held} sold {sold}")
            if sold != UNITS:
                outcome.fail(f"{UNITS - sold} units never reached a real buyer")
        finally:
            await creator.actor.close()
    refused = ", ".join(f"{n} {code}" for code, n in bot_seen.items() if code != "201")
    outcome.figure = (
        f"bot: {len(bots)} fresh identities ({counts[0]} from one address, "
        f"{counts[1]} from each of 2 more), refused {refused}, "
        f"held {held_by_bot} of {UNITS} units ({', '.join(str(v) for v in bot_units.values())} "
        f"per address, never paid); {len(real)} real buyers: {len(winners)} served at once, "
        f"{served_late} more when the bot's holds ended after {ended_after:.0f} s "
        f"(flash hold {flash_ttl} s); {sold} of {UNITS} sold to real buyers"
    )
    return outcome


SCENARIOS = [
    Scenario(
        17,
        "hoarding bot",
        "fresh identities from 3 addresses vs 200 real buyers for a 20-unit, 2-per-buyer "
        "flash sale: the bot holds at most 6 per address, its unpaid holds end at the flash "
        "hold, every unit is sold to a real buyer",
        hoarding_bot,
        240.0,
    ),
]
