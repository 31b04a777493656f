"""The chaos scenarios `scripts/chaos.py` runs (and `tests/chaos` runs small), in table order.

Every module of this package but `harness` declares `SCENARIOS`, a list of
`harness.Scenario`; the table is all of them, by number.
"""

from __future__ import annotations

import importlib
import pkgutil

from .harness import Scenario


def all_scenarios() -> list[Scenario]:
    """Every scenario, by number."""
    # Imported when the table is built: a scenario's heavy imports (aiortc,
    # hypothesis, playwright) load only for a run.
    found: list[Scenario] = []
    for module in pkgutil.iter_modules(__path__):
        if module.name == "harness" or module.name.startswith("_"):
            continue
        loaded = importlib.import_module(f"{__name__}.{module.name}")
        found.extend(loaded.SCENARIOS)
    numbers = [s.number for s in found]
    if len(numbers) != len(set(numbers)):
        raise RuntimeError(f"two scenarios share a number: {sorted(numbers)}")
    return sorted(found, key=lambda s: s.number)
