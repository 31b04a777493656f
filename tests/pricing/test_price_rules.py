"""The price of an order: discounts split over lines, percent caps, combined shipping."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from livesale.domain.coupons import Coupon, CouponKind, CouponTerms, check_applies, discount_for
from livesale.domain.errors import (
    CouponExpired,
    CouponMinimumNotMet,
    CouponNotFirstOrder,
    CouponNotFound,
    CouponWrongShow,
    ShippingNotAvailable,
)
from livesale.domain.orders import (
    Address,
    BuyerDetails,
    Order,
    OrderLine,
    OrderPricing,
    OrderStatus,
)
from livesale.domain.pricing import price_order, split_discount
from livesale.domain.shipping import (
    EMPTY_BUNDLE,
    ShippingProfile,
    bundle_of,
    check_ships_to,
    shipping_to_return,
)

PROFILE = ShippingProfile(
    "EUR", flat_minor=500, per_item_minor=100, free_above_minor=None, countries=()
)
HOME = Address("1 Market Street", "", "Springfield", "", "12345", "US")
OTHER = Address("9 Harbour Road", "", "Portsmouth", "", "PO1 2AB", "GB")


def line(price: int, quantity: int = 1, *, refunded: bool = False, discount: int = 0) -> OrderLine:
    return OrderLine(
        variant_id=f"v{price}",
        product_id=f"p{price}",
        title="Tee",
        variant_name="M",
        sku=f"SKU{price}",
        quantity=quantity,
        unit_price_minor=price,
        sale_id=None,
        hold_id="h",
        refunded_at=1.0 if refunded else None,
        refunded_minor=price * quantity - discount if refunded else 0,
        discount_minor=discount,
    )


def order(
    order_id: str,
    lines: tuple[OrderLine, ...],
    shipping: int,
    *,
    status: OrderStatus = OrderStatus.PAID,
    address: Address = HOME,
    created_at: float = 1.0,
) -> Order:
    subtotal = sum(item.line_total_minor for item in lines)
    return Order(
        id=order_id,
        checkout_id="co_" + order_id,
        viewer_id="mia",
        creator_id="alice",
        show_id="show",
        status=status,
        currency="EUR",
        total_minor=subtotal + shipping,
        details=BuyerDetails("mia@example.com", "Mia", address, announce=True),
        gateway="dummy",
        payment_id="pay_" + order_id,
        status_reason=None,
        lines=lines,
        created_at=created_at,
        paid_at=created_at if status is not OrderStatus.PENDING_PAYMENT else None,
        fulfilled_at=None,
        refunded_at=None,
        canceled_at=None,
        pricing=OrderPricing(discount_minor=0, shipping_minor=shipping),
    )


def coupon(**changes: object) -> Coupon:
    terms = CouponTerms(
        code="SPRING10",
        kind=CouponKind.PERCENT,
        value=10,
        currency="EUR",
        max_discount_minor=None,
        show_id=None,
        min_spend_minor=0,
        first_order_only=False,
        max_uses=None,
        starts_at=None,
        ends_at=None,
        enabled=True,
    )
    return Coupon("cpn_1", "alice", replace(terms, **changes), uses_taken=0, created_at=0.0)  # type: ignore[arg-type]


def test_a_percent_is_rounded_down_then_capped() -> None:
    assert discount_for(coupon(value=15).terms, 999) == 149  # 149.85 rounds down
    assert discount_for(coupon(value=50, max_discount_minor=700).terms, 2000) == 700
    assert discount_for(coupon(value=100).terms, 1234) == 1234


def test_a_fixed_amount_never_takes_off_more_than_the_goods() -> None:
    fixed = coupon(kind=CouponKind.FIXED, value=1500).terms
    assert discount_for(fixed, 4000) == 1500
    assert discount_for(fixed, 900) == 900


def test_the_discount_is_split_by_line_totals_with_leftovers_to_the_largest_remainder() -> None:
    # 100 over 1000/1000/1000: 33.33 each, the one unit left goes to the first line.
    assert split_discount([line(1000), line(1001), line(999)], 100) == [33, 34, 33]
    assert split_discount([line(1000), line(1000), line(1000)], 100) == [34, 33, 33]
    assert split_discount([line(2500, 2), line(1200)], 0) == [0, 0]


@given(
    prices=st.lists(st.integers(1, 50_000), min_size=1, max_size=6),
    quantities=st.lists(st.integers(1, 5), min_size=6, max_size=6),
    percent=st.integers(1, 100),
)
def test_shares_add_up_to_the_discount_and_none_exceeds_its_line(
    prices: list[int], quantities: list[int], percent: int
) -> None:
    lines = [line(price, quantity) for price, quantity in zip(prices, quantities, strict=False)]
    subtotal = sum(item.line_total_minor for item in lines)
    discount = subtotal * percent // 100
    shares = split_discount(lines, discount)
    assert sum(shares) == discount
    assert all(
        0 <= share <= item.line_total_minor for share, item in zip(shares, lines, strict=True)
    )


def test_the_first_order_pays_the_flat_rate_and_a_later_one_only_its_items() -> None:
    first = price_order([line(2500, 2)], coupon=None, profile=PROFILE, bundle=EMPTY_BUNDLE)
    assert (first.shipping_minor, first.total_minor, first.combined_with) == (700, 5700, None)
    paid = order("ord_1", first.lines, first.shipping_minor)
    bundle = bundle_of([paid], "show", "mia", HOME)
    second = price_order([line(1200)], coupon=None, profile=PROFILE, bundle=bundle)
    assert (second.shipping_minor, second.combined_with) == (100, "ord_1")


def test_an_order_to_another_address_or_an_unpaid_one_opens_no_shipment() -> None:
    paid_elsewhere = order("ord_1", (line(2500),), 600, address=OTHER)
    unpaid = order("ord_2", (line(2500),), 600, status=OrderStatus.PENDING_PAYMENT)
    assert bundle_of([paid_elsewhere, unpaid], "show", "mia", HOME) == EMPTY_BUNDLE


def test_free_above_counts_the_whole_shipment_and_gives_nothing_back() -> None:
    profile = replace(PROFILE, free_above_minor=5000)
    first = price_order([line(3000)], coupon=None, profile=profile, bundle=EMPTY_BUNDLE)
    assert first.shipping_minor == 600
    bundle = bundle_of([order("ord_1", first.lines, 600)], "show", "mia", HOME)
    second = price_order([line(2500)], coupon=None, profile=profile, bundle=bundle)
    assert second.shipping_minor == 0  # 5500 in the parcel: free, the 600 paid stays paid
    # Alone, the second order would have been below the threshold.
    alone = price_order([line(2500)], coupon=None, profile=profile, bundle=EMPTY_BUNDLE)
    assert alone.shipping_minor == 600


def test_an_order_keeps_one_minor_unit_to_pay() -> None:
    everything = coupon(value=100)
    price = price_order([line(1200)], coupon=everything, profile=None, bundle=EMPTY_BUNDLE)
    assert (price.discount_minor, price.total_minor) == (1199, 1)


def test_free_above_compares_the_goods_after_the_discount() -> None:
    profile = replace(PROFILE, free_above_minor=5000)
    price = price_order([line(5000)], coupon=coupon(), profile=profile, bundle=EMPTY_BUNDLE)
    assert (price.discount_minor, price.shipping_minor, price.total_minor) == (500, 600, 5100)


def test_refunded_lines_leave_the_shipment() -> None:
    first = order("ord_1", (line(2500, refunded=True), line(1200)), 700)
    bundle = bundle_of([first], "show", "mia", HOME)
    assert (bundle.units, bundle.goods_minor, bundle.shipping_paid_minor) == (1, 1200, 700)


def test_no_profile_means_free_shipping_to_anywhere() -> None:
    check_ships_to(None, HOME)
    price = price_order([line(2500)], coupon=None, profile=None, bundle=EMPTY_BUNDLE)
    assert price.shipping_minor == 0


def test_a_country_outside_the_profile_is_refused() -> None:
    profile = replace(PROFILE, countries=("DE", "FR"))
    with pytest.raises(ShippingNotAvailable) as refused:
        check_ships_to(profile, HOME)
    assert refused.value.details["country"] == "US"


def test_the_last_line_of_a_shipment_returns_every_shipping_still_paid() -> None:
    first = order("ord_1", (line(2500, refunded=True),), 600, status=OrderStatus.REFUNDED)
    second = order("ord_2", (line(1200, refunded=True),), 100, created_at=2.0)
    assert [o.id for o in shipping_to_return(second, [first, second])] == ["ord_2", "ord_1"]


def test_shipping_stays_while_another_order_of_the_shipment_travels() -> None:
    first = order("ord_1", (line(2500),), 600)
    second = order("ord_2", (line(1200, refunded=True),), 100, created_at=2.0)
    assert shipping_to_return(second, [first, second]) == []


def test_a_refund_in_full_already_gave_its_shipping_back() -> None:
    whole = order("ord_1", (line(2500),), 600, status=OrderStatus.REFUNDED)
    second = order("ord_2", (line(1200, refunded=True),), 100, created_at=2.0)
    assert [o.id for o in shipping_to_return(second, [whole, second])] == ["ord_2"]


@pytest.mark.parametrize(
    ("changes", "context", "refusal"),
    [
        ({"enabled": False}, {}, CouponNotFound),
        ({"starts_at": 200.0}, {}, CouponExpired),
        ({"ends_at": 100.0}, {}, CouponExpired),
        ({"show_id": "another"}, {}, CouponWrongShow),
        ({"min_spend_minor": 3000}, {}, CouponMinimumNotMet),
        ({"first_order_only": True}, {"has_paid_order": True}, CouponNotFirstOrder),
    ],
)
def test_each_term_refuses_with_its_own_code(
    changes: dict[str, object], context: dict[str, object], refusal: type[Exception]
) -> None:
    arguments: dict[str, object] = {
        "show_id": "show",
        "currency": "EUR",
        "goods_minor": 2500,
        "has_paid_order": False,
        "now": 150.0,
        **context,
    }
    check_applies(coupon(), **arguments)  # type: ignore[arg-type]
    with pytest.raises(refusal):
        check_applies(coupon(**changes), **arguments)  # type: ignore[arg-type]
