"""Stock counters against the record: what they should be and how far they drifted (pure)."""

from __future__ import annotations

from dataclasses import dataclass

from livesale.domain.stock import StockLevels


@dataclass(frozen=True)
class CounterReading:
    """A variant's counters, read in one step with what the live holds in Redis add up to.

    `live_held` is the units of holds still held; `waiting_sold` the units of
    holds already committed for orders the record still has waiting for payment.
    """

    levels: StockLevels
    live_held: int
    waiting_sold: int


@dataclass(frozen=True)
class RecordedStock:
    """What the record says of a variant: its stock, and units sold in paid orders."""

    total: int
    sold: int


def expected_levels(record: RecordedStock, reading: CounterReading) -> StockLevels:
    """The counters the record and the live holds call for.

    Sold is the record's (plus sales whose order is being marked paid); held is
    what the live holds add up to; available is the rest, never below zero (if
    the record already sold more than the stock, nothing more is for sale).
    """
    sold = record.sold + reading.waiting_sold
    held = reading.live_held
    return StockLevels(available=max(record.total - held - sold, 0), held=held, sold=sold)


def drift_units(actual: StockLevels, expected: StockLevels) -> int:
    """Units out of place: the largest difference of the three counters."""
    return max(
        abs(actual.available - expected.available),
        abs(actual.held - expected.held),
        abs(actual.sold - expected.sold),
    )
