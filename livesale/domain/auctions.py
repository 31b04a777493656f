"""Live auctions: terms, the increment table and proxy-bid resolution (pure, no I/O).

`AuctionModel` is the reference the Redis bid script is tested against: the
same rules, written plainly, with the clock passed in.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from enum import StrEnum

from livesale.domain.errors import ValidationFailed

MIN_DURATION_SECONDS = 5
MAX_DURATION_SECONDS = 120
MAX_COUNTER_BID_SECONDS = 60
MAX_START_DELAY_SECONDS = 600
MAX_PRICE_MINOR = 100_000_000
MAX_INCREMENT_STEPS = 10

# Whatnot-like steps: below 20.00 bids go up by 1.00, below 50.00 by 2.00, and so on.
DEFAULT_STEPS: tuple[tuple[int, int], ...] = (
    (2_000, 100),
    (5_000, 200),
    (10_000, 500),
    (50_000, 1_000),
)
DEFAULT_TOP_STEP = 2_500


class UnpaidPolicy(StrEnum):
    """What happens when the winner does not pay within the payment window."""

    SECOND_CHANCE = "second_chance"  # the next bidder is offered it at their highest bid
    RELEASE = "release"  # the unit goes back on sale


class AuctionStatus(StrEnum):
    """Where an auction is: taking bids (before its start: pre-bids), closed, or canceled."""

    OPEN = "open"
    CLOSED = "closed"
    CANCELED = "canceled"


class BidOutcome(StrEnum):
    """The bid script's answer."""

    LEADING = "leading"  # accepted; the bidder leads
    OUTBID = "outbid"  # accepted, but an earlier private maximum beat it at once
    TOO_LOW = "too_low"  # below the smallest acceptable amount
    CLOSED = "closed"  # the auction is closed, canceled, or its end has passed


@dataclass(frozen=True, slots=True)
class Increments:
    """The step a bid must add: `steps` are (below this price, add this), then `top`."""

    steps: tuple[tuple[int, int], ...] = DEFAULT_STEPS
    top: int = DEFAULT_TOP_STEP

    def at(self, price_minor: int) -> int:
        """The increment above `price_minor`."""
        for below, step in self.steps:
            if price_minor < below:
                return step
        return self.top

    def encode(self) -> str:
        """The table as the bid script reads it: 'below:step,...;top'."""
        return ",".join(f"{below}:{step}" for below, step in self.steps) + f";{self.top}"

    @staticmethod
    def decode(text: str) -> Increments:
        """The inverse of encode."""
        steps_text, top = text.split(";")
        steps = tuple(
            (int(below), int(step))
            for below, step in (pair.split(":") for pair in steps_text.split(",") if pair)
        )
        return Increments(steps, int(top))


def check_increments(raw: object) -> Increments:
    """An increment table from JSON: {"steps": [[below, step], ...], "top": step}."""
    field_name = "increments"
    if not isinstance(raw, dict) or set(raw) != {"steps", "top"}:
        raise ValidationFailed(
            'increments must be {"steps": [[below_minor, step_minor], ...], "top": step_minor}',
            field=field_name,
            reason="bad_format",
        )
    steps_raw, top = raw["steps"], raw["top"]
    if not isinstance(steps_raw, list) or len(steps_raw) > MAX_INCREMENT_STEPS:
        raise ValidationFailed(
            f"increments.steps must be a list of at most {MAX_INCREMENT_STEPS} pairs",
            field=f"{field_name}.steps",
            reason="bad_format",
        )
    steps: list[tuple[int, int]] = []
    for pair in steps_raw:
        if not (isinstance(pair, list) and len(pair) == 2 and all(_money(v) for v in pair)):
            raise ValidationFailed(
                "each step is [below_minor, step_minor], whole numbers above 0",
                field=f"{field_name}.steps",
                reason="bad_format",
            )
        steps.append((pair[0], pair[1]))
    if any(a[0] >= b[0] for a, b in itertools.pairwise(steps)):
        raise ValidationFailed(
            "increments.steps must go up in price",
            field=f"{field_name}.steps",
            reason="bad_format",
        )
    if not _money(top):
        raise ValidationFailed(
            "increments.top must be a whole number above 0",
            field=f"{field_name}.top",
            reason="bad_format",
        )
    assert isinstance(top, int)
    return Increments(tuple(steps), top)


def _money(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_PRICE_MINOR


@dataclass(frozen=True, slots=True)
class AuctionTerms:
    """What the creator asks for when starting an auction on one variant of the bag."""

    variant_id: str
    start_price_minor: int
    duration_seconds: int
    counter_bid_seconds: int
    sudden_death: bool
    increments: Increments
    unpaid_policy: UnpaidPolicy
    starts_in_seconds: int = 0  # > 0: viewers may pre-bid until it opens


@dataclass(frozen=True, slots=True)
class BidResult:
    """What one bid did: the outcome and the auction's price, leader and end after it."""

    outcome: BidOutcome
    price_minor: int
    leader: str | None
    ends_ms: int
    extended: bool
    min_bid_minor: int


def min_bid(price_minor: int, leader: str | None, increments: Increments) -> int:
    """The smallest bid another bidder may make: the start price, or price + increment."""
    return price_minor if leader is None else price_minor + increments.at(price_minor)


def resolve_bid(
    price_minor: int,
    leader: str | None,
    leader_max: int,
    bidder: str,
    amount: int,
    inc: Increments,
    *,
    is_max: bool,
) -> tuple[BidOutcome, int, str | None, int]:
    """Resolve one bid of an acceptable size: (outcome, price, leader, leader's maximum).

    A plain bid is a maximum whose amount also becomes the price when it leads;
    a proxy bid (`is_max`) leads at the least it must: eBay-style, the price
    becomes the second-highest maximum plus one increment, never above the top
    maximum. Equal maximums go to the earlier one.
    """
    if leader is None:
        return BidOutcome.LEADING, amount if not is_max else price_minor, bidder, amount
    if bidder == leader:
        # Raising one's own maximum; only a plain bid raises the price too.
        price = price_minor if is_max else max(price_minor, amount)
        return BidOutcome.LEADING, price, leader, max(leader_max, amount)
    if amount > leader_max:
        price = min(amount, leader_max + inc.at(leader_max)) if is_max else amount
        return BidOutcome.LEADING, price, bidder, amount
    return BidOutcome.OUTBID, min(leader_max, amount + inc.at(amount)), leader, leader_max


@dataclass
class AuctionModel:
    """The reference auction (times in ms on the server's clock)."""

    start_price_minor: int
    starts_ms: int
    ends_ms: int
    counter_ms: int
    sudden_death: bool
    increments: Increments = field(default_factory=Increments)
    status: AuctionStatus = AuctionStatus.OPEN
    price_minor: int = 0
    leader: str | None = None
    leader_max: int = 0
    bids: int = 0
    maxes: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.price_minor = self.start_price_minor

    def is_over(self, now_ms: int) -> bool:
        """Closed already, or past its end."""
        return self.status is not AuctionStatus.OPEN or now_ms >= self.ends_ms

    def bid(self, bidder: str, amount: int, now_ms: int, *, is_max: bool = False) -> BidResult:
        """One bid, plain or a private maximum (`is_max`)."""
        lowest = min_bid(self.price_minor, self.leader, self.increments)
        if bidder == self.leader:
            lowest = self.leader_max + 1
        if self.is_over(now_ms):
            return self._result(BidOutcome.CLOSED, False, lowest)
        if amount < lowest:
            return self._result(BidOutcome.TOO_LOW, False, lowest)
        outcome, self.price_minor, self.leader, self.leader_max = resolve_bid(
            self.price_minor,
            self.leader,
            self.leader_max,
            bidder,
            amount,
            self.increments,
            is_max=is_max,
        )
        self.bids += 1
        self.maxes[bidder] = max(self.maxes.get(bidder, 0), amount)
        extended = False
        started = now_ms >= self.starts_ms
        if started and not self.sudden_death and self.ends_ms - now_ms < self.counter_ms:
            self.ends_ms = now_ms + self.counter_ms
            extended = True
        return self._result(
            outcome, extended, min_bid(self.price_minor, self.leader, self.increments)
        )

    def close(self, now_ms: int) -> bool:
        """Close once the end has passed; True only for the call that closed it."""
        if self.status is not AuctionStatus.OPEN or now_ms < self.ends_ms:
            return False
        self.status = AuctionStatus.CLOSED
        return True

    def _result(self, outcome: BidOutcome, extended: bool, lowest: int) -> BidResult:
        return BidResult(outcome, self.price_minor, self.leader, self.ends_ms, extended, lowest)


def runner_up(maxes: dict[str, int], winner: str | None) -> tuple[str, int] | None:
    """The bidder offered a second chance: the highest maximum after the winner's."""
    others = [(amount, bidder) for bidder, amount in maxes.items() if bidder != winner]
    if not others:
        return None
    amount, bidder = max(others)
    return bidder, amount


@dataclass(frozen=True, slots=True)
class Auction:
    """An auction as stored: its terms, and its price and leader now (times in epoch ms)."""

    id: str
    creator_id: str
    show_id: str
    product_id: str
    variant_id: str
    currency: str
    status: AuctionStatus
    start_price_minor: int
    price_minor: int
    leader: str | None
    leader_name: str | None
    bids: int
    starts_ms: int
    ends_ms: int
    counter_bid_seconds: int
    sudden_death: bool
    increments: Increments
    unpaid_policy: UnpaidPolicy
    # Who is offered the unit now (the winner, then perhaps the runner-up) and at what price.
    buyer: str | None = None
    buyer_price_minor: int | None = None
    checkout_id: str | None = None

    @property
    def min_bid_minor(self) -> int:
        """The smallest bid a bidder other than the leader may make now."""
        return min_bid(self.price_minor, self.leader, self.increments)


class MarkKind(StrEnum):
    """An auction's moments on the show's timeline."""

    START = "start"
    RESULT = "result"


@dataclass(frozen=True, slots=True)
class AuctionMark:
    """An auction's start or result, stamped in ms since the show went live (for the replay)."""

    show_id: str
    auction_id: str
    kind: MarkKind
    offset_ms: int
    product_id: str
    price_minor: int  # the start price, or the winning price (0 at a result without bids)
    currency: str
    winner_name: str | None
    created_at: float
