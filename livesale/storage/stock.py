"""Stock holds in Redis: every change is one Lua script, so no interleaving can oversell."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from redis.asyncio import Redis

from livesale.domain.stock import (
    Hold,
    HoldCaps,
    HoldOutcome,
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

# Every key name lives here. The scripts that find a hold's variant and sale
# only at run time (commit, release, sweep) build keys from these prefixes,
# passed in ARGV, so the names are still defined once. That is fine on one
# Redis (the architecture's deployment), not on a Redis Cluster.
_PREFIX = "livesale:stock:"
VARIANT_PREFIX = _PREFIX + "variant:"
HOLD_PREFIX = _PREFIX + "hold:"
SALE_PREFIX = _PREFIX + "sale:"
BUYERS_SUFFIX = ":buyers"
ADDRESSES_SUFFIX = ":addresses"
WINDOWS_SUFFIX = ":windows"
CARDS_INFIX = ":card:"
# A flash sale's purchases per card are kept this long (replays sell under the live sale's id).
CARD_RETENTION_SECONDS = 30 * 86_400
# Units held (not yet sold) at once, per person key (`viewer:<id>`, `address:<addr>`).
HELD_BY_PREFIX = _PREFIX + "held_by:"
EXPIRIES_KEY = _PREFIX + "expiries"
SHOW_ENDED_PREFIX = _PREFIX + "show_ended:"
# The run id of the Redis server whose counters were last checked against the record.
CHECKED_KEY = _PREFIX + "checked"

# Finished holds are kept this long so that a late retry is still a replay.
DEFAULT_RETENTION_SECONDS = 24 * 3600
# A show's end marker only has to outlive every process's cached "live"
# (half a second); a day leaves room for clocks and slow processes.
SHOW_ENDED_MARKER_SECONDS = 24 * 3600
SWEEP_BATCH = 1000


def variant_key(variant_id: str) -> str:
    """Hash of a variant's counters: available, held, sold."""
    return VARIANT_PREFIX + variant_id


def hold_key(hold_id: str) -> str:
    """Hash of one hold: variant, quantity, buyer, sale, state, deadline (ms)."""
    return HOLD_PREFIX + hold_id


def sale_key(sale_id: str) -> str:
    """Hash of a flash sale's counters: held, sold."""
    return SALE_PREFIX + sale_id


def sale_buyers_key(sale_id: str) -> str:
    """Hash: buyer id -> units the buyer holds or bought in the flash sale."""
    return SALE_PREFIX + sale_id + BUYERS_SUFFIX


def sale_addresses_key(sale_id: str) -> str:
    """Hash: normalised address -> units its buyers hold or bought in the flash sale."""
    return SALE_PREFIX + sale_id + ADDRESSES_SUFFIX


def sale_windows_key(sale_id: str) -> str:
    """Hash: buyer id -> when (ms) every hold of theirs in the flash sale ends."""
    return SALE_PREFIX + sale_id + WINDOWS_SUFFIX


def sale_card_key(sale_id: str, fingerprint: str) -> str:
    """Hash: order id -> units of the flash sale that order paid for with this card."""
    return SALE_PREFIX + sale_id + CARDS_INFIX + fingerprint


def held_by_key(person_key: str) -> str:
    """Units a person key (`viewer:<id>` or `address:<addr>`) holds at once, in any show."""
    return HELD_BY_PREFIX + person_key


def show_ended_key(show_id: str) -> str:
    """Exists once the show has ended: live holds for it are refused from then on."""
    return SHOW_ENDED_PREFIX + show_id


def checked_key() -> str:
    """The run id of the Redis server whose counters were last checked against the record."""
    return CHECKED_KEY


def wall_clock_ms() -> int:
    """Milliseconds since the epoch."""
    return time.time_ns() // 1_000_000


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _fields(flat: Sequence[Any]) -> dict[str, str]:
    items = [_text(item) for item in flat]
    return dict(zip(items[::2], items[1::2], strict=True))


class StockStore:
    """Holds, commits, releases and expiries of variant stock, atomically in Redis."""

    def __init__(
        self,
        redis: Redis,
        clock: Callable[[], int] = wall_clock_ms,
        *,
        retention_seconds: float = DEFAULT_RETENTION_SECONDS,
    ) -> None:
        self._redis = redis
        # Milliseconds; injectable so tests move time without sleeping.
        self._clock = clock
        self._retention_ms = int(retention_seconds * 1000)
        self._init = redis.register_script(INIT_LUA)
        self._hold = redis.register_script(HOLD_LUA)
        self._checked_hold = redis.register_script(RUN_GUARD_LUA + HOLD_LUA)
        self._commit = redis.register_script(COMMIT_LUA)
        self._release = redis.register_script(RELEASE_LUA)
        self._sweep = redis.register_script(SWEEP_LUA)
        self._ensure = redis.register_script(ENSURE_LUA)
        self._restock = redis.register_script(RESTOCK_LUA)
        self._card = redis.register_script(CARD_LUA)

    def _shared_args(self, now_ms: int) -> list[Any]:
        return [
            now_ms,
            VARIANT_PREFIX,
            SALE_PREFIX,
            BUYERS_SUFFIX,
            self._retention_ms,
            HELD_BY_PREFIX,
            ADDRESSES_SUFFIX,
            WINDOWS_SUFFIX,
        ]

    async def init(self, variant_id: str, total: int) -> StockLevels:
        """Set stock so that available + held + sold = total; refuses below held + sold."""
        validate_id(variant_id, "variant_id")
        validate_total(total)
        reply = await self._init(keys=[variant_key(variant_id)], args=[total])
        status, held, sold = _text(reply[0]), int(reply[1]), int(reply[2])
        if status == "below":
            raise below_reserved(variant_id, held, sold)
        return StockLevels(available=total - held - sold, held=held, sold=sold)

    async def ensure(self, variant_id: str, total: int, sold: int) -> StockLevels:
        """Create a variant's counters from its catalogue stock unless Redis already has them."""
        validate_id(variant_id, "variant_id")
        validate_total(total)
        reply = await self._ensure(keys=[variant_key(variant_id)], args=[total, max(sold, 0)])
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
        With `caps` a buyer's hold counts against per-person caps (see HoldCaps):
        HoldLimitReached or PerBuyerLimitReached past one, and a flash-sale hold
        ends with the buyer's first hold in that sale. Without (stock taken again
        for a paid order) only the buyer's units held are counted.
        With `checked_run_id` the hold is taken only on the Redis server of that
        run id (CountersUnchecked otherwise): see livesale.shop.stock_audit.
        """
        validate_hold_request(hold_id, variant_id, quantity, buyer_id, ttl_seconds, sale, caps)
        if live_show_id is not None:
            validate_id(live_show_id, "show_id")
        now_ms = self._clock()
        deadline_ms = now_ms + int(ttl_seconds * 1000)
        sale_id = sale.sale_id if sale is not None else ""
        cap = sale.quantity if sale is not None else 0
        limit = -1
        if sale is not None and sale.per_buyer_limit is not None:
            limit = sale.per_buyer_limit
        ends_ms = -1 if sale is None or sale.ends_at_ms is None else sale.ends_at_ms
        address = "" if caps is None else caps.address
        script = self._hold if checked_run_id is None else self._checked_hold
        # A hold takes stock: with replicas required, the buyer hears of it once they have it.
        reply = await run_replicated(
            self._redis,
            script,
            [
                hold_key(hold_id),
                variant_key(variant_id),
                EXPIRIES_KEY,
                # Unused without a sale or a show (ids are never empty, so no
                # real one has these names), but a script's keys must be named up front.
                sale_key(sale_id),
                sale_buyers_key(sale_id),
                show_ended_key(live_show_id or ""),
                held_by_key(f"viewer:{buyer_id}"),
                held_by_key(f"address:{address}"),
                sale_addresses_key(sale_id),
                sale_windows_key(sale_id),
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
                deadline_ms if caps is None else now_ms + int(caps.flash_hold_seconds * 1000),
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
            return HoldOutcome(hold, changed=status == "held")
        if len(reply) == 3:
            raise person_refusal(status, int(reply[1]), int(reply[2]), quantity)
        raise refusal(status, int(reply[1]), quantity)

    async def count_card(
        self, sale_id: str, fingerprint: str, order_id: str, units: int, limit: int
    ) -> tuple[bool, int]:
        """Count a paid order's units of a flash sale against its card, unless the card
        would pass `limit`; (counted, units the card paid for before). Idempotent per order."""
        validate_id(sale_id, "sale_id")
        validate_id(fingerprint, "fingerprint")
        validate_id(order_id, "order_id")
        reply = await self._card(
            keys=[sale_card_key(sale_id, fingerprint)],
            args=[order_id, units, limit, CARD_RETENTION_SECONDS * 1000],
        )
        return bool(int(reply[0])), int(reply[1])

    async def uncount_card(self, sale_id: str, fingerprint: str, order_id: str) -> None:
        """Forget an order counted against a card (its payment was given back)."""
        await self._redis.hdel(sale_card_key(sale_id, fingerprint), order_id)  # type: ignore[misc]

    async def close_sale(self, sale_id: str) -> None:
        """Stop a live flash sale: from now on its holds get the regular price."""
        validate_id(sale_id, "sale_id")
        await self._redis.hset(sale_key(sale_id), "closed", "1")  # type: ignore[misc]

    async def close_show(self, show_id: str) -> None:
        """Mark the show ended: from now on live holds for it are refused."""
        validate_id(show_id, "show_id")
        await self._redis.set(show_ended_key(show_id), "1", ex=SHOW_ENDED_MARKER_SECONDS)

    async def commit(self, hold_id: str) -> HoldOutcome:
        """Turn a held hold into sold units; a committed one is a replay; gone stock raises."""
        validate_id(hold_id, "hold_id")
        reply = await run_replicated(
            self._redis,
            self._commit,
            [hold_key(hold_id), EXPIRIES_KEY],
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
        reply = await self._release(
            keys=[hold_key(hold_id), EXPIRIES_KEY],
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
        reply = await self._restock(keys=[hold_key(hold_id)], args=self._shared_args(self._clock()))
        status = _text(reply[0])
        if status == "not_found":
            raise hold_not_found(hold_id)
        hold = hold_from_fields(hold_id, _fields(reply[1]))
        if status == "not_sold":
            raise hold_expired(hold)
        return HoldOutcome(hold, changed=status == "restocked")

    async def sweep(self, now_ms: int | None = None, *, limit: int = SWEEP_BATCH) -> list[Hold]:
        """Expire up to `limit` holds whose deadline is at or before now; returns them."""
        now = self._clock() if now_ms is None else now_ms
        reply = await self._sweep(
            keys=[EXPIRIES_KEY], args=[*self._shared_args(now), HOLD_PREFIX, limit]
        )
        return [hold_from_fields(_text(item[0]), _fields(item[1])) for item in reply]

    async def get(self, hold_id: str) -> Hold | None:
        """The stored hold, or None."""
        flat = await self._redis.hgetall(hold_key(hold_id))  # type: ignore[misc]
        if not flat:
            return None
        return hold_from_fields(hold_id, {_text(k): _text(v) for k, v in flat.items()})

    async def levels(self, variant_id: str) -> StockLevels:
        """A variant's available, held and sold counters (zeros if never set)."""
        values = await self._redis.hmget(variant_key(variant_id), ["available", "held", "sold"])  # type: ignore[misc]
        available, held, sold = (int(value or 0) for value in values)
        return StockLevels(available=available, held=held, sold=sold)

    async def sale_levels(self, sale_id: str) -> SaleLevels:
        """Units held and sold under a flash sale."""
        values = await self._redis.hmget(sale_key(sale_id), ["held", "sold"])  # type: ignore[misc]
        held, sold = (int(value or 0) for value in values)
        return SaleLevels(held=held, sold=sold)

    async def buyer_units(self, sale_id: str, buyer_id: str) -> int:
        """Units a buyer holds or bought in a flash sale."""
        value = await self._redis.hget(sale_buyers_key(sale_id), buyer_id)  # type: ignore[misc]
        return int(value or 0)

    async def address_units(self, sale_id: str, address: str) -> int:
        """Units the buyers at a normalised address hold or bought in a flash sale."""
        value = await self._redis.hget(sale_addresses_key(sale_id), address)  # type: ignore[misc]
        return int(value or 0)

    async def held_by(self, person_key: str) -> int:
        """Units a person key (`viewer:<id>` or `address:<addr>`) holds at once."""
        return int(await self._redis.get(held_by_key(person_key)) or 0)
