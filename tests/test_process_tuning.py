"""Process tuning: the open-file limit and the garbage-collector policy."""

from __future__ import annotations

import gc
import resource
import weakref
from collections.abc import Iterator

import pytest

from livesale.config import Settings
from livesale.process_tuning import (
    EARLY_FULL_PASS_BYTES,
    GcPolicy,
    files_needed,
    note_garbage,
    raise_open_file_limit,
)


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
    cycle = Cycle()
    now[0] = 60
    policy.tick()
    frozen = weakref.ref(cycle)
    del cycle
    now[0] = 90
    policy.tick()
    assert frozen() is not None  # frozen garbage waits for the full pass
    now[0] = 600
    policy.tick()
    assert frozen() is None, "the frozen cycle was not collected"

    # Garbage made between ticks is collected before the survivors are frozen.
    cycle = Cycle()
    young = weakref.ref(cycle)
    del cycle
    now[0] = 630
    policy.tick()
    assert young() is None, "garbage was frozen with the survivors"


def test_reported_garbage_brings_the_full_pass_forward(unfrozen: None) -> None:
    now = [0.0]
    policy = GcPolicy(freeze_seconds=5, full_collect_seconds=600, clock=lambda: now[0])
    cycle = Cycle()
    now[0] = 5
    policy.tick()
    frozen = weakref.ref(cycle)
    del cycle  # a session that lived past a freeze, then ended
    note_garbage(EARLY_FULL_PASS_BYTES // 2)
    now[0] = 10
    policy.tick()
    assert frozen() is not None, "half the threshold does not force a full pass"
    note_garbage(EARLY_FULL_PASS_BYTES // 2)
    now[0] = 15
    policy.tick()
    assert frozen() is None, "enough reported garbage makes the next tick a full pass"
    # The count starts again: the next tick is an ordinary one.
    cycle = Cycle()
    now[0] = 20
    policy.tick()
    again = weakref.ref(cycle)
    del cycle
    now[0] = 25
    policy.tick()
    assert again() is not None


class Cycle:
    """An object that refers to itself: only the cycle collector frees it."""

    def __init__(self) -> None:
        self.me = self
