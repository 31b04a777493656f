"""The `[shop]` limits per person: defaults a shop would choose, nonsense refused at start-up."""

from __future__ import annotations

import pytest

from livesale.config import ConfigError, Settings, load_settings


def test_the_defaults() -> None:
    shop = Settings().shop
    assert (shop.max_units_held_per_buyer, shop.max_units_held_per_address) == (10, 30)
    assert (shop.per_address_limit_factor, shop.flash_sale_hold_seconds) == (3, 120)


@pytest.mark.parametrize(
    "env",
    [
        {"LIVESALE__SHOP__MAX_UNITS_HELD_PER_BUYER": "0"},
        {"LIVESALE__SHOP__PER_ADDRESS_LIMIT_FACTOR": "0"},
        {"LIVESALE__SHOP__FLASH_SALE_HOLD_SECONDS": "0"},
        {"LIVESALE__SHOP__MAX_UNITS_HELD_PER_ADDRESS": "5"},
    ],
)
def test_limits_that_make_no_sense_stop_start_up(env: dict[str, str]) -> None:
    with pytest.raises(ConfigError):
        load_settings(None, env=env)


def test_an_address_cap_of_several_buyers_loads() -> None:
    env = {"LIVESALE__SHOP__MAX_UNITS_HELD_PER_ADDRESS": "100"}
    assert load_settings(None, env=env).shop.max_units_held_per_address == 100
