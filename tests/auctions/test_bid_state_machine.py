"""A hypothesis state machine: the Redis bid and close scripts against the pure AuctionModel.

The scripts read Redis's own clock, so the test cannot set it: a clock move is
made by moving the auction's start and end back by the same amount in Redis
and in the model, and every step compares at the `now` the script reports.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from livesale.domain.auctions import (
    AuctionModel,
    AuctionStatus,
    AuctionTerms,
    BidOutcome,
    Increments,
    UnpaidPolicy,
)
from livesale.storage.auctions import AuctionStore, auction_key
from tests.support.redis_server import pooled_redis

T = TypeVar("T")
CREATOR = "c1"
BIDDERS = ["b1", "b2", "b3", "b4"]
# Small steps so that a few bids cross several rows of the table.
INCREMENTS = Increments(((300, 10), (1_000, 50)), 100)


class AuctionMachine(RuleBasedStateMachine):
    """Every bid's outcome, price, leader and end must match the model's."""

    def __init__(self, redis_url: str) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.redis = pooled_redis(redis_url)
        self.run(self.redis.flushall())
        self.store = AuctionStore(self.redis)
        self.auction_id = ""
        self.model: AuctionModel | None = None
        self.accepted_after_close = 0
        self.closes = 0

    def run(self, coro: Awaitable[T]) -> T:
        return self.loop.run_until_complete(coro)

    def teardown(self) -> None:
        self.run(self.redis.aclose())
        self.loop.close()

    def _create(self, start: int, duration: int, counter: int, sudden: bool, delay: int) -> None:
        self.auction_id = f"a{self.closes}{start}{duration}"
        terms = AuctionTerms(
            variant_id="v1",
            start_price_minor=start,
            duration_seconds=duration,
            counter_bid_seconds=counter,
            sudden_death=sudden,
            increments=INCREMENTS,
            unpaid_policy=UnpaidPolicy.RELEASE,
            starts_in_seconds=delay,
        )
        now = self.run(self.store.create(self.auction_id, CREATOR, "s1", "p1", "EUR", terms))
        self.model = AuctionModel(
            start_price_minor=start,
            starts_ms=now + delay * 1000,
            ends_ms=now + (delay + duration) * 1000,
            counter_ms=counter * 1000,
            sudden_death=sudden,
            increments=INCREMENTS,
        )

    @rule(
        start=st.integers(1, 1_500),
        duration=st.integers(5, 120),
        counter=st.integers(0, 30),
        sudden=st.booleans(),
        delay=st.sampled_from([0, 0, 10]),
    )
    def start_auction(
        self, start: int, duration: int, counter: int, sudden: bool, delay: int
    ) -> None:
        if self.model is None or self.model.status is not AuctionStatus.OPEN:
            self._create(start, duration, counter, sudden, delay)

    @rule(bidder=st.sampled_from(BIDDERS), above=st.integers(-60, 400), is_max=st.booleans())
    def bid(self, bidder: str, above: int, is_max: bool) -> None:
        model = self.model
        if model is None:
            return
        # Around the smallest acceptable amount, so that too-low bids happen too.
        amount = max(1, model.price_minor + above)
        reply = self.run(
            self.store.bid(CREATOR, self.auction_id, bidder, amount, bidder.upper(), is_max=is_max)
        )
        expected = model.bid(bidder, amount, reply.now_ms, is_max=is_max)
        assert reply.outcome is expected.outcome
        assert reply.price_minor == expected.price_minor
        assert reply.leader == expected.leader
        assert reply.ends_ms == expected.ends_ms
        assert reply.extended == expected.extended
        assert reply.min_bid_minor == expected.min_bid_minor
        if model.status is AuctionStatus.CLOSED and reply.outcome in (
            BidOutcome.LEADING,
            BidOutcome.OUTBID,
        ):
            self.accepted_after_close += 1

    @rule(seconds=st.sampled_from([1, 3, 10, 30, 130]))
    def clock_moves(self, seconds: int) -> None:
        """Time passes: the auction's start and end come `seconds` closer."""
        model = self.model
        if model is None:
            return
        key = auction_key(CREATOR, self.auction_id)
        for name in ("starts", "ends"):
            self.run(self.redis.hincrby(key, name, -seconds * 1000))  # type: ignore[arg-type]
        model.starts_ms -= seconds * 1000
        model.ends_ms -= seconds * 1000

    @rule()
    def close(self) -> None:
        model = self.model
        if model is None:
            return
        reply = self.run(self.store.close(CREATOR, self.auction_id))
        if reply.status == "open":
            assert not model.is_over(reply.now_ms)
            return
        was_open = model.status is AuctionStatus.OPEN
        # The model closes at any `now` past the end; the script just did.
        closed = model.close(max(model.ends_ms, reply.now_ms))
        assert reply.closed == closed == was_open
        if reply.closed:
            self.closes += 1
            assert reply.leader == model.leader
            assert reply.price_minor == model.price_minor

    @invariant()
    def stored_state_matches(self) -> None:
        model = self.model
        if model is None:
            return
        auction = self.run(self.store.get(CREATOR, self.auction_id))
        assert auction is not None
        assert auction.status is model.status
        assert auction.price_minor == model.price_minor
        assert auction.leader == model.leader
        assert auction.bids == model.bids
        # The winner is the highest maximum; the price never exceeds it.
        if model.leader is not None:
            assert model.maxes[model.leader] == max(model.maxes.values())
            assert auction.price_minor <= model.maxes[model.leader]
        assert self.accepted_after_close == 0


def test_bid_state_machine(redis_url: str) -> None:
    run_state_machine_as_test(
        lambda: AuctionMachine(redis_url),  # type: ignore[arg-type]
        settings=settings(
            max_examples=150,
            stateful_step_count=40,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture],
        ),
    )
