"""Every scenario of `scripts/chaos.py`, at the test suite's size: no failure allowed.

The same code as the full runs, with small counts and short windows
(`Run.quick`); each scenario checks its own invariants and reports failures.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from scripts.chaos_scenarios import all_scenarios
from scripts.chaos_scenarios.harness import Run, Scenario

QUICK_BUDGET_SECONDS = 90.0
SEED = 20261205  # fixed, so a failure here repeats with `scripts/chaos.py --quick --seed`


def test_scenarios_are_numbered_one_to_eighteen() -> None:
    assert [s.number for s in all_scenarios()] == list(range(1, 19))


@pytest.mark.timeout(QUICK_BUDGET_SECONDS + 120)
@pytest.mark.parametrize("scenario", all_scenarios(), ids=lambda s: f"{s.number}-{s.name}")
async def test_scenario_holds(scenario: Scenario, tmp_path: Path) -> None:
    run = Run(
        seed=SEED + scenario.number,
        quick=True,
        deadline=time.monotonic() + QUICK_BUDGET_SECONDS,
        workdir=tmp_path,
    )
    outcome = await scenario.run(run)
    assert outcome.iterations > 0, "the scenario did nothing"
    assert outcome.failures == 0, "\n".join(outcome.problems)
