"""Clocks that move only when a test says so, so waits are tested without sleeping."""

from __future__ import annotations


class FakeClock:
    """A clock in seconds (like `time.time`) that moves only when told to."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move time forward."""
        self.now += seconds


class FakeMillisecondClock:
    """A clock in whole milliseconds (what the stock store reads) that moves only when told."""

    def __init__(self, now_ms: int = 1_700_000_000_000) -> None:
        self.now_ms = now_ms

    def __call__(self) -> int:
        return self.now_ms

    def advance(self, ms: int) -> None:
        """Move time forward."""
        self.now_ms += ms
