"""Timing of the calls a gateway makes to its backend (Stripe's API, the dummy's SQLite)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from livesale.metrics import SHOP_GATEWAY_REQUEST_DURATION


@contextmanager
def gateway_call(gateway: str, call: str) -> Iterator[None]:
    """Observe the wrapped backend call's duration by gateway, call and outcome (ok, error).

    A plain (not async) context manager: timing awaits nothing, and `with` wraps an `await`.
    """
    started = time.perf_counter()
    outcome = "error"  # also for a cancelled call: it did not answer
    try:
        yield
        outcome = "ok"
    finally:
        SHOP_GATEWAY_REQUEST_DURATION.labels(gateway, call, outcome).observe(
            time.perf_counter() - started
        )
