"""Claims on announced events are pruned once no sweep can see their event again, and an
event whose claim was pruned is not announced a second time (on both engines, as the folder
runs)."""

from __future__ import annotations

import time

from livesale.composition.services import SERVICES
from livesale.domain.notifications import NotificationKind
from livesale.live.notifier import CLAIM_MARGIN_SECONDS, SOON_SECONDS, Notifier
from livesale.storage.follows import FollowRepository
from livesale.storage.notification_events import NotificationEvents
from livesale.storage.notifications import NotificationRepository
from livesale.storage.reminders import ReminderRepository
from tests.support.clients import Buyers, Client, origin
from tests.support.clocks import FakeClock
from tests.support.polling import poll
from tests.support.world import create_show, go_live

DEADLINE = 10.0


def _notifier(client: Client, clock: FakeClock) -> Notifier:
    """A sweep like the app's (another process in spirit) on `clock`."""
    services = client.app[SERVICES]
    db = services.storage.database
    app_notifier = services.discovery.notifier
    return Notifier(
        repository=NotificationRepository(db, clock),
        events=NotificationEvents(db),
        follows=FollowRepository(db),
        reminders=ReminderRepository(db),
        hub=app_notifier.hub,
        push=app_notifier.push,
        settings=services.settings.notify,
        clock=clock,
    )


async def _claims(client: Client) -> set[tuple[str, str]]:
    rows = await client.app[SERVICES].storage.database.fetchall(
        "SELECT subject, kind FROM notification_claims"
    )
    return {(str(row[0]), str(row[1])) for row in rows}


async def _lives(client: Client) -> list[dict[str, object]]:
    items: list[dict[str, object]] = (await (await client.get("/api/notifications")).json())[
        "items"
    ]
    return [item for item in items if item["kind"] == "live"]


async def test_claims_are_pruned_past_the_window_and_nothing_is_announced_twice(
    alice: Client, buyers: Buyers
) -> None:
    alice_id = (await (await alice.get("/api/auth/me")).json())["creator"]["id"]
    mia = await buyers("Mia")
    assert (await mia.put(f"/api/creators/{alice_id}/follow", headers=origin(mia))).ok
    show_id = (await create_show(alice, title="Knit night"))["show"]["id"]
    await go_live(alice, show_id)
    assert len(await poll(lambda: _lives(mia), DEADLINE, "the go-live")) == 1
    live_claim = (show_id, NotificationKind.LIVE.value)
    assert live_claim in await _claims(alice)

    settings = alice.app[SERVICES].settings.notify
    window = max(settings.lookback_seconds, SOON_SECONDS) + CLAIM_MARGIN_SECONDS
    # A claim from three days ago, of a shipment no sweep looks at any more.
    clock = FakeClock(time.time() - 3 * 86_400)
    old = NotificationRepository(alice.app[SERVICES].storage.database, clock)
    assert await old.claim("ord_old", NotificationKind.SHIPPED)
    # The hourly step of a sweep now: the old claim goes, the go-live's (seconds old) stays.
    clock.now = time.time()
    await _notifier(alice, clock).sweep()
    claims = await _claims(alice)
    assert ("ord_old", NotificationKind.SHIPPED.value) not in claims
    assert live_claim in claims

    # Just inside the window the claim is still kept ...
    clock.now = time.time() + window - 60
    await _notifier(alice, clock).sweep()
    assert live_claim in await _claims(alice)
    # ... past it, it goes; a new process's sweep then announces nothing again.
    clock.now = time.time() + window + 60
    await _notifier(alice, clock).sweep()
    assert live_claim not in await _claims(alice)
    await _notifier(alice, clock).sweep()
    assert live_claim not in await _claims(alice)
    assert len(await _lives(mia)) == 1
