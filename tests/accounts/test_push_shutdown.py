"""A clean stop and the push queue: pushes still queued are sent within the drain time, and
those a push service holds past it are counted as dropped (`reason="shutdown"`) and logged
with their count (on both engines, as the folder runs)."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import AsyncIterator

import pytest
from prometheus_client import REGISTRY

from livesale.composition.services import SERVICES
from livesale.config import Settings
from livesale.domain.notifications import Notification, NotificationKind
from livesale.live.push_sender import PushSender
from tests.support.clients import Buyers, Client, origin
from tests.support.polling import poll_until
from tests.support.push_service import PushService, push_service

DEADLINE = 10.0


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Plain-http endpoints allowed: the stand-in listens on localhost without TLS."""
    notify = dataclasses.replace(settings.notify, push_allow_http=True)
    return dataclasses.replace(settings, notify=notify)


@pytest.fixture
async def service(alice: Client) -> AsyncIterator[PushService]:
    """The stand-in, expecting the server's own public key."""
    key = (await (await alice.get("/api/push/key")).json())["public_key"]
    async with push_service(key) as running:
        yield running
        if running.hold is not None:
            running.hold.set()  # requests still waiting end with the stand-in


def _dropped_at_shutdown() -> float:
    value = REGISTRY.get_sample_value("livesale_push_failed_total", {"reason": "shutdown"})
    return value or 0.0


def _sender(client: Client, drain_seconds: float, concurrency: int) -> PushSender:
    """A push queue like the app's (another process in spirit, same VAPID key)."""
    services = client.app[SERVICES]
    notify = dataclasses.replace(
        services.settings.notify, push_drain_seconds=drain_seconds, push_concurrency=concurrency
    )
    return PushSender(
        subscriptions=services.discovery.notifier.push.subscriptions,
        data_dir=services.settings.data_dir,
        settings=notify,
    )


async def _mia_with_devices(
    alice: Client, buyers: Buyers, service: PushService, devices: int
) -> dict[str, Notification]:
    """Mia with `devices` subscribed devices; a shipped notification of hers, as made."""
    mia = await buyers("Mia")
    for _ in range(devices):
        subscribed = await mia.post(
            "/api/push/subscriptions",
            json={**service.device(), "lang": "en"},
            headers=origin(mia),
        )
        assert subscribed.status == 201
    mia_id = (await (await mia.get("/api/viewer")).json())["viewer"]["id"]
    repository = alice.app[SERVICES].discovery.notifier.repository
    return await repository.add(
        [mia_id], NotificationKind.SHIPPED, {"order_id": "o1", "creator": "A"}
    )


async def test_a_clean_stop_sends_what_is_queued(
    alice: Client, buyers: Buyers, service: PushService
) -> None:
    made = await _mia_with_devices(alice, buyers, service, 4)
    sender = _sender(alice, drain_seconds=DEADLINE, concurrency=1)
    before = _dropped_at_shutdown()
    assert await sender.enqueue(made) == 4
    await sender.close()  # at once: one worker, so three still wait in the queue
    assert len(service.received) == 4
    assert service.refused == []
    assert _dropped_at_shutdown() == before


async def test_pushes_past_the_drain_time_are_counted_and_logged(
    alice: Client, buyers: Buyers, service: PushService, caplog: pytest.LogCaptureFixture
) -> None:
    made = await _mia_with_devices(alice, buyers, service, 5)
    service.hold = asyncio.Event()  # the push service stops answering
    sender = _sender(alice, drain_seconds=0.3, concurrency=2)
    before = _dropped_at_shutdown()
    caplog.set_level(logging.WARNING)
    assert await sender.enqueue(made) == 5
    # Two requests are under way (held), three wait in the queue.
    await poll_until(lambda: service.waiting == 2, DEADLINE, "two held requests")
    await sender.close()
    assert _dropped_at_shutdown() == before + 5
    assert "push: 5 pushes still queued at shutdown were dropped" in caplog.text
    assert service.received == []
