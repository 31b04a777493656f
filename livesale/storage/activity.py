"""What happened in shows, for creator analytics: watch sessions and per-slot counters.

Recording sits on hot paths (room joins, likes, Buy now), so nothing waits on
SQLite there: events collect in memory and one transaction a
`flush_interval_seconds` writes them. A crash loses at most that much; a watch
session left open by a crash ends, for the figures, at its last heartbeat.
"""

from __future__ import annotations

import asyncio
import logging
import math
import secrets
import time
from collections.abc import Callable

from livesale.config import AnalyticsSettings
from livesale.domain.analytics import SLOT_SECONDS, ActivityCount, WatchSession
from livesale.storage.database import Database
from livesale.tasks import cancel_and_wait

logger = logging.getLogger(__name__)

# Told (viewer id, show id, seconds watched) when a known guest's watch session ends.
WatchListener = Callable[[str, str, float], None]
# Told (viewer id, show id, kind) when a counted event has a known guest behind it.
CountListener = Callable[[str, str, str], None]

# Events kept for another try while SQLite fails; beyond this a failed batch is
# dropped (and logged) rather than growing memory without bound.
MAX_PENDING_EVENTS = 200_000
# After this many heartbeats without news, an open session is taken as ended
# at its last one (its process died); until then it runs to "now".
STALE_HEARTBEATS = 2


class ActivityRecorder:
    """Collects this process's show events and writes them to SQLite in batches."""

    def __init__(
        self,
        db: Database,
        settings: AnalyticsSettings,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._db = db
        self._settings = settings
        self._clock = clock
        self._process_id = secrets.token_hex(8)
        self._started: list[tuple[str, str, str, float, bool, str | None]] = []
        self._ended: list[tuple[float, str]] = []
        self._counts: dict[tuple[str, int, str, int], int] = {}
        self._open = 0
        self._last_heartbeat = clock()
        self._task: asyncio.Task[None] | None = None
        self._flush_lock = asyncio.Lock()
        # Sessions of known guests, so their watch time can feed their "For you" profile.
        self._watching: dict[str, tuple[str, str, float]] = {}
        self.watch_listener: WatchListener | None = None
        self.count_listener: CountListener | None = None

    def start(self) -> None:
        """Start writing every flush interval."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        """Stop the timer and write what is pending."""
        if self._task is not None:
            await cancel_and_wait(self._task)
            self._task = None
        await self.flush()

    def session_started(
        self,
        show_id: str,
        audience_key: str,
        *,
        replay: bool = False,
        viewer_id: str | None = None,
    ) -> str:
        """Record that someone started watching (the live, or the replay); returns its id.

        `viewer_id` is the guest identity of the connection, if it has one: it
        ties the browser's audience key to the orders that guest paid for.
        """
        session_id = secrets.token_hex(12)
        self._started.append((session_id, show_id, audience_key, self._clock(), replay, viewer_id))
        self._open += 1
        if viewer_id is not None and self.watch_listener is not None:
            self._watching[session_id] = (show_id, viewer_id, self._clock())
        return session_id

    def session_ended(self, session_id: str) -> None:
        """Record that a watch session ended."""
        now = self._clock()
        self._ended.append((now, session_id))
        self._open -= 1
        watching = self._watching.pop(session_id, None)
        if watching is not None and self.watch_listener is not None:
            show_id, viewer_id, started = watching
            self.watch_listener(viewer_id, show_id, max(0.0, now - started))

    def count(
        self, show_id: str, kind: str, pin_id: int, n: int = 1, *, viewer_id: str | None = None
    ) -> None:
        """Count `n` events of `kind` in the show now (pin_id 0 when not under a pin);
        `viewer_id` is the guest behind them, when known (the "For you" feed learns from it)."""
        slot = math.floor(self._clock() / SLOT_SECONDS)
        key = (show_id, slot, kind, pin_id)
        self._counts[key] = self._counts.get(key, 0) + n
        if viewer_id is not None and self.count_listener is not None:
            self.count_listener(viewer_id, show_id, kind)

    async def flush(self) -> None:
        """Write pending events in one transaction (kept for the next try if it fails)."""
        async with self._flush_lock:
            now = self._clock()
            due = now - self._last_heartbeat >= self._settings.heartbeat_seconds
            heartbeat = due and self._open > 0  # nothing to vouch for: no write at all
            if not (self._started or self._ended or self._counts or heartbeat):
                return
            started, ended, counts = self._started, self._ended, self._counts
            self._started, self._ended, self._counts = [], [], {}
            try:
                await self._write(started, ended, counts, now if heartbeat else None)
            except Exception:
                pending = len(started) + len(ended) + len(counts)
                if pending > MAX_PENDING_EVENTS:
                    logger.error("dropped %d unwritten show events", pending)
                    raise
                # Put them back in front, so nothing is lost while SQLite is busy.
                self._started = started + self._started
                self._ended = ended + self._ended
                for key, n in counts.items():
                    self._counts[key] = self._counts.get(key, 0) + n
                raise
            if heartbeat:
                self._last_heartbeat = now

    async def _write(
        self,
        started: list[tuple[str, str, str, float, bool, str | None]],
        ended: list[tuple[float, str]],
        counts: dict[tuple[str, int, str, int], int],
        heartbeat_at: float | None,
    ) -> None:
        async with self._db.transaction() as conn:
            if started:
                await conn.executemany(
                    "INSERT INTO watch_sessions (id, show_id, audience_key, process_id,"
                    " started_at, seen_at, replay, viewer_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        (sid, show, key, self._process_id, at, at, int(replay), viewer)
                        for sid, show, key, at, replay, viewer in started
                    ],
                )
            if ended:
                await conn.executemany(
                    "UPDATE watch_sessions SET ended_at = ?, seen_at = ? WHERE id = ?",
                    [(at, at, sid) for at, sid in ended],
                )
            if counts:
                await conn.executemany(
                    "INSERT INTO show_activity (show_id, slot, kind, pin_id, count)"
                    " VALUES (?, ?, ?, ?, ?) ON CONFLICT (show_id, slot, kind, pin_id)"
                    " DO UPDATE SET count = show_activity.count + excluded.count",
                    [(show, slot, kind, pin, n) for (show, slot, kind, pin), n in counts.items()],
                )
            if heartbeat_at is not None and self._open:
                await conn.execute(
                    "UPDATE watch_sessions SET seen_at = ?"
                    " WHERE process_id = ? AND ended_at IS NULL",
                    (heartbeat_at, self._process_id),
                )

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._settings.flush_interval_seconds)
            try:
                await self.flush()
            except Exception as exc:  # SQLite busy or full: the events wait for the next try
                logger.warning("could not record show activity: %s", exc)


class ActivityRepository:
    """Reads what the recorder wrote."""

    def __init__(self, db: Database, settings: AnalyticsSettings) -> None:
        self._db = db
        self._settings = settings

    async def sessions(
        self, show_id: str, now: float, *, replay: bool = False
    ) -> list[WatchSession]:
        """The show's live (or replay) watch sessions; an open one ends now, or at its
        last heartbeat if that is stale."""
        rows = await self._db.fetchall(
            "SELECT audience_key, started_at, seen_at, ended_at, viewer_id FROM watch_sessions"
            " WHERE show_id = ? AND replay = ? ORDER BY started_at",
            (show_id, int(replay)),
        )
        stale_after = STALE_HEARTBEATS * self._settings.heartbeat_seconds
        sessions = []
        for key, started_at, seen_at, ended_at, viewer_id in rows:
            if ended_at is None:
                ended_at = now if now - seen_at <= stale_after else seen_at
            sessions.append(WatchSession(key, started_at, max(started_at, ended_at), viewer_id))
        return sessions

    async def counts(self, show_id: str) -> list[ActivityCount]:
        """The show's counters, slot by slot."""
        rows = await self._db.fetchall(
            "SELECT slot, kind, pin_id, count FROM show_activity WHERE show_id = ? ORDER BY slot",
            (show_id,),
        )
        return [
            ActivityCount(slot * SLOT_SECONDS, kind, pin_id, count)
            for slot, kind, pin_id, count in rows
        ]
