#!/usr/bin/env python3
"""Fault, load and abuse scenarios against a real running livesale, with a table of figures.

Each scenario starts its own `livesale serve` (embedded `redis-server`,
SQLite, media and shop processes) on loopback, does its damage, and checks
what must still hold. Runs are bounded (each scenario has a time budget and
fixed counts) and reproducible (a seed per run, printed).

    .venv/bin/python scripts/chaos.py                 # every scenario, full size
    .venv/bin/python scripts/chaos.py --only 1,6      # some of them
    .venv/bin/python scripts/chaos.py --quick         # the test suite's sizes
    .venv/bin/python scripts/chaos.py --seed 1234     # repeat a run
    .venv/bin/python scripts/chaos.py --list          # the table's numbers and names, as JSON
    .venv/bin/python scripts/chaos.py --database postgresql --only 1,2  # the record in PostgreSQL

Exit status 1 when any scenario had a failure.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # livesale's own modules and the Stripe stand-in of the tests

from chaos_scenarios import all_scenarios  # noqa: E402
from chaos_scenarios.harness import Outcome, Run, Scenario  # noqa: E402
from private_postgres import new_database, private_postgres  # noqa: E402

QUICK_BUDGET_SECONDS = 90.0


async def run_one(scenario: Scenario, seed: int, quick: bool) -> tuple[Outcome, float]:
    """Run a scenario within its budget; a crash or overrun is one failure."""
    budget = QUICK_BUDGET_SECONDS if quick else scenario.budget_seconds
    workdir = Path(tempfile.mkdtemp(prefix=f"chaos{scenario.number}-"))
    started = time.monotonic()
    run = Run(seed=seed, quick=quick, deadline=started + budget, workdir=workdir)
    try:
        # A little slack past the budget for the scenario's own clean-up.
        outcome = await asyncio.wait_for(scenario.run(run), budget + 60)
    except TimeoutError:
        outcome = Outcome(0, 1, "-", [f"did not finish within {budget + 60:.0f} s"])
    except Exception as exc:
        outcome = Outcome(0, 1, "-", [f"crashed: {exc!r}\n{traceback.format_exc()}"])
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return outcome, time.monotonic() - started


def print_table(rows: list[tuple[Scenario, Outcome, float]]) -> None:
    """The table docs/reliability.md quotes."""
    print("| # | scenario | expected | iterations | failures | figure | seconds |")
    print("| ---: | --- | --- | ---: | ---: | --- | ---: |")
    for scenario, outcome, seconds in rows:
        print(
            f"| {scenario.number} | {scenario.name} | {scenario.expected} | "
            f"{outcome.iterations:,} | {outcome.failures} | {outcome.figure} | {seconds:.0f} |"
        )


def _report(outcome: Outcome, seconds: float) -> None:
    """One scenario's line, and its problems."""
    status = "ok" if outcome.failures == 0 else f"{outcome.failures} FAILURES"
    print(f"   {status}: {outcome.figure} ({seconds:.0f} s)", flush=True)
    for problem in outcome.problems:
        print(f"   ! {problem}", flush=True)


async def main(args: argparse.Namespace) -> int:
    """Run the chosen scenarios one after another and print the table."""
    seed = args.seed if args.seed is not None else random.randrange(1, 1_000_000)
    wanted = {int(n) for n in args.only.split(",")} if args.only else None
    scenarios = [s for s in all_scenarios() if wanted is None or s.number in wanted]
    print(
        f"seed {seed}; {'quick' if args.quick else 'full'} sizes; {len(scenarios)} scenarios; "
        f"the record in {args.database}"
    )
    rows: list[tuple[Scenario, Outcome, float]] = []
    with contextlib.ExitStack() as cleanup:
        postgres = cleanup.enter_context(private_postgres()) if args.database != "sqlite" else ""
        for scenario in scenarios:
            print(f"-- {scenario.number}. {scenario.name} ...", flush=True)
            if postgres:
                # A database of its own per scenario; every livesale serve it starts uses it.
                url = new_database(postgres, f"chaos{scenario.number}")
                os.environ["LIVESALE__DATABASE__URL"] = url
            outcome, seconds = await run_one(scenario, seed + scenario.number, args.quick)
            rows.append((scenario, outcome, seconds))
            _report(outcome, seconds)
    print()
    print_table(rows)
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "seed": seed,
                    "quick": args.quick,
                    "database": args.database,
                    "rows": [
                        {
                            "number": s.number,
                            "scenario": s.name,
                            "iterations": o.iterations,
                            "failures": o.failures,
                            "figure": o.figure,
                            "seconds": round(t, 1),
                            "problems": o.problems,
                        }
                        for s, o, t in rows
                    ],
                },
                indent=2,
            )
        )
    return 1 if any(o.failures for _s, o, _t in rows) else 0


def parse_args() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, help="random seed (default: a new one, printed)")
    parser.add_argument("--only", help="comma-separated scenario numbers")
    parser.add_argument("--quick", action="store_true", help="the test suite's small sizes")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument(
        "--database",
        choices=("sqlite", "postgresql"),
        default="sqlite",
        help="livesale's record: its SQLite file, or a private PostgreSQL (initdb, pg_ctl) "
        "with a database of its own per scenario",
    )
    parser.add_argument(
        "--list", action="store_true", help="print every scenario's number and name as JSON"
    )
    return parser.parse_args()


def list_scenarios() -> int:
    """Print the table's rows (number, name, expected) as JSON, running nothing."""
    rows = [
        {"number": s.number, "scenario": s.name, "expected": s.expected} for s in all_scenarios()
    ]
    print(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    arguments = parse_args()
    if arguments.list:
        sys.exit(list_scenarios())
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    sys.exit(asyncio.run(main(arguments)))
