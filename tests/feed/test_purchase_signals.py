"""A paid order teaches the feed: buyers of one creator who also bought from another link
the two ("Buyers of ... also shop here"); an unpaid order teaches nothing."""

from __future__ import annotations

from typing import Any

from livesale.composition.services import SERVICES
from tests.support.clients import Buyers, Client
from tests.support.polling import poll_until
from tests.support.shopping import paid_order, placed_order
from tests.support.world import open_live_shop

DEADLINE = 10.0


async def _reason(client: Client, show_id: str) -> dict[str, Any]:
    response = await client.get("/api/feed")
    assert response.status == 200, await response.text()
    items = (await response.json())["items"]
    reason: dict[str, Any] = next(i["reason"] for i in items if i["show"]["id"] == show_id)
    return reason


async def test_a_paid_order_links_creators_for_the_next_buyer(
    alice: Client, bob: Client, buyers: Buyers
) -> None:
    alices, bobs = await open_live_shop(alice), await open_live_shop(bob)
    leo, mia = await buyers("Leo"), await buyers("Mia")
    signals = alice.app[SERVICES].discovery.signals
    await paid_order(leo, alices.show_id, [(alices.variant_id, 1)])
    await paid_order(leo, bobs.show_id, [(bobs.variant_id, 1)])
    # Mia's order is placed but never paid: nothing is learnt from it.
    await placed_order(mia, alices.show_id, [(alices.variant_id, 1)])
    await signals.drain()
    assert (await _reason(mia, bobs.show_id))["code"] in ("popular", "recent")

    await paid_order(mia, alices.show_id, [(alices.variant_id, 1)])

    async def linked() -> bool:
        await signals.drain()
        return bool((await _reason(mia, bobs.show_id))["code"] == "also_bought")

    await poll_until(linked, DEADLINE, "Mia's feed to link Bob's show to her purchase")
    title = alices.product["title"]
    assert await _reason(mia, bobs.show_id) == {"code": "also_bought", "params": {"product": title}}
