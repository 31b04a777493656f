"""One seller's stock in Redis: holds, commits, releases, expiries, all under the seller's tag.

Every change is one Lua script, so no interleaving can oversell; every key a
script touches carries the seller's hash tag (see stock_keys.py), so each
script touches one Redis Cluster slot.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from redis.asyncio import Redis

from livesale.domain.stock import (
    Hold,
    HoldCaps,
    HoldOutcome,
    HoldState,
    SaleLevels,
    SaleLimits,
    StockLevels,
    below_reserved,
    hold_expired,
    hold_from_fields,
    hold_mismatch,
    hold_not_found,
    person_refusal,
    refusal,
    same_request,
    validate_hold_request,
    validate_id,
    validate_total,
)
from livesale.storage.redis_commands import run_replicated
from livesale.storage.stock_guard import RUN_GUARD_LUA, CountersUnchecked
from livesale.storage.stock_keys import (
    SELLERS_KEY,
    expiries_key,
    give_back_keys,
    held_by_key,
    hold_key,
    sale_addresses_key,
    sale_buyers_key,
    sale_card_key,
    sale_key,
    sale_windows_key,
    show_ended_key,
    variant_key,
)
from livesale.storage.stock_scripts import (
    CARD_LUA,
    COMMIT_LUA,
    ENSURE_LUA,
    HOLD_LUA,
    INIT_LUA,
    RELEASE_LUA,
    RESTOCK_LUA,
    SWEEP_LUA,
)

# A flash sale's purchases per card are kept this long (replays sell under the live sale's id).
CARD_RETENTION_SECONDS = 30 * 86_400
# Finished holds are kept this long so that a late retry is still a replay.
DEFAULT_RETENTION_SECONDS = 24 * 3600
# A show's end marker only has to outlive every process's cached "live"
# (half a second); a day leaves room for clocks and slow processes.
SHOW_ENDED_MARKER_SECONDS = 24 * 3600
SWEEP_BATCH = 1000

_HOLD_FIELDS = ("variant", "buyer", "sale", "addr")


def wall_clock_ms() -> int:
    """Milliseconds since the epoch."""
    return time.time_ns() // 1_000_000


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _fields(flat: Sequence[Any]) -> dict[str, str]:
    items = [_text(item) for item in flat]
    return dict(zip(items[::2], items[1::2], strict=True))


class StockScripts:
    """The stock scripts, registered once per client."""

    def __init__(self, redis: Redis) -> None:
        self.init = redis.register_script(INIT_LUA)
        self.hold = redis.register_script(HOLD_LUA)
        self.checked_hold = redis.register_script(RUN_GUARD_LUA + HOLD_LUA)
        self.commit = redis.register_script(COMMIT_LUA)
        self.release = redis.register_script(RELEASE_LUA)
        self.sweep = redis.register_script(SWEEP_LUA)
        self.ensure = redis.register_script(ENSURE_LUA)
        self.restock = redis.register_script(RESTOCK_LUA)
        self.card = redis.register_script(CARD_LUA)


class SellerStock:
    """One seller's stock: every key it uses carries the seller's hash tag."""

    def __init__(
        self,
        redis: Redis,
        scripts: StockScripts,
        creator_id: str,
        clock: Callable[[], int],
        retention_ms: int,
    ) -> None:
        self.creator_id = creator_id
        self._redis = redis
        self._scripts = scripts
        self._clock = clock
        self._retention_ms = retention_ms

    def _shared_args(self, now_ms: int) -> list[Any]:
        return [now_ms, self._retention_ms]

    async def init(self, variant_id: str, total: int) -> StockLevels:
        """Set stock so that available + held + sold = total; refuses below held + sold."""
        validate_id(variant_id, "variant_id")
        validate_total(total)
        reply = await self._scripts.init(
            keys=[variant_key(self.creator_id, variant_id)], args=[total]
        )
        status, held, sold = _text(reply[0]), int(reply[1]), int(reply[2])
        if status == "below":
            raise below_reserved(variant_id, held, sold)
        return StockLevels(available=total - held - sold, held=held, sold=sold)

    async def ensure(self, variant_id: str, total: int, sold: int) -> StockLevels:
        """Create a variant's counters from its catalogue stock unless Redis already has them."""
        validate_id(variant_id, "variant_id")
        validate_total(total)
        reply = await self._scripts.ensure(
            keys=[variant_key(self.creator_id, variant_id)], args=[total, max(sold, 0)]
        )
        available, held, sold_now = (int(value or 0) for value in reply)
        return StockLevels(available=available, held=held, sold=sold_now)

    async def hold(
        self,
        hold_id: str,
        variant_id: str,
        quantity: int,
        buyer_id: str,
        ttl_seconds: float,
        sale: SaleLimits | None = None,
        *,
        live_show_id: str | None = None,
        caps: HoldCaps | None = None,
        checked_run_id: str | None = None,
    ) -> HoldOutcome:
        """Hold units until a deadline; a known hold id returns its stored hold, taking nothing.

        `live_show_id` makes it a live purchase in that show: refused with
        ShowEnded once the show has ended (see `close_show`). A live `sale`
        (with `ends_at_ms`) that has closed is not applied: the hold's
        `sale_id` is then None and the caller charges the regular price.
        With `caps` a buyer's hold counts against per-person caps (see HoldCaps),
        counted per seller: HoldLimitReached or PerBuyerLimitReached past one,
        and a flash-sale hold ends with the buyer's first hold in that sale.
        Without (stock taken again for a paid order) only the buyer's units
        held are counted. With `checked_run_id` (the run ids of the checked
        Redis servers, comma-separated) the hold is taken only on one of them
        (CountersUnchecked otherwise): see livesale.shop.stock_audit.
        """
        validate_hold_request(hold_id, variant_id, quantity, buyer_id, ttl_seconds, sale, caps)
        if live_show_id is not None:
            validate_id(live_show_id, "show_id")
        now_ms = self._clock()
        deadline_ms = now_ms + int(ttl_seconds * 1000)
        flash_deadline_ms = (
            deadline_ms if caps is None else now_ms + int(caps.flash_hold_seconds * 1000)
        )
        sale_id = sale.sale_id if sale is not None else ""
        cap = sale.quantity if sale is not None else 0
        limit = -1
        if sale is not None and sale.per_buyer_limit is not None:
            limit = sale.per_buyer_limit
        ends_ms = -1 if sale is None or sale.ends_at_ms is None else sale.ends_at_ms
        address = "" if caps is None else caps.address
        scripts = self._scripts
        script = scripts.hold if checked_run_id is None else scripts.checked_hold
        seller = self.creator_id
        # A hold takes stock: with replicas required, the buyer hears of it once they have it.
        reply = await run_replicated(
            self._redis,
            script,
            [
                hold_key(seller, hold_id),
                variant_key(seller, variant_id),
                expiries_key(seller),
                # Unused without a sale or a show (ids are never empty, so no
                # real one has these names), but a script's keys must be named up front.
                sale_key(seller, sale_id),
                sale_buyers_key(seller, sale_id),
                show_ended_key(seller, live_show_id or ""),
                held_by_key(seller, f"viewer:{buyer_id}"),
                held_by_key(seller, f"address:{address}"),
                sale_addresses_key(seller, sale_id),
                sale_windows_key(seller, sale_id),
            ],
            [
                hold_id,
                variant_id,
                quantity,
                buyer_id,
                deadline_ms,
                sale_id,
                cap,
                limit,
                now_ms,
                ends_ms,
                0 if live_show_id is None else 1,
                address,
                0 if caps is None else 1,
                0 if caps is None else caps.per_buyer,
                0 if caps is None else caps.per_address,
                0 if caps is None else caps.sale_address_factor,
                flash_deadline_ms,
                *(() if checked_run_id is None else (checked_run_id,)),
            ],
        )
        status = _text(reply[0])
        if status == "unchecked":
            raise CountersUnchecked(_text(reply[1]))
        if status in ("held", "replay"):
            hold = hold_from_fields(hold_id, _fields(reply[1]))
            if not same_request(hold, variant_id, quantity, buyer_id, sale):
                raise hold_mismatch(hold)
            if hold.state is HoldState.HELD:
                await self._register(hold.deadline_ms)
            return HoldOutcome(hold, changed=status == "held")
        if len(reply) == 3:
            raise person_refusal(status, int(reply[1]), int(reply[2]), quantity)
        raise refusal(status, int(reply[1]), quantity)

    async def _register(self, deadline_ms: int) -> None:
        """Tell the sweeper this seller has a hold due at `deadline_ms`.

        After the hold is stored (a refused hold changes nothing), with a score
        no earlier than its deadline: a sweep that forgets the seller meanwhile
        compares the score it swept at, and this raises it (or adds the seller
        back). A retried hold registers again, so a crash in between is mended
        by the buyer's retry.
        """
        await self._redis.zadd(SELLERS_KEY, {self.creator_id: deadline_ms}, gt=True)

    async def count_card(
        self, sale_id: str, fingerprint: str, order_id: str, units: int, limit: int
    ) -> tuple[bool, int]:
        """Count a paid order's units of a flash sale against its card, unless the card
        would pass `limit`; (counted, units the card paid for before). Idempotent per order."""
        validate_id(sale_id, "sale_id")
        validate_id(fingerprint, "fingerprint")
        validate_id(order_id, "order_id")
        reply = await self._scripts.card(
            keys=[sale_card_key(self.creator_id, sale_id, fingerprint)],
            args=[order_id, units, limit, CARD_RETENTION_SECONDS * 1000],
        )
        return bool(int(reply[0])), int(reply[1])

    async def uncount_card(self, sale_id: str, fingerprint: str, order_id: str) -> None:
        """Forget an order counted against a card (its payment was given back)."""
        key = sale_card_key(self.creator_id, sale_id, fingerprint)
        await self._redis.hdel(key, order_id)  # type: ignore[misc]

    async def close_sale(self, sale_id: str) -> None:
        """Stop a live flash sale: from now on its holds get the regular price."""
        validate_id(sale_id, "sale_id")
        await self._redis.hset(sale_key(self.creator_id, sale_id), "closed", "1")  # type: ignore[misc]

    async def close_show(self, show_id: str) -> None:
        """Mark the show ended: from now on live holds for it are refused."""
        validate_id(show_id, "show_id")
        key = show_ended_key(self.creator_id, show_id)
        await self._redis.set(key, "1", ex=SHOW_ENDED_MARKER_SECONDS)

    async def _give_back_keys(self, hold_id: str) -> list[str]:
        """The hold's keys, named from its fields (empty names for a hold that is gone)."""
        values = await self._redis.hmget(hold_key(self.creator_id, hold_id), list(_HOLD_FIELDS))  # type: ignore[misc]
        fields = {name: _text(v) for name, v in zip(_HOLD_FIELDS, values, strict=True) if v}
        return give_back_keys(self.creator_id, hold_id, fields)

    async def commit(self, hold_id: str) -> HoldOutcome:
        """Turn a held hold into sold units; a committed one is a replay; gone stock raises."""
        validate_id(hold_id, "hold_id")
        reply = await run_replicated(
            self._redis,
            self._scripts.commit,
            [expiries_key(self.creator_id), *await self._give_back_keys(hold_id)],
            [*self._shared_args(self._clock()), hold_id],
        )
        status = _text(reply[0])
        if status == "not_found":
            raise hold_not_found(hold_id)
        hold = hold_from_fields(hold_id, _fields(reply[1]))
        if status == "expired":
            raise hold_expired(hold)
        return HoldOutcome(hold, changed=status == "committed")

    async def release(self, hold_id: str) -> HoldOutcome:
        """Return a held hold's units; a finished hold (even a sold one) is left as it is."""
        validate_id(hold_id, "hold_id")
        reply = await self._scripts.release(
            keys=[expiries_key(self.creator_id), *await self._give_back_keys(hold_id)],
            args=[*self._shared_args(self._clock()), hold_id],
        )
        status = _text(reply[0])
        if status == "not_found":
            raise hold_not_found(hold_id)
        return HoldOutcome(
            hold_from_fields(hold_id, _fields(reply[1])), changed=status == "released"
        )

    async def restock(self, hold_id: str) -> HoldOutcome:
        """Put a committed hold's units back on sale; a hold that is not sold raises HoldExpired."""
        validate_id(hold_id, "hold_id")
        reply = await self._scripts.restock(
            keys=await self._give_back_keys(hold_id),
            args=self._shared_args(self._clock()),
        )
        status = _text(reply[0])
        if status == "not_found":
            raise hold_not_found(hold_id)
        hold = hold_from_fields(hold_id, _fields(reply[1]))
        if status == "not_sold":
            raise hold_expired(hold)
        return HoldOutcome(hold, changed=status == "restocked")

    async def sweep(self, now_ms: int | None = None, *, limit: int = SWEEP_BATCH) -> list[Hold]:
        """Expire up to `limit` of the seller's holds whose deadline is at or before now."""
        now = self._clock() if now_ms is None else now_ms
        holds, _complete = await self.sweep_batch(now, limit)
        return holds

    async def sweep_batch(self, now_ms: int, limit: int) -> tuple[list[Hold], bool]:
        """Expire up to `limit` due holds; (expired holds, whether every due one was seen)."""
        expiries = expiries_key(self.creator_id)
        due = await self._redis.zrangebyscore(expiries, "-inf", now_ms, start=0, num=limit)
        ids = [_text(member) for member in due]
        if not ids:
            return [], True
        keys = [expiries]
        for hold_id in ids:
            keys.extend(await self._give_back_keys(hold_id))
        reply = await self._scripts.sweep(keys=keys, args=[*self._shared_args(now_ms), *ids])
        holds = [hold_from_fields(_text(item[0]), _fields(item[1])) for item in reply]
        return holds, len(ids) < limit

    async def get(self, hold_id: str) -> Hold | None:
        """The stored hold, or None."""
        flat = await self._redis.hgetall(hold_key(self.creator_id, hold_id))  # type: ignore[misc]
        if not flat:
            return None
        return hold_from_fields(hold_id, {_text(k): _text(v) for k, v in flat.items()})

    async def levels(self, variant_id: str) -> StockLevels:
        """A variant's available, held and sold counters (zeros if never set)."""
        key = variant_key(self.creator_id, variant_id)
        values = await self._redis.hmget(key, ["available", "held", "sold"])  # type: ignore[misc]
        available, held, sold = (int(value or 0) for value in values)
        return StockLevels(available=available, held=held, sold=sold)

    async def sale_levels(self, sale_id: str) -> SaleLevels:
        """Units held and sold under a flash sale."""
        key = sale_key(self.creator_id, sale_id)
        values = await self._redis.hmget(key, ["held", "sold"])  # type: ignore[misc]
        held, sold = (int(value or 0) for value in values)
        return SaleLevels(held=held, sold=sold)

    async def buyer_units(self, sale_id: str, buyer_id: str) -> int:
        """Units a buyer holds or bought in a flash sale."""
        key = sale_buyers_key(self.creator_id, sale_id)
        return int(await self._redis.hget(key, buyer_id) or 0)  # type: ignore[misc]

    async def address_units(self, sale_id: str, address: str) -> int:
        """Units the buyers at a normalised address hold or bought in a flash sale."""
        key = sale_addresses_key(self.creator_id, sale_id)
        return int(await self._redis.hget(key, address) or 0)  # type: ignore[misc]

    async def held_by(self, person_key: str) -> int:
        """Units a person key (`viewer:<id>` or `address:<addr>`) holds at once from this seller."""
        return int(await self._redis.get(held_by_key(self.creator_id, person_key)) or 0)
