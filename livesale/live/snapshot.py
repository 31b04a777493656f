"""Snapshots: the state a connection starts from, built once per show and shared.

The shared part (show, pin, recent chat, slow mode) is serialised once and
reused by every connection that joins while no event has reached the show
since the build began (the fan-out counts events in `seq`). So 5,000 viewers
joining at once cost one build, not 5,000. The per-connection part (viewer
count, likes, `you`) is spliced onto the shared JSON text.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from livesale.domain.chat import ChatMessage
from livesale.domain.shows import Show
from livesale.live.events import chat_message_json
from livesale.live.protocol import dumps
from livesale.storage.room_redis import ChatLimits
from livesale.storage.shows import ShowRepository

# Even without events, a cached part is rebuilt after this long (pin countdowns, titles).
MAX_AGE_SECONDS = 5.0

Extras = Callable[[str], Awaitable[dict[str, Any]]]


async def no_extras(show_id: str) -> dict[str, Any]:
    """The default snapshot hook: nothing to add."""
    return {}


def basic_show_state(show: Show) -> dict[str, Any]:
    """The show as the room sends it when the extras hook gives none (times in epoch seconds)."""
    return {
        "id": show.id,
        "title": show.title,
        "status": show.status.value,
        "creator_id": show.creator_id,
        "scheduled_at": show.scheduled_at,
        "live_at": show.live_at,
        "ended_at": show.ended_at,
    }


@dataclass(frozen=True)
class SharedSnapshot:
    """The serialised shared part of a show's snapshot, and what it covers."""

    seq: int  # the show's event count when the build began
    built_at: float
    prefix: str  # JSON object text without its closing brace
    chat_ids: frozenset[int]

    def render(self, viewers: int, likes: int, you: dict[str, Any]) -> str:
        """The whole snapshot event as JSON text."""
        tail = dumps({"viewers": viewers, "likes": likes, "you": you})
        return self.prefix + "," + tail[1:]


class SnapshotCache:
    """Builds shared snapshot parts, at most one at a time per show, and reuses them."""

    def __init__(
        self,
        shows: ShowRepository,
        history: Callable[[str], Awaitable[list[ChatMessage]]],
        limits: ChatLimits,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._shows = shows
        self._history = history
        self._limits = limits
        self._clock = clock
        self.extras: Extras = no_extras
        self._cache: dict[str, SharedSnapshot] = {}
        self._building: dict[str, tuple[int, asyncio.Task[SharedSnapshot]]] = {}

    async def get(self, show_id: str, min_seq: int, seq_now: Callable[[], int]) -> SharedSnapshot:
        """A shared part whose build began after the show's `min_seq`-th event."""
        cached = self._cache.get(show_id)
        fresh = cached is not None and self._clock() - cached.built_at < MAX_AGE_SECONDS
        if cached is not None and fresh and cached.seq >= min_seq:
            return cached
        building = self._building.get(show_id)
        if building is None or building[0] < min_seq:
            seq = seq_now()
            task = asyncio.get_running_loop().create_task(self._build(show_id, seq))
            building = (seq, task)
            self._building[show_id] = building
            task.add_done_callback(lambda _t: self._built(show_id, building))
        return await asyncio.shield(building[1])

    def forget(self, show_id: str) -> None:
        """Drop what is cached for a show (its event count starts again)."""
        self._cache.pop(show_id, None)

    def _built(self, show_id: str, building: tuple[int, asyncio.Task[SharedSnapshot]]) -> None:
        if self._building.get(show_id) is building:
            del self._building[show_id]
        task = building[1]
        if not task.cancelled() and task.exception() is None:
            result = task.result()
            cached = self._cache.get(show_id)
            if cached is None or cached.seq <= result.seq:
                self._cache[show_id] = result

    async def _build(self, show_id: str, seq: int) -> SharedSnapshot:
        started = self._clock()
        extras = dict(await self.extras(show_id))
        show_state = extras.pop("show", None)
        if show_state is None:
            show_state = basic_show_state(await self._shows.get(show_id))
        publisher = extras.pop("publisher", None)
        if publisher is not None and show_state["status"] == "live":
            # Whether the live show's creator is on air or reconnecting (as `show` events say).
            show_state = {**show_state, "publisher": publisher}
        chat = await self._history(show_id)
        slow_mode = await self._limits.slow_mode_seconds(show_id)
        body = {
            "type": "snapshot",
            "show": show_state,
            "pin": extras.get("pin"),
            "chat": [chat_message_json(m) for m in chat],
            "slow_mode_seconds": slow_mode,
        }
        body.update({k: v for k, v in extras.items() if k not in body})
        prefix = dumps(body)[:-1]
        return SharedSnapshot(seq, started, prefix, frozenset(m.id for m in chat))
