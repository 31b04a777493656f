"""Money: currency codes, minor-unit prices and formatting."""

from __future__ import annotations

from decimal import Decimal

import pytest

from livesale.domain.errors import ValidationFailed
from livesale.domain.money import (
    CURRENCIES,
    format_money,
    minor_unit_exponent,
    to_decimal,
    validate_currency,
    validate_price_minor,
)


def test_known_currencies_are_normalised_to_upper_case() -> None:
    assert validate_currency("EUR") == "EUR"
    assert validate_currency(" usd ") == "USD"
    assert minor_unit_exponent("JPY") == 0
    assert minor_unit_exponent("KWD") == 3
    assert all(len(code) == 3 and code.isupper() for code in CURRENCIES)


@pytest.mark.parametrize("value", ["", "EU", "EURO", "XYZ", "€", 978, None, ["EUR"]])
def test_bad_currencies(value: object) -> None:
    with pytest.raises(ValidationFailed) as info:
        validate_currency(value, field="variants[0].currency")
    assert info.value.code == "validation_failed"
    assert info.value.details["field"] == "variants[0].currency"


@pytest.mark.parametrize("value", [1, 999, 100_000_000])
def test_good_prices(value: int) -> None:
    assert validate_price_minor(value) == value


@pytest.mark.parametrize("value", [True, False, 12.5, 12.0, "1200", None, 0, -1, 100_000_001])
def test_bad_prices(value: object) -> None:
    with pytest.raises(ValidationFailed) as info:
        validate_price_minor(value, field="price_minor")
    assert info.value.details["field"] == "price_minor"


def test_formatting_uses_the_currency_exponent() -> None:
    assert format_money(1234, "EUR") == "12.34 EUR"
    assert format_money(5, "USD") == "0.05 USD"
    assert format_money(150_000, "JPY") == "150,000 JPY"
    assert format_money(1_234_567, "KWD") == "1,234.567 KWD"
    assert to_decimal(1999, "GBP") == Decimal("19.99")
