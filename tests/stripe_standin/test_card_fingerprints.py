"""The stand-in's charges carry card details as Stripe's do (read with the official client)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import stripe

from tests.stripe_standin import StripeStandin
from tests.stripe_standin.fixtures import official_client
from tests.stripe_standin.fixtures import stripe_standin as stripe_standin  # the fixture
from tests.stripe_standin.ledger import card_fingerprint

MASTERCARD = "5555555555554444"


@pytest.fixture
async def client(stripe_standin: StripeStandin) -> AsyncIterator[stripe.StripeClient]:
    """The official client pointed at the stand-in."""
    async with official_client(stripe_standin) as made:
        yield made


async def _paid_charge(
    standin: StripeStandin, client: stripe.StripeClient, card: str | None = None
) -> stripe.Charge:
    intent = await client.v1.payment_intents.create_async(
        params={"amount": 1500, "currency": "eur"}
    )
    if card is None:
        await standin.succeed(intent.id)
    else:
        await standin.succeed(intent.id, card=card)
    latest = (await client.v1.payment_intents.retrieve_async(intent.id)).latest_charge
    assert isinstance(latest, str)
    return await client.v1.charges.retrieve_async(latest)


async def test_a_card_has_one_fingerprint_and_another_card_another(
    stripe_standin: StripeStandin, client: stripe.StripeClient
) -> None:
    visa = [await _paid_charge(stripe_standin, client) for _ in range(2)]
    mastercard = await _paid_charge(stripe_standin, client, MASTERCARD)

    cards = [charge.to_dict()["payment_method_details"]["card"] for charge in [*visa, mastercard]]
    assert cards[0]["fingerprint"] == cards[1]["fingerprint"]
    assert cards[2]["fingerprint"] != cards[0]["fingerprint"]
    assert all(len(card["fingerprint"]) == 16 and card["fingerprint"].isalnum() for card in cards)
    assert [(card["brand"], card["last4"]) for card in cards] == [
        ("visa", "4242"),
        ("visa", "4242"),
        ("mastercard", "4444"),
    ]
    assert visa[0].to_dict()["payment_method_details"]["type"] == "card"


def test_fingerprints_differ_between_accounts() -> None:
    assert card_fingerprint("acct_one", MASTERCARD) != card_fingerprint("acct_two", MASTERCARD)
    assert card_fingerprint("acct_one", MASTERCARD) == card_fingerprint("acct_one", MASTERCARD)


async def test_an_unknown_charge_is_resource_missing(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        await client.v1.charges.retrieve_async("ch_nosuch")
    assert raised.value.http_status == 404
    assert raised.value.code == "resource_missing"
