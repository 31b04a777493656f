"""The notifier's outbid hook: one unread notification per auction and person, the hourly
quiet limit across auctions, and the setting (on both engines, as the folder runs)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from livesale.composition.services import SERVICES
from livesale.config import Settings
from tests.support.clients import Buyers, Client, origin

PER_HOUR = 2


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """A low quiet limit, so a test reaches it."""
    notify = dataclasses.replace(settings.notify, per_kind_per_hour=PER_HOUR)
    return dataclasses.replace(settings, notify=notify)


async def _items(client: Client) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = (await (await client.get("/api/notifications")).json())["items"]
    return items


async def test_one_unread_per_auction_and_the_quiet_limit_across_auctions(
    alice: Client, buyers: Buyers
) -> None:
    mia, leo = await buyers("Mia"), await buyers("Leo")
    mia_id = (await (await mia.get("/api/viewer")).json())["viewer"]["id"]
    leo_id = (await (await leo.get("/api/viewer")).json())["viewer"]["id"]
    notifier = alice.app[SERVICES].discovery.notifier
    # Three outbids in one auction: one notification counting two more, the latest words.
    for price in ("Lip oil", "Lip oil", "Lip oil (last one)"):
        await notifier.outbid(mia_id, "show1", "au_1", price)
    (only,) = await _items(mia)
    assert only["more"] == 2
    assert only["params"] == {
        "show_id": "show1",
        "auction_id": "au_1",
        "product": "Lip oil (last one)",
    }
    # A second auction is a notification of its own; a third is past the hourly limit of
    # two and is counted into the latest (it does not flood either).
    await notifier.outbid(mia_id, "show1", "au_2", "Scarf")
    await notifier.outbid(mia_id, "show1", "au_3", "Hat")
    items = await _items(mia)
    assert [(i["params"]["auction_id"], i["more"]) for i in items] == [("au_2", 1), ("au_1", 2)]
    # Someone else's outbid is theirs alone.
    assert await _items(leo) == []
    # Turned off: nothing is made, nor counted into an unread one.
    off = await leo.put(
        "/api/notifications/settings", json={"kinds": {"outbid": False}}, headers=origin(leo)
    )
    assert off.status == 200
    await notifier.outbid(leo_id, "show1", "au_1", "Lip oil")
    assert await _items(leo) == []
