"""A Buy priced from its catalogue bundle alone: live by the pin on screen, from the replay by
the pin at that moment (pure, no reads)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from livesale.domain.checkout import BuyBundle, price_buy
from livesale.domain.errors import ShowNotEnded, ValidationFailed
from livesale.domain.pins import FlashSale, TimelineEvent, TimelineKind
from livesale.domain.products import Product, ProductStatus, Variant
from livesale.domain.shows import Show, ShowStatus

NOW = 1_700_000_100.0
TEE = Variant("var_1", "prd_1", "TEE-M", "M", (), 2500, "USD", 10, 0, archived=False)
PRODUCT = Product("prd_1", "crt_1", "Tee", "", ProductStatus.ACTIVE, (), (TEE,), 0.0, 0.0)
SALE = FlashSale(1500, "USD", quantity=5, per_buyer_limit=1, duration_seconds=300)
# Pinned 60 s into the show with a 300 s sale, then unpinned at 120 s.
PIN = TimelineEvent(3, "shw_1", TimelineKind.PIN, 60_000, "prd_1", SALE, NOW - 40)
UNPIN = TimelineEvent(4, "shw_1", TimelineKind.UNPIN, 120_000, None, None, NOW - 20)
LIVE = Show("shw_1", "Studio sale", ShowStatus.LIVE, 0.0, NOW - 100, None, creator_id="crt_1")
ENDED = replace(LIVE, status=ShowStatus.ENDED, ended_at=NOW, replay_flash_sales=True)


def test_a_live_buy_takes_the_sale_price_of_the_pin_on_screen() -> None:
    item = price_buy(BuyBundle(LIVE, (PRODUCT, TEE), pin=PIN), 3, None, NOW)
    assert (item.unit_price_minor, item.pin_id) == (1500, 3)
    assert item.sale is not None
    assert item.sale.sale_id == "pin3"
    after_the_sale = price_buy(BuyBundle(LIVE, (PRODUCT, TEE), pin=PIN), 3, None, NOW + 300)
    assert (after_the_sale.unit_price_minor, after_the_sale.sale) == (2500, None)


def test_a_live_buy_without_a_pin_pays_the_regular_price() -> None:
    item = price_buy(BuyBundle(LIVE, (PRODUCT, TEE)), None, None, NOW)
    assert (item.unit_price_minor, item.sale, item.pin_id) == (2500, None, None)


def test_a_replay_buy_needs_the_show_to_have_ended() -> None:
    with pytest.raises(ShowNotEnded) as excinfo:
        price_buy(BuyBundle(LIVE, (PRODUCT, TEE)), None, 70_000, NOW)
    assert excinfo.value.details == {"status": "live"}


def test_a_replay_buy_prices_by_the_pin_at_that_moment() -> None:
    timeline = (PIN, UNPIN)
    during = price_buy(BuyBundle(ENDED, (PRODUCT, TEE), timeline=timeline), 3, 70_000, NOW)
    assert (during.unit_price_minor, during.pin_id) == (1500, 3)
    # The pin left the screen at 120 s: its sale stopped there, though 300 s were set.
    later = price_buy(BuyBundle(ENDED, (PRODUCT, TEE), timeline=timeline), 3, 130_000, NOW)
    assert (later.unit_price_minor, later.sale, later.pin_id) == (2500, None, 3)
    from_the_bag = price_buy(BuyBundle(ENDED, (PRODUCT, TEE)), None, 70_000, NOW)
    assert (from_the_bag.unit_price_minor, from_the_bag.pin_id) == (2500, None)


def test_a_replay_buy_from_a_pin_the_show_never_had_is_refused() -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        price_buy(BuyBundle(ENDED, (PRODUCT, TEE), timeline=(PIN, UNPIN)), 4, 70_000, NOW)
    details = excinfo.value.details
    assert (details["field"], details["reason"], details["pin_id"]) == ("pin_id", "not_found", 4)
