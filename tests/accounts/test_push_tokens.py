"""The VAPID token: one per push service, reused by later pushes while it has more than an
hour left (the stand-in still accepts it), and a new one signed after that, on a clock the
test moves (on both engines, as the folder runs)."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import AsyncIterator

import pytest
from prometheus_client import REGISTRY

from livesale.composition.services import SERVICES
from livesale.config import Settings
from livesale.domain.notifications import NotificationKind
from livesale.live.push_sender import PushSender
from tests.support.clients import Buyers, Client
from tests.support.clocks import FakeClock
from tests.support.push_service import PushService, push_service, subscribe

HOUR = 3600.0


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


def _signed() -> float:
    return REGISTRY.get_sample_value("livesale_push_tokens_signed_total") or 0.0


async def test_one_token_serves_a_push_service_until_an_hour_before_it_expires(
    alice: Client, buyers: Buyers, service: PushService
) -> None:
    mia = await buyers("Mia")
    assert (await subscribe(mia, service.device())).status == 201
    mia_id = (await (await mia.get("/api/viewer")).json())["viewer"]["id"]
    services = alice.app[SERVICES]
    clock = FakeClock(time.time())
    sender = PushSender(
        subscriptions=services.discovery.notifier.push.subscriptions,
        data_dir=services.settings.data_dir,
        settings=services.settings.notify,
        clock=clock,
    )
    repository = services.discovery.notifier.repository
    signed_before = _signed()

    async def push() -> int:
        """Push one new notification to Mia's device; the exp of the token it carried."""
        made = await repository.add([mia_id], NotificationKind.SHIPPED, {"order_id": "o1"})
        assert await sender.enqueue(made) == 1
        await sender.drained()
        return int(service.received[-1].claims["exp"])

    try:
        first = await push()
        assert first == int(clock() + 12 * HOUR)
        clock.advance(10.5 * HOUR)  # 1.5 h left: still good, and the same token is sent
        assert await push() == first
        assert _signed() - signed_before == 1
        clock.advance(HOUR)  # half an hour left: a new token, good for 12 h from now
        renewed = await push()
        assert renewed == int(clock() + 12 * HOUR)
        assert _signed() - signed_before == 2
    finally:
        await sender.close()
    assert service.refused == []
    assert len(service.received) == 3
