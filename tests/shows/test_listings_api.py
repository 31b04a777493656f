"""Show listings and creator pages: past shows with replays a page at a time, viewer counts
without the creator, and nothing private."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from livesale.app import create_app
from livesale.composition.services import SERVICES
from livesale.config import Settings
from livesale.domain.recordings import RecordingStatus
from tests.room.helpers import browser, room
from tests.support.clients import Client, assert_error
from tests.support.polling import poll_until
from tests.support.replay import record_part
from tests.support.world import create_show

DEADLINE = 10.0


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Viewer counts shared every 0.1 s, so a test sees them move quickly."""
    return dataclasses.replace(
        settings, room=dataclasses.replace(settings.room, presence_interval_seconds=0.1)
    )


@pytest.fixture
async def server2(settings: Settings, server: TestServer) -> AsyncIterator[TestServer]:
    """Another process in spirit: same Redis and SQLite file."""
    test_server = TestServer(create_app(settings))
    async with test_server:
        yield test_server


async def _ended_show(
    client: Client, title: str, *, recorded: RecordingStatus | None = RecordingStatus.COMPLETE
) -> str:
    """A show of `client`'s creator that went live, was recorded as `recorded`, and ended."""
    app = client.app
    show_id: str = (await create_show(client, title=title))["show"]["id"]
    await app[SERVICES].live.lifecycle.went_live(show_id)
    if recorded is not None:
        await record_part(app, show_id, seconds=2, status=recorded)
    await app[SERVICES].live.lifecycle.end(show_id)
    return show_id


async def _get(client: Client, path: str, **params: str) -> Any:
    response = await client.get(path, params=params)
    assert response.status == 200, await response.text()
    return await response.json()


async def test_past_shows_with_a_replay_come_newest_ended_first_a_page_at_a_time(
    alice: Client, anonymous: Client
) -> None:
    first = await _ended_show(alice, "First")
    await _ended_show(alice, "Not recorded", recorded=None)
    second = await _ended_show(alice, "Second")
    await _ended_show(alice, "Deleted replay", recorded=RecordingStatus.DELETED)
    third = await _ended_show(
        alice, "Third (cut short, still plays)", recorded=RecordingStatus.FAILED
    )
    fourth = await _ended_show(alice, "Fourth")
    await create_show(alice, title="Still to come")
    on_air = (await create_show(alice, title="On air"))["show"]["id"]
    await alice.app[SERVICES].live.lifecycle.went_live(on_air)

    seen: list[str] = []
    pages = 0
    before: str | None = None
    while True:
        params = {"replay": "1", "limit": "2"}
        if before is not None:
            params["before"] = before
        page = await _get(anonymous, "/api/shows", **params)
        pages += 1
        seen += [show["id"] for show in page["shows"]]
        for show in page["shows"]:
            assert show["status"] == "ended"
            assert show["replay_available"] is True
            assert show["replay_duration_ms"] == pytest.approx(2000, abs=100)
            assert show["viewers"] is None
        before = page["next_before"]
        if before is None:
            break
    assert seen == [fourth, third, second, first]
    assert pages == 3  # two full pages, then an empty one says there is no more

    # The listing and each show's own replay_available follow the same rule.
    everything = await _get(anonymous, "/api/shows", status="ended")
    assert len(everything["shows"]) == 6
    for show in everything["shows"]:
        detail = await _get(anonymous, f"/api/shows/{show['id']}")
        assert detail["replay_available"] is (show["id"] in seen)
        assert show["replay_available"] is (show["id"] in seen)


async def test_shows_that_ended_at_the_same_instant_are_all_paged(
    alice: Client, anonymous: Client
) -> None:
    ids = {await _ended_show(alice, f"Show {n}") for n in range(3)}
    async with alice.app[SERVICES].storage.database.transaction() as conn:
        await conn.execute("UPDATE shows SET ended_at = 1764000000.5 WHERE status = 'ended'")
    seen: list[str] = []
    page = await _get(anonymous, "/api/shows", replay="1", limit="1")
    while True:
        seen += [show["id"] for show in page["shows"]]
        if page["next_before"] is None:
            break
        page = await _get(
            anonymous, "/api/shows", replay="1", limit="1", before=page["next_before"]
        )
    assert sorted(seen) == sorted(ids)
    assert len(seen) == 3


async def test_bad_listing_parameters_are_refused(anonymous: Client) -> None:
    for params, field in [
        ({"replay": "1", "before": "yesterday"}, "before"),
        ({"replay": "1", "before": "1764000000:x'--"}, "before"),
        ({"status": "live", "before": "1764000000.5:abc"}, "before"),
        ({"replay": "1", "status": "live"}, "replay"),
        ({"limit": "0"}, "limit"),
        ({"limit": "501"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"status": "paused"}, "status"),
    ]:
        details = await assert_error(
            await anonymous.get("/api/shows", params=params), 400, "validation_failed"
        )
        assert details["field"] == field, (params, details)


async def test_live_shows_carry_their_viewers_and_the_creator_is_not_one(
    alice: Client, anonymous: Client, server: TestServer, server2: TestServer
) -> None:
    show_id = (await create_show(alice, title="On air"))["show"]["id"]
    await alice.app[SERVICES].live.lifecycle.went_live(show_id)
    await create_show(alice, title="Later")
    me = (await _get(alice, "/api/auth/me"))["creator"]
    async with (
        room(alice, show_id),  # the creator's console
        browser(server) as one,
        browser(server2) as two,
        room(one, show_id),
        room(two, show_id),
    ):
        listed: dict[str, Any] = {}

        async def counted_two() -> bool:
            nonlocal listed
            listed = await _get(anonymous, "/api/shows", status="live")
            return bool(listed["shows"][0]["viewers"] == 2)

        await poll_until(counted_two, DEADLINE, "two viewers in the live listing")
        page = await _get(anonymous, f"/api/creators/{me['id']}")
        assert [show["viewers"] for show in page["live"]] == [2]
        assert [show["viewers"] for show in page["upcoming"]] == [None]
    upcoming = await _get(anonymous, "/api/shows", status="scheduled")
    assert [show["viewers"] for show in upcoming["shows"]] == [None]


async def test_a_creator_page_lists_their_shows_and_nothing_private(
    alice: Client, bob: Client, anonymous: Client
) -> None:
    me = (await _get(alice, "/api/auth/me"))["creator"]
    past = await _ended_show(alice, "Last week")
    await _ended_show(alice, "Not recorded", recorded=None)
    await _ended_show(bob, "Bob's replay")
    on_air = (await create_show(alice, title="On air"))["show"]["id"]
    await alice.app[SERVICES].live.lifecycle.went_live(on_air)
    now = await _get(anonymous, "/api/shows", status="live")  # for the server's clock below
    assert now["shows"]
    later = await create_show(alice, title="Later", scheduled_at=now["shows"][0]["live_at"] + 7200)
    sooner = await create_show(alice, title="Sooner", scheduled_at=now["shows"][0]["live_at"] + 600)
    await create_show(bob, title="Bob's next")

    response = await anonymous.get(f"/api/creators/{me['id']}")
    assert response.status == 200
    raw = await response.text()
    page = json.loads(raw)
    assert page["creator"] == {"id": me["id"], "display_name": "Alice"}
    assert [show["id"] for show in page["live"]] == [on_air]
    assert [show["id"] for show in page["upcoming"]] == [
        sooner["show"]["id"],
        later["show"]["id"],
    ]
    assert [show["id"] for show in page["past"]] == [past]
    assert page["next_before"] is None
    # Nothing private: no email, no stream key, anywhere in the answer.
    assert "alice@example.com" not in raw
    assert "email" not in raw
    assert "stream_key" not in raw
    # The same past shows through the listing, for "more".
    more = await _get(anonymous, "/api/shows", replay="1", creator_id=me["id"])
    assert [show["id"] for show in more["shows"]] == [past]

    await assert_error(await anonymous.get("/api/creators/nobody"), 404, "creator_not_found")


async def test_the_creator_page_is_served_and_an_unknown_creator_is_a_404(
    alice: Client, anonymous: Client
) -> None:
    me = (await _get(alice, "/api/auth/me"))["creator"]
    response = await anonymous.get(f"/creators/{me['id']}")
    assert response.status == 200
    assert response.content_type == "text/html"
    assert response.headers["Cache-Control"] == "no-cache"
    assert 'src="/static/js/creator-page.js"' in await response.text()
    missing = await anonymous.get("/creators/nobody")
    assert missing.status == 404
    assert missing.content_type == "text/html"  # the page says so, in the reader's language
    assert 'src="/static/js/creator-page.js"' in await missing.text()
