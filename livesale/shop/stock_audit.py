"""Stock counters checked against the record: rebuilt on a new Redis server, and periodically.

Redis keeps the counters (available, held, sold); the record (orders in the
database, the catalogue's stock) and the live holds in Redis say what they
should be. A Redis server that restarted from an AOF missing its last writes,
or a replica that took over, may have counters that sell a unit twice; its
run id (new at every start, other on every server) tells it apart from the
server whose counters were last checked, so holds are refused there until
the counters are rebuilt (see RUN_GUARD_LUA). A marker key alone could not
tell: it survives a cut AOF and is copied to replicas.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from livesale import metrics
from livesale.domain.errors import ServiceUnavailable, TryAgainSoon
from livesale.domain.stock import StockLevels
from livesale.domain.stock_audit import drift_units, expected_levels
from livesale.storage.locks import RedisLocks
from livesale.storage.stock_counters import StockCounters
from livesale.storage.stock_record import StockRecord

logger = logging.getLogger(__name__)

LOCK_NAME = "stock-check"
# Long enough for a rebuild of every variant; a crashed checker frees it by then.
LOCK_SECONDS = 60.0
# Measures before giving up on a variant whose counters keep moving.
MAX_ROUNDS = 20
RETRY_AFTER_SECONDS = 1


@dataclass(frozen=True)
class Mismatch:
    """A variant's counters as read, and what the record calls for."""

    seen: StockLevels
    wanted: StockLevels


@dataclass(frozen=True)
class CheckResult:
    """One check: the drift found (units, over variants) and how many variants were rewritten."""

    drift_units: int
    repaired: int
    unsettled: int


class StockAudit:
    """Compares every variant's counters with the record and rewrites those that drifted."""

    def __init__(self, counters: StockCounters, record: StockRecord, locks: RedisLocks) -> None:
        self._counters = counters
        self._record = record
        self._locks = locks
        # The run id of the server this process saw checked; "" until it has seen one.
        self.checked_run_id = ""
        # The one look (and rebuild, if this process does it) the holds waiting here share.
        self._looking: asyncio.Future[None] | None = None

    async def confirm(self) -> bool:
        """Whether the server answering now is the one whose counters were checked."""
        run_id = await self._counters.run_id()
        if await self._counters.checked_run_id() != run_id:
            return False
        self.checked_run_id = run_id
        return True

    async def await_checked(self) -> None:
        """Return once the answering server's counters are checked, rebuilding them here if
        no other process is; TryAgainSoon (503, Retry-After) while another does.

        The holds of a burst that meet a new server together share one look.
        """
        looking = self._looking
        if looking is None or looking.done():
            looking = self._looking = asyncio.ensure_future(self._look())
        await asyncio.shield(looking)

    async def _look(self) -> None:
        if not await self.confirm():
            await self._rebuild_alone()

    async def check_once(self) -> CheckResult:
        """The periodic job: rebuild on a new server, else repair drift; one process at a time."""
        try:
            async with self._locks.hold(LOCK_NAME, ttl_seconds=LOCK_SECONDS, wait_seconds=0):
                run_id = await self._counters.run_id()
                checked = await self._counters.checked_run_id()
                if checked != run_id:
                    return await self._rebuild_locked(run_id, checked)
                return await self._bring_in_line("drift")
        except ServiceUnavailable:
            # Another process checks: learn the server it checked, so holds here need not ask.
            await self.confirm()
            return CheckResult(drift_units=0, repaired=0, unsettled=0)

    async def _rebuild_alone(self) -> None:
        try:
            async with self._locks.hold(LOCK_NAME, ttl_seconds=LOCK_SECONDS, wait_seconds=0):
                run_id = await self._counters.run_id()
                checked = await self._counters.checked_run_id()
                # Another process may have finished between our look and the lock.
                if checked != run_id:
                    await self._rebuild_locked(run_id, checked)
                self.checked_run_id = run_id
        except ServiceUnavailable as exc:
            # The lock is taken: another process is rebuilding them.
            raise being_checked() from exc

    async def _rebuild_locked(self, run_id: str, checked: str | None) -> CheckResult:
        # No marker at all is a first start (or a Redis emptied by hand): worth a note only.
        level = logging.INFO if checked is None else logging.WARNING
        logger.log(level, "redis server %s (was %s): checking the stock counters", run_id, checked)
        result = await self._bring_in_line("redis_changed")
        await self._counters.mark_checked(run_id)
        self.checked_run_id = run_id
        logger.log(
            logging.WARNING if result.repaired else level,
            "stock counters checked on redis %s: %d variant(s) rebuilt, %d unit(s) had drifted",
            run_id,
            result.repaired,
            result.drift_units,
        )
        return result

    async def _bring_in_line(self, reason: metrics.StockRepairReason) -> CheckResult:
        """Measure until each variant reads the same twice in a row, then repair it.

        Two equal readings, each taking the record first and Redis after, cannot
        both fall inside a sale's step between its commit in Redis and its order
        being marked paid, so what they agree on is drift, not a sale in flight.
        """
        pending = sorted(await self._counters.variant_ids())
        previous = await self._mismatches(pending)
        drift = repaired = 0
        for _ in range(MAX_ROUNDS):
            if not previous:
                break
            current = await self._mismatches(sorted(previous))
            settled = {v: m for v, m in current.items() if previous.get(v) == m}
            for variant_id, mismatch in settled.items():
                if not await self._counters.repair(variant_id, mismatch.seen, mismatch.wanted):
                    continue  # a sale moved them since: measure again
                drift += drift_units(mismatch.seen, mismatch.wanted)
                repaired += 1
                del current[variant_id]
                logger.warning(
                    "stock of variant %s rebuilt from %s to %s (%s)",
                    variant_id,
                    mismatch.seen,
                    mismatch.wanted,
                    reason,
                )
            previous = current
        metrics.SHOP_STOCK_DRIFT.set(drift)
        metrics.count_stock_repairs(reason, repaired)
        if previous:
            logger.warning(
                "stock of %d variant(s) kept moving: left to the next check", len(previous)
            )
        return CheckResult(drift_units=drift, repaired=repaired, unsettled=len(previous))

    async def _mismatches(self, variant_ids: Sequence[str]) -> dict[str, Mismatch]:
        record = await self._record.read(variant_ids)
        readings = await self._counters.measure(list(record.stock), record.waiting_holds)
        found = {}
        for variant_id, reading in readings.items():
            wanted = expected_levels(record.stock[variant_id], reading)
            if wanted != reading.levels:
                found[variant_id] = Mismatch(seen=reading.levels, wanted=wanted)
        return found


def being_checked() -> TryAgainSoon:
    """The 503 for a hold while the counters are not yet checked on this server."""
    return TryAgainSoon(
        "the stock is being checked after a Redis restart; try again in a moment",
        retry_after_seconds=RETRY_AFTER_SECONDS,
    )
