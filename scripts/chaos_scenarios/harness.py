"""What every chaos scenario is built from: a running livesale, its users, and how a run is told.

A `Stage` is a real `livesale serve` on loopback and an `Actor` one
browser-like HTTP user; both live in `tests/support/` (the test suite runs
`livesale serve` the same way) and are re-exported here for the scenarios.
A scenario gets a `Run` (seed, size, deadline) and returns an `Outcome`:
iterations, failures and its figure.
"""

from __future__ import annotations

import random
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.polling import poll
from tests.support.processes import (
    HOST,
    alive,
    children,
    cmdline,
    free_port,
    open_fds,
    rss_bytes,
)
from tests.support.stage import (
    PASSWORD,
    START_TIMEOUT,
    Actor,
    Shop,
    Stage,
    open_shop,
    stage,
    stripe_settings,
    variant_levels,
)

__all__ = [
    "BUYER_ADDRESS",
    "BUYER_DETAILS",
    "HOST",
    "PASSWORD",
    "ROOT",
    "START_TIMEOUT",
    "Actor",
    "Outcome",
    "Run",
    "Scenario",
    "ScenarioFunction",
    "Shop",
    "Stage",
    "alive",
    "children",
    "cmdline",
    "free_port",
    "open_fds",
    "open_shop",
    "poll",
    "record_rows",
    "rss_bytes",
    "stage",
    "stripe_settings",
    "variant_levels",
]

ROOT = Path(__file__).resolve().parent.parent.parent
BUYER_ADDRESS = {
    "line1": "1 Market Street",
    "city": "Springfield",
    "postal_code": "12345",
    "country": "US",
}
# What a buyer types into the checkout form.
BUYER_DETAILS = {"email": "chaos@example.com", "name": "Chaos Buyer", "address": BUYER_ADDRESS}


@dataclass
class Outcome:
    """What one scenario found: its table row and, on failure, what went wrong."""

    iterations: int
    failures: int
    figure: str
    problems: list[str] = field(default_factory=list)

    def fail(self, problem: str) -> None:
        """Count one failure and keep its description (the first few are printed)."""
        self.failures += 1
        if len(self.problems) < 20:
            self.problems.append(problem)


@dataclass
class Run:
    """How big and how long a scenario may be, and its random source."""

    seed: int
    quick: bool  # the test suite's size: seconds, not minutes
    deadline: float  # monotonic time the scenario must be done by
    workdir: Path  # scratch space for this scenario (removed afterwards)
    random: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.random = random.Random(self.seed)

    def size(self, full: int, quick: int) -> int:
        """A count for this run: `quick` in the test suite, `full` from scripts/chaos.py."""
        return quick if self.quick else full

    def seconds_left(self) -> float:
        """Time left before the deadline."""
        return self.deadline - time.monotonic()


ScenarioFunction = Callable[[Run], Awaitable[Outcome]]


async def record_rows(
    stage_: Stage, query: str, params: Sequence[Any] = ()
) -> list[tuple[Any, ...]]:
    """Rows of a read query on the running server's record, through livesale's `Database`:
    its SQLite file, or its PostgreSQL when the stage runs with `database.url`."""
    # Imported here: the scenarios' load generators import this module and stay light.
    from livesale.storage.postgres_database import PostgresDatabase
    from livesale.storage.sqlite_database import SqliteDatabase

    url = stage_.env.get("LIVESALE__DATABASE__URL", "")
    db = await (
        PostgresDatabase.connect(url, 1) if url else SqliteDatabase.connect(stage_.sqlite_path())
    )
    try:
        rows = await db.fetchall(query, tuple(params))
    finally:
        await db.close()
    return [tuple(row[i] for i in range(len(row))) for row in rows]


@dataclass(frozen=True)
class Scenario:
    """One row of the chaos table."""

    number: int
    name: str
    expected: str  # the behaviour the scenario checks, in a few words
    run: ScenarioFunction
    budget_seconds: float  # the full run's time bound
