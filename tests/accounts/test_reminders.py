"""A guest's "Remind me" on an upcoming show: state, the creator's count, refusals and the
rate limit (on both engines, as the folder runs)."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import pytest

from livesale.composition.services import SERVICES
from livesale.config import Settings
from livesale.storage.reminders import ReminderRepository
from tests.support.clients import Buyers, Client, assert_error, origin
from tests.support.world import create_show, go_live

CHANGES_PER_MINUTE = 4


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """A low follow limit (reminder changes share it), so a test reaches it."""
    feed = dataclasses.replace(settings.feed, follows_per_minute=CHANGES_PER_MINUTE)
    return dataclasses.replace(settings, feed=feed)


async def _new_show(client: Client) -> str:
    show_id: str = (await create_show(client, title="Friday drop"))["show"]["id"]
    return show_id


async def _remind(client: Client, show_id: str, *, on: bool = True) -> Any:
    method = client.put if on else client.delete
    return await method(f"/api/shows/{show_id}/reminder", headers=origin(client))


async def _state(client: Client, show_id: str) -> dict[str, Any]:
    response = await client.get(f"/api/shows/{show_id}/reminder")
    assert response.status == 200, await response.text()
    body: dict[str, Any] = await response.json()
    return body


async def test_guests_ask_to_be_reminded_and_only_the_creator_sees_how_many(
    alice: Client, bob: Client, buyers: Buyers, anonymous: Client
) -> None:
    show_id = await _new_show(alice)
    mia, leo = await buyers("Mia"), await buyers("Leo")
    response = await _remind(mia, show_id)
    assert response.status == 200
    assert await response.json() == {"reminded": True, "reminders": None, "own": False}
    # Asking twice changes nothing.
    assert (await _remind(mia, show_id)).status == 200
    await _remind(leo, show_id)
    assert await _state(alice, show_id) == {"reminded": False, "reminders": 2, "own": True}
    assert await _state(mia, show_id) == {"reminded": True, "reminders": None, "own": False}
    assert await _state(bob, show_id) == {"reminded": False, "reminders": None, "own": False}
    assert await _state(anonymous, show_id) == {
        "reminded": False,
        "reminders": None,
        "own": False,
    }
    response = await _remind(leo, show_id, on=False)
    assert await response.json() == {"reminded": False, "reminders": None, "own": False}
    assert (await _state(alice, show_id))["reminders"] == 1
    reminders = ReminderRepository(alice.app[SERVICES].storage.database)
    assert await reminders.viewers(show_id) == [await _viewer_id(mia)]


async def _viewer_id(client: Client) -> str:
    viewer_id: str = (await (await client.get("/api/viewer")).json())["viewer"]["id"]
    return viewer_id


async def test_refusals_change_nothing(alice: Client, anonymous: Client, buyers: Buyers) -> None:
    show_id = await _new_show(alice)
    # No guest identity yet: choose a name first.
    await assert_error(await _remind(anonymous, show_id), 401, "viewer_required")
    mia = await buyers("Mia")
    await assert_error(await _remind(mia, "no-such-show"), 404, "show_not_found")
    # Another site cannot make a guest ask for a reminder.
    cross = await mia.put(
        f"/api/shows/{show_id}/reminder", headers={"Origin": "https://evil.example"}
    )
    await assert_error(cross, 403, "cross_site_refused")
    assert (await _state(alice, show_id))["reminders"] == 0
    # Once the show has started there is nothing left to remind of...
    await _remind(mia, show_id)
    await go_live(alice, show_id)
    leo = await buyers("Leo")
    details = await assert_error(await _remind(leo, show_id), 409, "show_not_upcoming")
    assert details == {"show_id": show_id, "status": "live"}
    assert (await _state(alice, show_id))["reminders"] == 1
    # ...but a reminder can still be dropped.
    assert (await _remind(mia, show_id, on=False)).status == 200
    assert (await _state(alice, show_id))["reminders"] == 0


async def test_reminder_changes_are_rate_limited_per_guest(alice: Client, buyers: Buyers) -> None:
    show_id = await _new_show(alice)
    mia, leo = await buyers("Mia"), await buyers("Leo")
    for turn in range(CHANGES_PER_MINUTE):
        assert (await _remind(mia, show_id, on=turn % 2 == 0)).status == 200
    refused = await _remind(mia, show_id)
    details = await assert_error(refused, 429, "rate_limited")
    assert details["limit"] == CHANGES_PER_MINUTE
    assert (await _state(mia, show_id))["reminded"] is False
    assert (await _remind(leo, show_id)).status == 200


async def test_a_guest_lists_the_upcoming_shows_they_will_be_reminded_of(
    alice: Client, buyers: Buyers, anonymous: Client
) -> None:
    now = time.time()
    later = (await create_show(alice, title="Later", scheduled_at=now + 7200))["show"]["id"]
    sooner = (await create_show(alice, title="Sooner", scheduled_at=now + 3600))["show"]["id"]
    unscheduled = await _new_show(alice)
    started = await _new_show(alice)
    mia, leo = await buyers("Mia"), await buyers("Leo")
    for show_id in (unscheduled, later, started, sooner):
        assert (await _remind(mia, show_id)).status == 200
    await go_live(alice, started)
    await _remind(leo, later)

    async def listed(client: Client) -> list[str]:
        response = await client.get("/api/reminders")
        assert response.status == 200, await response.text()
        ids: list[str] = (await response.json())["show_ids"]
        return ids

    # Soonest first, shows without a start time last, started shows left out.
    assert await listed(mia) == [sooner, later, unscheduled]
    assert await listed(leo) == [later]
    assert await listed(anonymous) == []
