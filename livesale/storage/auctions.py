"""Auctions in Redis: one Lua script per bid, close, cancel and offer (see auction_scripts)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis

from livesale.domain.auctions import (
    Auction,
    AuctionStatus,
    AuctionTerms,
    BidOutcome,
    Increments,
    UnpaidPolicy,
)
from livesale.storage.auction_scripts import (
    BID_LUA,
    CANCEL_LUA,
    CLOSE_LUA,
    CREATE_LUA,
    OFFER_LUA,
)

# Every key of one auction shares the seller's hash tag (one Redis Cluster slot).
_CREATOR_PREFIX = "livesale:creator:{"
# Indexes across sellers, written outside the scripts (they live on other slots):
# auction ref -> end (ms) of auctions not yet closed, and -> payment deadline (ms)
# of auctions whose unit waits for its buyer to pay.
OPEN_INDEX_KEY = "livesale:auctions:open"
UNPAID_INDEX_KEY = "livesale:auctions:unpaid"
# An auction's data outlives its close this long: replays and late reads find the result.
RETENTION_SECONDS = 7 * 86_400


def auction_key(creator_id: str, auction_id: str) -> str:
    """Hash of one auction: terms, status, price, leader (id, name, maximum), end (ms)."""
    return f"{_CREATOR_PREFIX}{creator_id}}}:auction:{auction_id}"


def maxes_key(creator_id: str, auction_id: str) -> str:
    """Hash: bidder id -> the highest maximum the bidder placed (private)."""
    return auction_key(creator_id, auction_id) + ":maxes"


def show_auction_key(show_id: str) -> str:
    """The show's latest auction, as '<creator id>/<auction id>'."""
    return f"livesale:show:{{{show_id}}}:auction"


def auction_ref(creator_id: str, auction_id: str) -> str:
    """How the indexes name an auction."""
    return f"{creator_id}/{auction_id}"


def parse_ref(ref: str) -> tuple[str, str]:
    """(creator id, auction id) of an index entry."""
    creator_id, _, auction_id = ref.partition("/")
    return creator_id, auction_id


@dataclass(frozen=True, slots=True)
class BidReply:
    """The bid script's answer (times on Redis's clock, epoch ms)."""

    outcome: BidOutcome | None  # None: no such auction
    price_minor: int
    leader: str | None
    ends_ms: int
    now_ms: int
    extended: bool
    min_bid_minor: int
    bids: int
    displaced: str | None = None  # the bidder who led until this bid took the lead


@dataclass(frozen=True, slots=True)
class CloseReply:
    """The close script's answer: `closed` only for the one call that closed the auction."""

    closed: bool
    status: str  # 'closed', 'already', 'open' or 'not_found'
    price_minor: int = 0
    leader: str | None = None
    now_ms: int = 0


class AuctionStore:
    """Creates, bids on, closes and reads auctions."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._bid = redis.register_script(BID_LUA)
        self._close = redis.register_script(CLOSE_LUA)
        self._cancel = redis.register_script(CANCEL_LUA)
        self._offer = redis.register_script(OFFER_LUA)
        self._create = redis.register_script(CREATE_LUA)

    async def create(
        self,
        auction_id: str,
        creator_id: str,
        show_id: str,
        product_id: str,
        currency: str,
        terms: AuctionTerms,
    ) -> int:
        """Store a new auction (its clock starts now, on Redis's clock); returns now (ms)."""
        starts = terms.starts_in_seconds * 1000
        fields: dict[str, Any] = {
            "status": AuctionStatus.OPEN.value,
            "creator_id": creator_id,
            "show_id": show_id,
            "product_id": product_id,
            "variant_id": terms.variant_id,
            "currency": currency,
            "start_price": terms.start_price_minor,
            "price": terms.start_price_minor,
            "leader": "",
            "leader_max": 0,
            "bids": 0,
            "starts": starts,
            "ends": starts + terms.duration_seconds * 1000,
            "counter_ms": terms.counter_bid_seconds * 1000,
            "sudden": int(terms.sudden_death),
            "inc": terms.increments.encode(),
            "unpaid": terms.unpaid_policy.value,
        }
        args = [item for pair in fields.items() for item in pair]
        key = auction_key(creator_id, auction_id)
        now_ms = int(await self._create(keys=[key], args=args))
        auction = await self.get(creator_id, auction_id)
        assert auction is not None
        ref = auction_ref(creator_id, auction_id)
        await self._redis.zadd(OPEN_INDEX_KEY, {ref: auction.ends_ms})
        await self._redis.set(show_auction_key(show_id), ref)
        return now_ms

    async def bid(
        self,
        creator_id: str,
        auction_id: str,
        bidder: str,
        amount: int,
        name: str,
        *,
        is_max: bool = False,
    ) -> BidReply:
        """Run one bid, plain or a private maximum, through the script (see BID_LUA)."""
        key = auction_key(creator_id, auction_id)
        keys = [key, maxes_key(creator_id, auction_id)]
        reply = await self._bid(keys=keys, args=[bidder, amount, name, int(is_max)])
        outcome = None if reply[0] == "not_found" else BidOutcome(reply[0])
        if reply[5] == 1:
            # The end moved: the background closer looks at the new one.
            await self._redis.zadd(OPEN_INDEX_KEY, {auction_ref(creator_id, auction_id): reply[3]})
        return BidReply(
            outcome=outcome,
            price_minor=int(reply[1]),
            leader=reply[2] or None,
            ends_ms=int(reply[3]),
            now_ms=int(reply[4]),
            extended=reply[5] == 1,
            min_bid_minor=int(reply[6]),
            bids=int(reply[7]),
            displaced=(reply[8] or None) if len(reply) > 8 else None,
        )

    async def close(self, creator_id: str, auction_id: str) -> CloseReply:
        """Close the auction if its end has passed (exactly one caller gets closed=True)."""
        reply = await self._close(keys=[auction_key(creator_id, auction_id)])
        status = reply[0]
        if status == "closed":
            await self._redis.zrem(OPEN_INDEX_KEY, auction_ref(creator_id, auction_id))
            await self._expire(creator_id, auction_id)
            return CloseReply(True, status, int(reply[1]), reply[2] or None, int(reply[3]))
        if status == "already":
            await self._redis.zrem(OPEN_INDEX_KEY, auction_ref(creator_id, auction_id))
        return CloseReply(False, status)

    async def cancel(self, creator_id: str, auction_id: str) -> str:
        """Cancel an auction without bids: 'canceled', 'has_bids', 'not_open' or 'not_found'."""
        result = str(await self._cancel(keys=[auction_key(creator_id, auction_id)]))
        if result == "canceled":
            await self._redis.zrem(OPEN_INDEX_KEY, auction_ref(creator_id, auction_id))
            await self._expire(creator_id, auction_id)
        return result

    async def offer(
        self,
        creator_id: str,
        auction_id: str,
        buyer: str,
        price_minor: int,
        checkout_id: str,
        replacing: str | None,
    ) -> bool:
        """Record who is offered the unit; False if another call already moved the offer."""
        keys = [auction_key(creator_id, auction_id)]
        args: list[str | int] = [buyer, price_minor, checkout_id, replacing or ""]
        return int(await self._offer(keys=keys, args=args)) == 1

    async def get(self, creator_id: str, auction_id: str) -> Auction | None:
        """The auction, or None."""
        fields = await self._redis.hgetall(auction_key(creator_id, auction_id))  # type: ignore[misc]
        if not fields:
            return None
        return _auction(auction_id, fields, fields.get("leader_name"))

    async def latest_of_show(self, show_id: str) -> Auction | None:
        """The show's latest auction (open, closed or canceled), or None."""
        ref = await self._redis.get(show_auction_key(show_id))
        if ref is None:
            return None
        return await self.get(*parse_ref(ref))

    async def maxes(self, creator_id: str, auction_id: str) -> dict[str, int]:
        """Every bidder's highest maximum."""
        raw = await self._redis.hgetall(maxes_key(creator_id, auction_id))  # type: ignore[misc]
        return {bidder: int(amount) for bidder, amount in raw.items()}

    async def due_to_close(self, now_ms: int, limit: int = 100) -> list[tuple[str, str]]:
        """Auctions whose end has passed by `now_ms` and that may still be open."""
        refs = await self._redis.zrangebyscore(OPEN_INDEX_KEY, 0, now_ms, start=0, num=limit)
        return [parse_ref(ref) for ref in refs]

    async def await_payment(self, creator_id: str, auction_id: str, deadline_ms: int) -> None:
        """Have the unpaid check look at the auction once its payment window ends."""
        await self._redis.zadd(UNPAID_INDEX_KEY, {auction_ref(creator_id, auction_id): deadline_ms})

    async def payment_due(self, now_ms: int, limit: int = 100) -> list[tuple[str, str]]:
        """Auctions whose payment window has ended by `now_ms`."""
        refs = await self._redis.zrangebyscore(UNPAID_INDEX_KEY, 0, now_ms, start=0, num=limit)
        return [parse_ref(ref) for ref in refs]

    async def payment_settled(self, creator_id: str, auction_id: str) -> None:
        """Stop watching the auction's payment (paid, released, or no one left to offer)."""
        await self._redis.zrem(UNPAID_INDEX_KEY, auction_ref(creator_id, auction_id))

    async def now_ms(self) -> int:
        """Redis's clock (epoch ms): the clock every auction runs on."""
        seconds, micros = await self._redis.time()
        return int(seconds) * 1000 + int(micros) // 1000

    async def _expire(self, creator_id: str, auction_id: str) -> None:
        for key in (auction_key(creator_id, auction_id), maxes_key(creator_id, auction_id)):
            await self._redis.expire(key, RETENTION_SECONDS)


def _auction(auction_id: str, f: dict[str, str], leader_name: str | None) -> Auction:
    buyer_price = f.get("buyer_price")
    return Auction(
        id=auction_id,
        creator_id=f["creator_id"],
        show_id=f["show_id"],
        product_id=f["product_id"],
        variant_id=f["variant_id"],
        currency=f["currency"],
        status=AuctionStatus(f["status"]),
        start_price_minor=int(f["start_price"]),
        price_minor=int(f["price"]),
        leader=f["leader"] or None,
        leader_name=leader_name,
        bids=int(f["bids"]),
        starts_ms=int(f["starts"]),
        ends_ms=int(f["ends"]),
        counter_bid_seconds=int(f["counter_ms"]) // 1000,
        sudden_death=f["sudden"] == "1",
        increments=Increments.decode(f["inc"]),
        unpaid_policy=UnpaidPolicy(f["unpaid"]),
        buyer=f.get("buyer") or None,
        buyer_price_minor=None if buyer_price is None else int(buyer_price),
        checkout_id=f.get("checkout") or None,
    )
