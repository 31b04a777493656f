"""Process tuning: the open-file limit and the garbage-collector policy."""

from __future__ import annotations

import gc
import resource
from collections.abc import Iterator

import pytest

from livesale.config import Settings
from livesale.process_tuning import GcPolicy, files_needed, raise_open_file_limit


@pytest.fixture
def restore_nofile() -> Iterator[None]:
    limits = resource.getrlimit(resource.RLIMIT_NOFILE)
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, limits)


@pytest.fixture
def unfrozen() -> Iterator[None]:
    yield
    gc.unfreeze()


def test_open_file_limit_is_raised_up_to_the_hard_limit(restore_nofile: None) -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))
    wanted = files_needed(Settings())
    got = raise_open_file_limit(wanted)
    expected = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    assert got == expected
    assert resource.getrlimit(resource.RLIMIT_NOFILE)[0] == expected
    # Never lowered.
    assert raise_open_file_limit(10) == expected


def test_gc_policy_freezes_then_releases_and_collects(unfrozen: None) -> None:
    now = [0.0]
    policy = GcPolicy(freeze_seconds=30, full_collect_seconds=600, clock=lambda: now[0])
    survivors = [[i] for i in range(1000)]
    now[0] = 30
    policy.tick()
    assert gc.get_freeze_count() >= len(survivors)

    # Garbage in a cycle among frozen objects is reclaimed at the full pass.
    cycle: list[object] = []
    cycle.append(cycle)
    now[0] = 60
    policy.tick()
    del cycle
    now[0] = 600
    policy.tick()
    assert gc.get_freeze_count() == 0
    assert not any(isinstance(o, list) and len(o) == 1 and o[0] is o for o in gc.get_objects()), (
        "the frozen cycle was not collected"
    )
