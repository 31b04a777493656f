"""Process-wide settings of `livesale serve`: event loop, open files, garbage-collector pauses."""

from __future__ import annotations

import asyncio
import gc
import logging
import resource
import time
from collections.abc import AsyncIterator, Callable

from aiohttp import web

from livesale.config import Settings
from livesale.tasks import cancel_and_wait

logger = logging.getLogger(__name__)

# Files the process needs besides client sockets: SQLite, Redis, logs, images.
SPARE_FILES = 1024


def new_event_loop(settings: Settings) -> asyncio.AbstractEventLoop:
    """uvloop's event loop when `server.use_uvloop` is set and it is installed, else asyncio's."""
    if settings.server.use_uvloop:
        try:
            import uvloop
        except ImportError:
            logger.info("uvloop is not installed; using asyncio's event loop")
        else:
            return uvloop.new_event_loop()
    return asyncio.new_event_loop()


def raise_open_file_limit(wanted: int) -> int:
    """Raise the soft RLIMIT_NOFILE towards `wanted` (up to the hard limit); returns it.

    Every room WebSocket and media socket is a file descriptor; the usual soft
    limit of 1024 would refuse connections long before the configured caps.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    if soft != resource.RLIM_INFINITY and soft < wanted:
        logger.warning(
            "open-file limit is %d but the configured connection caps need about %d; "
            "raise it (ulimit -n, or LimitNOFILE= in a systemd unit)",
            soft,
            wanted,
        )
    return int(soft)


def files_needed(settings: Settings) -> int:
    """File descriptors the configured caps can use at once."""
    # A WebRTC viewer holds a UDP socket per ICE candidate; two is typical.
    return (
        settings.room.max_connections_per_process
        + 2 * settings.media.max_viewers_per_process
        + SPARE_FILES
    )


# Frozen objects that became garbage, as reported by their owners (`note_garbage`):
# past this many bytes the next tick makes a full pass early.
EARLY_FULL_PASS_BYTES = 64 * 1024 * 1024
_frozen_garbage_bytes = 0


def note_garbage(size: int) -> None:
    """Report about `size` bytes of objects that may be frozen and are now garbage.

    A viewer who watched for a while and left leaves its peer connection (cycles
    of ~250 KB) frozen; without this hint it would wait for the timed full pass.
    """
    global _frozen_garbage_bytes
    _frozen_garbage_bytes += size


class GcPolicy:
    """Keeps the cycle collector's full passes rare and predictable.

    With thousands of connections a full pass walks every live object and
    stops the event loop for 100 ms or more, every few tens of seconds.
    Freezing the survivors every `freeze_seconds` keeps them out of those
    passes; every `full_collect_seconds` they are released and collected in
    one pass, so cyclic garbage among them is still reclaimed.
    """

    def __init__(
        self,
        freeze_seconds: float,
        full_collect_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._freeze_seconds = freeze_seconds
        self._full_collect_seconds = full_collect_seconds
        self._clock = clock
        self._released_at = clock()

    def tick(self) -> None:
        """Collect, then freeze the survivors; release everything first when it is time."""
        global _frozen_garbage_bytes
        now = self._clock()
        full = (
            now - self._released_at >= self._full_collect_seconds
            or _frozen_garbage_bytes >= EARLY_FULL_PASS_BYTES
        )
        if full:
            gc.unfreeze()
            self._released_at = now
            _frozen_garbage_bytes = 0
        started = time.perf_counter()
        # Frozen garbage stays until the next full pass, so collect before freezing:
        # a closed peer connection is ~250 KB of cycles, and WHIP/WHEP POST + DELETE
        # in a loop grew the media process by that much per session. Only objects
        # allocated since the last freeze are walked, so this pass is short.
        gc.collect()
        gc.freeze()
        if full:
            logger.debug(
                "full garbage collection took %.1f ms", 1000 * (time.perf_counter() - started)
            )

    async def run(self) -> None:
        """Tick every `freeze_seconds` until cancelled."""
        while True:
            await asyncio.sleep(self._freeze_seconds)
            self.tick()


def gc_policy_context(settings: Settings) -> Callable[[web.Application], AsyncIterator[None]]:
    """An aiohttp cleanup context running the GC policy (nothing when it is turned off)."""

    async def context(_app: web.Application) -> AsyncIterator[None]:
        server = settings.server
        if server.gc_freeze_seconds <= 0:
            yield
            return
        policy = GcPolicy(server.gc_freeze_seconds, server.gc_full_collect_seconds)
        task = asyncio.create_task(policy.run(), name="gc-policy")
        try:
            yield
        finally:
            await cancel_and_wait(task)
            gc.unfreeze()

    return context
