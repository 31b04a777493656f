"""Waiting for a condition in tests: poll it with a deadline, never sleep a fixed time."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

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


async def poll(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    """Wait until `condition()` is truthy (awaited if it is a coroutine); its value."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        await asyncio.sleep(0.05)


def wait_until(
    check: Callable[[], bool],
    timeout: float,
    what: str,
    not_yet: tuple[type[BaseException], ...] = (),
) -> None:
    """Block until `check()` is true (an exception in `not_yet` counts as not yet); fail after
    `timeout` seconds. For fixtures that start servers before any event loop runs."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if check():
                return
        except not_yet:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)
