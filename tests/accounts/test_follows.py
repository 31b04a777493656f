"""Following creators as a guest: counts, idempotence, refusals and the rate limit
(on both engines, as the folder runs)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from livesale.config import Settings
from tests.support.clients import Buyers, Client, assert_error, become_viewer, origin

FOLLOWS_PER_MINUTE = 4


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """A low follow limit, so a test reaches it."""
    feed = dataclasses.replace(settings.feed, follows_per_minute=FOLLOWS_PER_MINUTE)
    return dataclasses.replace(settings, feed=feed)


async def _me(client: Client) -> str:
    response = await client.get("/api/auth/me")
    creator_id: str = (await response.json())["creator"]["id"]
    return creator_id


async def _follow(client: Client, creator_id: str, *, on: bool = True) -> Any:
    method = client.put if on else client.delete
    return await method(f"/api/creators/{creator_id}/follow", headers=origin(client))


async def _state(client: Client, creator_id: str) -> dict[str, Any]:
    response = await client.get(f"/api/creators/{creator_id}/follow")
    assert response.status == 200, await response.text()
    body: dict[str, Any] = await response.json()
    return body


async def test_a_guest_follows_and_unfollows_and_everyone_sees_the_count(
    alice: Client, buyers: Buyers, anonymous: Client
) -> None:
    alice_id = await _me(alice)
    mia, leo = await buyers("Mia"), await buyers("Leo")
    response = await _follow(mia, alice_id)
    assert response.status == 200
    assert await response.json() == {"following": True, "followers": 1}
    # Following again changes nothing.
    assert await (await _follow(mia, alice_id)).json() == {"following": True, "followers": 1}
    assert await _state(mia, alice_id) == {"following": True, "followers": 1, "own": False}
    assert await _state(leo, alice_id) == {"following": False, "followers": 1, "own": False}
    assert await _state(anonymous, alice_id) == {"following": False, "followers": 1, "own": False}
    assert await _state(alice, alice_id) == {"following": False, "followers": 1, "own": True}
    await _follow(leo, alice_id)
    response = await _follow(mia, alice_id, on=False)
    assert await response.json() == {"following": False, "followers": 1}
    assert (await _state(mia, alice_id))["following"] is False


async def test_refusals_change_nothing(
    alice: Client, bob: Client, anonymous: Client, buyers: Buyers
) -> None:
    alice_id = await _me(alice)
    # No guest identity yet: choose a name first.
    await assert_error(await _follow(anonymous, alice_id), 401, "viewer_required")
    # A creator (with a guest name in the same browser) cannot follow their own page...
    await become_viewer(alice, "Alice as a guest")
    await assert_error(await _follow(alice, alice_id), 403, "cannot_follow_self")
    # ...but may follow someone else's.
    assert (await _follow(alice, await _me(bob))).status == 200
    mia = await buyers("Mia")
    await assert_error(await _follow(mia, "no-such-creator"), 404, "creator_not_found")
    # Another site cannot make a guest follow anyone.
    cross = await mia.put(
        f"/api/creators/{alice_id}/follow", headers={"Origin": "https://evil.example"}
    )
    await assert_error(cross, 403, "cross_site_refused")
    assert await _state(anonymous, alice_id) == {"following": False, "followers": 0, "own": False}


async def test_follow_changes_are_rate_limited_per_guest(
    alice: Client, bob: Client, buyers: Buyers, server: TestServer
) -> None:
    alice_id, bob_id = await _me(alice), await _me(bob)
    mia, leo = await buyers("Mia"), await buyers("Leo")
    for turn in range(FOLLOWS_PER_MINUTE):
        assert (await _follow(mia, alice_id, on=turn % 2 == 0)).status == 200
    refused = await _follow(mia, bob_id)
    details = await assert_error(refused, 429, "rate_limited")
    assert details["limit"] == FOLLOWS_PER_MINUTE
    assert int(refused.headers["Retry-After"]) >= 1
    assert (await _state(mia, bob_id))["following"] is False
    # Another guest has a limit of their own.
    assert (await _follow(leo, bob_id)).status == 200


async def test_the_feed_reads_follows_and_the_switch_from_the_record(
    alice: Client, buyers: Buyers
) -> None:
    alice_id = await _me(alice)
    await alice.post("/api/shows", json={"title": "Soon"}, headers=origin(alice))
    mia = await buyers("Mia")
    await _follow(mia, alice_id)
    feed = await (await mia.get("/api/feed")).json()
    assert feed["personalised"] is True
    assert feed["items"][0]["reason"] == {"code": "following", "params": {"creator": "Alice"}}
    await mia.put("/api/feed/settings", json={"personalised": False}, headers=origin(mia))
    feed = await (await mia.get("/api/feed")).json()
    assert feed["personalised"] is False
    assert feed["items"][0]["reason"]["code"] == "recent"
