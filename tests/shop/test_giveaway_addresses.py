"""Giveaway entries per client address: ten from one address, then giveaway_address_limit."""

from __future__ import annotations

import dataclasses

import pytest
from aiohttp import ClientResponse

from livesale.config import Settings
from livesale.domain.giveaways import MAX_ENTRIES_PER_ADDRESS
from tests.support.clients import Buyers, Client, assert_error, origin
from tests.support.world import open_live_shop


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Behind a proxy on 127.0.0.1, so each guest's address is the one it forwards."""
    server = dataclasses.replace(settings.server, trusted_proxies=("127.0.0.1",))
    payments = dataclasses.replace(settings.payments, gateway="dummy")
    return dataclasses.replace(settings, server=server, payments=payments)


async def test_one_address_enters_ten_times_at_most(alice: Client, buyers: Buyers) -> None:
    shop = await open_live_shop(alice, stock=1)
    body = {"variant_id": shop.variant_id, "duration_seconds": 60, "rules": ""}
    response = await alice.post(
        f"/api/shows/{shop.show_id}/giveaways", json=body, headers=origin(alice)
    )
    assert response.status == 201, await response.text()
    path = f"/api/shows/{shop.show_id}/giveaways/{(await response.json())['giveaway']['id']}"

    async def enter(guest: Client, address: str) -> ClientResponse:
        headers = {**origin(guest), "X-Forwarded-For": address}
        return await guest.post(f"{path}/entries", headers=headers)

    for n in range(MAX_ENTRIES_PER_ADDRESS):
        response = await enter(await buyers(f"Flat {n}"), "198.51.100.7")
        assert response.status == 201, await response.text()
    one_more = await buyers("Flat 10")
    details = await assert_error(
        await enter(one_more, "198.51.100.7"),
        409,
        "giveaway_address_limit",
    )
    assert details["limit"] == MAX_ENTRIES_PER_ADDRESS
    # The same guest from elsewhere, and a guest already in, are not held back.
    assert (await enter(one_more, "203.0.113.9")).status == 201
    listed = await (await alice.get(path)).json()
    assert listed["giveaway"]["entries_count"] == MAX_ENTRIES_PER_ADDRESS + 1
