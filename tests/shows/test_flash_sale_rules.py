"""A flash sale's terms checked against the product: prices, stock, limits (pure domain rules)."""

from __future__ import annotations

from typing import Any

import pytest

from livesale.domain.errors import ValidationFailed
from livesale.domain.pins import FlashSale, FlashSaleTerms, check_flash_sale

PRICES = [2500, 3000]  # two variants: the cheaper one bounds the sale price
STOCK = 10


def terms(**overrides: int) -> FlashSaleTerms:
    """Valid terms with some numbers replaced."""
    fields: dict[str, Any] = {
        "sale_price_minor": 999,
        "quantity": 5,
        "per_buyer_limit": 2,
        "duration_seconds": 60,
        **overrides,
    }
    return FlashSaleTerms(**fields)


def test_valid_terms_become_a_sale_in_the_product_s_currency() -> None:
    assert check_flash_sale(terms(), PRICES, "EUR", STOCK) == FlashSale(999, "EUR", 5, 2, 60)


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"sale_price_minor": 0}, {"field": "flash_sale.sale_price_minor", "reason": "too_small",
                                   "min_minor": 1, "currency": "EUR"}),
        ({"sale_price_minor": 2500}, {"field": "flash_sale.sale_price_minor",
                                      "reason": "not_below_regular_price", "limit_minor": 2500}),
        ({"quantity": 0}, {"field": "flash_sale.quantity", "reason": "too_small", "min": 1}),
        ({"quantity": 11}, {"field": "flash_sale.quantity", "reason": "over_stock", "max": 10}),
        ({"per_buyer_limit": 6}, {"field": "flash_sale.per_buyer_limit", "reason": "too_large",
                                  "max": 5}),
        ({"duration_seconds": 5}, {"field": "flash_sale.duration_seconds", "reason": "too_small",
                                   "min": 10}),
        ({"duration_seconds": 3601}, {"field": "flash_sale.duration_seconds",
                                      "reason": "too_large", "max": 3600}),
        # The price is judged first when several numbers are wrong.
        ({"sale_price_minor": 2500, "quantity": 11}, {"field": "flash_sale.sale_price_minor"}),
    ],
)  # fmt: skip
def test_terms_that_break_a_rule_name_the_field_and_the_reason(
    overrides: dict[str, int], expected: dict[str, Any]
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        check_flash_sale(terms(**overrides), PRICES, "EUR", STOCK)
    assert caught.value.details.items() >= expected.items(), caught.value.details
