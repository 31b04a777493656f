"""A Buy-now tap and a hold teach the feed, through the same queue as watches and purchases:
a tap weighs less than a hold, a hold less than a purchase, and a viewer who turned
personalisation off is not learnt from."""

from __future__ import annotations

from typing import Any

from livesale.composition.services import SERVICES
from tests.support.clients import Buyers, Client, origin
from tests.support.shopping import buy, paid_order
from tests.support.world import LiveShop, open_live_shop


async def _feed(client: Client) -> list[dict[str, Any]]:
    response = await client.get("/api/feed")
    assert response.status == 200, await response.text()
    items: list[dict[str, Any]] = (await response.json())["items"]
    return items


def _order(items: list[dict[str, Any]]) -> list[str]:
    return [item["show"]["id"] for item in items]


async def _viewer_id(client: Client) -> str:
    viewer_id: str = (await (await client.get("/api/viewer")).json())["viewer"]["id"]
    return viewer_id


async def _refused_tap(client: Client, shop: LiveShop) -> None:
    """Tap Buy now for more than the stock: refused, but the tap is counted."""
    response = await buy(client, shop, quantity=shop.product["variants"][0]["stock"] + 1)
    assert response.status == 409, await response.text()


async def test_a_hold_moves_its_show_to_the_top_of_the_next_feed(
    alice: Client, bob: Client, buyers: Buyers
) -> None:
    bobs = await open_live_shop(bob)
    alices = await open_live_shop(alice)  # the fresher show: first while nothing is known
    mia = await buyers("Mia")
    signals = alice.app[SERVICES].discovery.signals
    await signals.drain()
    before = await _feed(mia)
    assert _order(before)[:2] == [alices.show_id, bobs.show_id]

    response = await buy(mia, bobs)
    assert response.status == 201, await response.text()
    await signals.drain()

    after = await _feed(mia)
    assert _order(after)[:2] == [bobs.show_id, alices.show_id]
    assert after[0]["reason"] == {"code": "watched_creator", "params": {"creator": "Bob"}}


async def test_a_refused_tap_still_counts_but_less_than_a_hold(
    alice: Client, bob: Client, buyers: Buyers
) -> None:
    alices = await open_live_shop(alice, stock=1)
    bobs = await open_live_shop(bob)
    mia = await buyers("Mia")
    signals = alice.app[SERVICES].discovery.signals

    # A tap alone puts Alice's show first, over Bob's fresher one.
    await _refused_tap(mia, alices)
    await signals.drain()
    assert _order(await _feed(mia))[:2] == [alices.show_id, bobs.show_id]

    # A hold of Bob's outweighs the tap on Alice's.
    assert (await buy(mia, bobs)).status == 201
    await signals.drain()
    assert _order(await _feed(mia))[:2] == [bobs.show_id, alices.show_id]


async def test_weights_a_tap_below_a_hold_below_a_purchase(alice: Client, buyers: Buyers) -> None:
    shop = await open_live_shop(alice, stock=2)
    tapper, holder, payer = await buyers("Tia"), await buyers("Hal"), await buyers("Pat")
    services = alice.app[SERVICES]
    await _refused_tap(tapper, shop)
    assert (await buy(holder, shop)).status == 201
    await paid_order(payer, shop.show_id, [(shop.variant_id, 1)])
    await services.discovery.signals.drain()

    creator_id = (await services.storage.shows.get(shop.show_id)).creator_id
    assert creator_id is not None
    scores = []
    for client in (tapper, holder, payer):
        profile = await services.discovery.taste.profile(await _viewer_id(client))
        scores.append(profile.creators.get(creator_id, 0.0))
    tap, hold, paid = scores
    assert 0 < tap < hold < paid


async def test_no_learning_from_a_viewer_who_turned_it_off(alice: Client, buyers: Buyers) -> None:
    shop = await open_live_shop(alice, stock=1)
    mia = await buyers("Mia")
    services = alice.app[SERVICES]
    switched = await mia.put(
        "/api/feed/settings", json={"personalised": False}, headers=origin(mia)
    )
    assert switched.status == 200, await switched.text()
    await _refused_tap(mia, shop)
    assert (await buy(mia, shop)).status == 201
    await services.discovery.signals.drain()

    profile = await services.discovery.taste.profile(await _viewer_id(mia))
    assert profile.creators == {}
