"""Sessions hung up at once are collected, not frozen by `livesale serve`'s GC policy.

Chaos scenario 8 POSTs still-valid WHIP offers and DELETEs the session at once.
A closed aiortc peer connection is garbage in reference cycles (~250 KB); the
GC policy froze whatever was alive at each tick, garbage included, so the media
process kept every such session until the full pass ten minutes later.
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest
from aiortc import RTCPeerConnection

from livesale.config import MediaSettings
from livesale.media.service import MediaService
from livesale.process_tuning import GcPolicy
from tests.support.polling import poll_until
from tests.support.whip import sendonly_offer

ROUNDS = 10


@pytest.fixture
def unfrozen() -> Iterator[None]:
    yield
    gc.unfreeze()


def young_peer_connections() -> list[RTCPeerConnection]:
    """Peer connections made since the last freeze (frozen objects are not listed)."""
    return [o for o in gc.get_objects() if isinstance(o, RTCPeerConnection)]


async def test_sessions_hung_up_between_gc_ticks_are_collected_not_frozen(
    unfrozen: None,
) -> None:
    # The serve process ticks every gc_freeze_seconds; here one tick per session,
    # and the full pass (which would hide the leak for ten minutes) never comes.
    policy = GcPolicy(freeze_seconds=5, full_collect_seconds=3600, clock=lambda: 0.0)
    offer = await sendonly_offer()
    service = MediaService(MediaSettings(session_setup_timeout_seconds=600))
    try:
        policy.tick()  # what exists so far is frozen from here on
        sessions: weakref.WeakSet[RTCPeerConnection] = weakref.WeakSet()
        for round_ in range(ROUNDS):
            show_id = f"show-{round_}"
            answer = await service.publish(show_id, offer)
            found = young_peer_connections()
            assert found  # the session just opened, at least
            sessions.update(found)
            del found
            await service.end_publisher(show_id, answer.session_id)
            policy.tick()

        def all_freed() -> bool:
            policy.tick()
            return len(sessions) == 0

        await poll_until(all_freed, 10, "the hung-up sessions' peer connections to be freed")
    finally:
        await service.close()
