"""A hypothesis state machine: real Redis against a plain Python model of holds."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TypeVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from livesale.domain.errors import (
    FlashSaleSoldOut,
    HoldExpired,
    HoldMismatch,
    HoldNotFound,
    LivesaleError,
    OutOfStock,
    PerBuyerLimitReached,
    StockBelowReserved,
)
from livesale.domain.stock import HoldState, SaleLimits, StockLevels
from livesale.storage.stock import StockStore
from tests.support.clocks import FakeMillisecondClock
from tests.support.redis_server import pooled_redis
from tests.support.shopping import SELLER

T = TypeVar("T")
VARIANTS = ["v1", "v2"]
BUYERS = ["b1", "b2", "b3"]
SALE = SaleLimits("s1", quantity=6, per_buyer_limit=3)
HOLD_IDS = [f"h{n}" for n in range(8)]


@dataclass
class ModelHold:
    variant: str
    quantity: int
    buyer: str
    sale: bool
    state: HoldState
    deadline: int


class StockMachine(RuleBasedStateMachine):
    """Every operation's outcome must match the model; counters must add up after every step."""

    def __init__(self, redis_url: str) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.redis = pooled_redis(redis_url)
        self.run(self.redis.flushall())
        self.clock = FakeMillisecondClock()
        self.store = StockStore(self.redis, self.clock).seller(SELLER)
        # Start with stock, so that holds succeed from the first step.
        self.totals = dict.fromkeys(VARIANTS, 8)
        for variant in VARIANTS:
            self.run(self.store.init(variant, 8))
        self.holds: dict[str, ModelHold] = {}

    def run(self, coro: Awaitable[T]) -> T:
        return self.loop.run_until_complete(coro)

    def teardown(self) -> None:
        self.run(self.redis.aclose())
        self.loop.close()

    def _units(self, state: HoldState, variant: str | None = None, sale: bool = False) -> int:
        return sum(
            h.quantity
            for h in self.holds.values()
            if h.state is state
            and (variant is None or h.variant == variant)
            and (h.sale or not sale)
        )

    def _available(self, variant: str) -> int:
        return (
            self.totals[variant]
            - self._units(HoldState.HELD, variant)
            - self._units(HoldState.COMMITTED, variant)
        )

    @rule(variant=st.sampled_from(VARIANTS), total=st.integers(0, 12))
    def set_stock(self, variant: str, total: int) -> None:
        minimum = self._units(HoldState.HELD, variant) + self._units(HoldState.COMMITTED, variant)
        try:
            self.run(self.store.init(variant, total))
        except StockBelowReserved:
            assert total < minimum
        else:
            assert total >= minimum
            self.totals[variant] = total

    @rule(
        hold_id=st.sampled_from(HOLD_IDS),
        variant=st.sampled_from(VARIANTS),
        quantity=st.integers(1, 3),
        buyer=st.sampled_from(BUYERS),
        in_sale=st.booleans(),
        ttl=st.integers(1, 6),
    )
    def hold(
        self, hold_id: str, variant: str, quantity: int, buyer: str, in_sale: bool, ttl: int
    ) -> None:
        self._hold(hold_id, ModelHold(variant, quantity, buyer, in_sale, HoldState.HELD, 0), ttl)

    @rule(index=st.integers(0, 100), ttl=st.integers(1, 6))
    def retry_hold(self, index: int, ttl: int) -> None:
        if self.holds:
            hold_id = sorted(self.holds)[index % len(self.holds)]
            known = self.holds[hold_id]
            self._hold(hold_id, ModelHold(**{**known.__dict__, "state": HoldState.HELD}), ttl)

    def _hold(self, hold_id: str, want: ModelHold, ttl: int) -> None:
        sale = SALE if want.sale else None
        try:
            outcome = self.run(
                self.store.hold(hold_id, want.variant, want.quantity, want.buyer, ttl, sale)
            )
        except LivesaleError as exc:
            expected = self._expected_refusal(hold_id, want)
            # Whether a hold is refused depends on the model's state: pytest.raises cannot say.
            assert type(exc) is expected, (exc, expected)  # noqa: PT017
            return
        known = self.holds.get(hold_id)
        if known is not None:
            assert not outcome.changed
            assert outcome.hold.state is known.state
            assert outcome.hold.deadline_ms == known.deadline
            return
        assert self._expected_refusal(hold_id, want) is None
        assert outcome.changed
        want.deadline = self.clock.now_ms + ttl * 1000
        self.holds[hold_id] = want

    def _expected_refusal(self, hold_id: str, want: ModelHold) -> type[LivesaleError] | None:
        known = self.holds.get(hold_id)
        if known is not None:
            same = (known.variant, known.quantity, known.buyer, known.sale) == (
                want.variant,
                want.quantity,
                want.buyer,
                want.sale,
            )
            return None if same else HoldMismatch
        if want.sale:
            taken = self._units(HoldState.HELD, sale=True) + self._units(
                HoldState.COMMITTED, sale=True
            )
            if taken + want.quantity > SALE.quantity:
                return FlashSaleSoldOut
            mine = sum(
                h.quantity
                for h in self.holds.values()
                if h.sale
                and h.buyer == want.buyer
                and h.state in (HoldState.HELD, HoldState.COMMITTED)
            )
            assert SALE.per_buyer_limit is not None
            if mine + want.quantity > SALE.per_buyer_limit:
                return PerBuyerLimitReached
        if self._available(want.variant) < want.quantity:
            return OutOfStock
        return None

    # Often lands exactly on a deadline, the boundary where a hold expires.
    @rule(ms=st.sampled_from([0, 1, 999, 1_000, 2_000, 3_000, 5_000]))
    def advance_clock(self, ms: int) -> None:
        self.clock.advance(ms)

    @rule(hold_id=st.sampled_from(HOLD_IDS))
    def commit(self, hold_id: str) -> None:
        known = self.holds.get(hold_id)
        try:
            outcome = self.run(self.store.commit(hold_id))
        except HoldNotFound:
            assert known is None
            return
        except HoldExpired:
            assert known is not None
            assert known.state is not HoldState.COMMITTED
            if known.state is HoldState.HELD:
                assert known.deadline <= self.clock.now_ms
                known.state = HoldState.EXPIRED
            return
        assert known is not None
        assert outcome.changed == (known.state is HoldState.HELD)
        assert known.state in (HoldState.HELD, HoldState.COMMITTED)
        assert known.state is HoldState.COMMITTED or known.deadline > self.clock.now_ms
        known.state = HoldState.COMMITTED

    @rule(hold_id=st.sampled_from(HOLD_IDS))
    def release(self, hold_id: str) -> None:
        known = self.holds.get(hold_id)
        try:
            outcome = self.run(self.store.release(hold_id))
        except HoldNotFound:
            assert known is None
            return
        assert known is not None
        assert outcome.changed == (known.state is HoldState.HELD)
        if known.state is HoldState.HELD:
            known.state = HoldState.RELEASED
        assert outcome.hold.state is known.state

    @rule(hold_id=st.sampled_from(HOLD_IDS))
    def restock(self, hold_id: str) -> None:
        known = self.holds.get(hold_id)
        try:
            outcome = self.run(self.store.restock(hold_id))
        except HoldNotFound:
            assert known is None
            return
        except HoldExpired:
            assert known is not None
            assert known.state not in (HoldState.COMMITTED, HoldState.RESTOCKED)
            return
        assert known is not None
        assert outcome.changed == (known.state is HoldState.COMMITTED)
        known.state = HoldState.RESTOCKED

    @rule(variant=st.sampled_from(VARIANTS), total=st.integers(0, 12), sold=st.integers(0, 5))
    def ensure_existing(self, variant: str, total: int, sold: int) -> None:
        # Counters that exist win over the catalogue: ensure never moves them.
        before = self.run(self.store.levels(variant))
        assert self.run(self.store.ensure(variant, total, sold)) == before

    @rule()
    def sweep(self) -> None:
        expired = self.run(self.store.sweep())
        due = {
            hold_id
            for hold_id, h in self.holds.items()
            if h.state is HoldState.HELD and h.deadline <= self.clock.now_ms
        }
        assert {h.hold_id for h in expired} == due
        for hold_id in due:
            self.holds[hold_id].state = HoldState.EXPIRED

    @invariant()
    def counters_add_up(self) -> None:
        for variant in VARIANTS:
            levels = self.run(self.store.levels(variant))
            assert levels == StockLevels(
                available=self._available(variant),
                held=self._units(HoldState.HELD, variant),
                sold=self._units(HoldState.COMMITTED, variant),
            )
            assert levels.total == self.totals[variant]
            assert min(levels.available, levels.held, levels.sold) >= 0

    @invariant()
    def flash_sale_caps_hold(self) -> None:
        sale = self.run(self.store.sale_levels(SALE.sale_id))
        assert sale.sold <= sale.taken <= SALE.quantity
        assert sale.held == self._units(HoldState.HELD, sale=True)
        assert sale.sold == self._units(HoldState.COMMITTED, sale=True)
        for buyer in BUYERS:
            units = self.run(self.store.buyer_units(SALE.sale_id, buyer))
            assert SALE.per_buyer_limit is not None
            assert units <= SALE.per_buyer_limit


def test_stock_state_machine(redis_url: str) -> None:
    run_state_machine_as_test(
        # Hypothesis accepts any factory; its stubs ask for the class itself.
        lambda: StockMachine(redis_url),  # type: ignore[arg-type]
        settings=settings(
            max_examples=100,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture],
        ),
    )
