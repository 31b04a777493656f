"""Every scenario of `scripts/chaos.py`, at the test suite's size: no failure allowed.

The suite runs the script as a process (`--quick --seed --only --json`) and
reads its JSON, so the scenarios stay scripts and nothing here imports them.
`--quick` runs the same code as the full runs with small counts and short
windows; each scenario checks its own invariants and reports failures.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import pytest

CHAOS = Path(__file__).resolve().parents[2] / "scripts" / "chaos.py"
# The chaos table's length: a new scenario adds one here (and nowhere else).
SCENARIO_COUNT = 19
QUICK_BUDGET_SECONDS = 90.0  # scripts/chaos.py's per-scenario bound with --quick
SEED = 20261205  # fixed, so a failure here repeats with `scripts/chaos.py --quick --seed`


async def chaos(*arguments: str, output: Path) -> str:
    """Run scripts/chaos.py with `arguments`; its stdout (stderr kept in `output`)."""
    with output.open("wb") as errors:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            str(CHAOS),
            *arguments,
            stdout=asyncio.subprocess.PIPE,
            stderr=errors,
        )
        out, _ = await process.communicate()
    return out.decode()


async def test_scenarios_are_numbered_one_to_the_count(tmp_path: Path) -> None:
    listed = json.loads(await chaos("--list", output=tmp_path / "stderr.txt"))
    assert [row["number"] for row in listed] == list(range(1, SCENARIO_COUNT + 1)), (
        tmp_path / "stderr.txt"
    ).read_text()


@pytest.mark.timeout(QUICK_BUDGET_SECONDS + 120)
@pytest.mark.parametrize("number", range(1, SCENARIO_COUNT + 1), ids=lambda n: f"scenario-{n}")
async def test_scenario_holds(number: int, tmp_path: Path) -> None:
    result = tmp_path / "result.json"
    stderr = tmp_path / "stderr.txt"
    printed = await chaos(
        "--quick", "--seed", str(SEED), "--only", str(number), "--json", str(result), output=stderr
    )
    assert result.exists(), f"{printed}\n{stderr.read_text()[-3000:]}"
    rows: list[dict[str, Any]] = json.loads(result.read_text())["rows"]
    assert [row["number"] for row in rows] == [number], printed
    assert rows[0]["iterations"] > 0, "the scenario did nothing"
    assert rows[0]["failures"] == 0, "\n".join(rows[0]["problems"])


# The races of the shop, and the crashes and the power cut that test what the record keeps:
# these run with the record in PostgreSQL too (a private server the script starts).
ON_POSTGRESQL = (1, 2, 6, 7, 19)


@pytest.mark.timeout(QUICK_BUDGET_SECONDS + 120)
@pytest.mark.parametrize("number", ON_POSTGRESQL, ids=lambda n: f"scenario-{n}")
async def test_scenario_holds_on_postgresql(number: int, tmp_path: Path) -> None:
    result = tmp_path / "result.json"
    stderr = tmp_path / "stderr.txt"
    printed = await chaos(
        *("--quick", "--seed", str(SEED), "--only", str(number), "--json", str(result)),
        *("--database", "postgresql"),
        output=stderr,
    )
    assert result.exists(), f"{printed}\n{stderr.read_text()[-3000:]}"
    report = json.loads(result.read_text())
    assert report["database"] == "postgresql"
    rows: list[dict[str, Any]] = report["rows"]
    assert [row["number"] for row in rows] == [number], printed
    assert rows[0]["iterations"] > 0, "the scenario did nothing"
    assert rows[0]["failures"] == 0, "\n".join(rows[0]["problems"])
