"""Waiting for a condition in tests: poll it with a deadline, never sleep a fixed time."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

POLL_SECONDS = 0.01


async def poll_until(
    condition: Callable[[], Awaitable[bool] | bool], timeout: float, what: str
) -> None:
    """Poll `condition` (plain or async) until it is true; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if not isinstance(result, bool):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(POLL_SECONDS)
