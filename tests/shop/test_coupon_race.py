"""The coupon's caps under 1,000 orders placed at once: the total and one use per buyer hold."""

from __future__ import annotations

import asyncio
import secrets

from livesale.composition.services import SERVICES
from livesale.domain.errors import CouponAlreadyUsed, CouponUsedUp
from livesale.domain.orders import Address, BuyerDetails, OrderLine, OrderPricing
from livesale.storage.coupons import CouponRepository
from livesale.storage.orders import NewOrder, OrderRepository
from tests.support.clients import Client, origin
from tests.support.world import LiveShop

CAP = 37
BUYERS = 600
ATTEMPTS = 1000  # every buyer once, 400 of them twice (a double tap, a second tab)
DETAILS = BuyerDetails(
    "mia@example.com", "Mia", Address("1 Market St", "", "Springfield", "", "12345", "US"), True
)


async def test_a_thousand_checkouts_take_exactly_the_cap_each_buyer_once(
    alice: Client, shop: LiveShop
) -> None:
    response = await alice.post(
        "/api/coupons",
        json={"code": "RUSH", "kind": "fixed", "value": 100, "currency": "EUR", "max_uses": CAP},
        headers=origin(alice),
    )
    assert response.status == 201, await response.text()
    coupon_id = (await response.json())["coupon"]["id"]
    storage = alice.app[SERVICES].storage
    db = storage.database
    viewers = [f"v_{index:04d}" for index in range(BUYERS)]
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO viewers (id, token_hash, display_name, created_at) VALUES (?, ?, ?, 0)",
            [(viewer, secrets.token_hex(16), viewer) for viewer in viewers],
        )
    creator_id = (await (await alice.get("/api/auth/me")).json())["creator"]["id"]
    coupons = CouponRepository(db)
    coupon = await coupons.get(creator_id, coupon_id)
    assert coupon is not None
    orders = OrderRepository(db)
    line = OrderLine(
        variant_id=shop.variant_id,
        product_id=shop.product["id"],
        title="Tee",
        variant_name="",
        sku="TEE",
        quantity=1,
        unit_price_minor=2500,
        sale_id=None,
        hold_id="h",
        discount_minor=100,
    )

    async def checkout(attempt: int) -> str:
        viewer = viewers[attempt % BUYERS]
        try:
            order, _ = await orders.create(
                NewOrder(
                    checkout_id=f"co_race_{attempt}",
                    viewer_id=viewer,
                    creator_id=creator_id,
                    show_id=shop.show_id,
                    currency="EUR",
                    details=DETAILS,
                    gateway="dummy",
                    lines=(line,),
                    pricing=OrderPricing(100, 0, coupon_id, "RUSH"),
                    coupon=coupon,
                )
            )
        except CouponUsedUp:
            return "used_up"
        except CouponAlreadyUsed:
            return "already_used"
        return order.viewer_id

    results = await asyncio.gather(*(checkout(attempt) for attempt in range(ATTEMPTS)))
    winners = [result for result in results if result.startswith("v_")]
    assert len(winners) == CAP
    assert len(set(winners)) == CAP  # no buyer twice
    assert set(results) - set(winners) <= {"used_up", "already_used"}
    # The record agrees: CAP orders carry the coupon, CAP uses, the counter at CAP.
    row = await db.fetchone("SELECT COUNT(*) AS n FROM orders WHERE coupon_id = ?", (coupon_id,))
    assert row is not None
    assert int(row["n"]) == CAP
    uses = await db.fetchall("SELECT viewer_id FROM coupon_uses WHERE coupon_id = ?", (coupon_id,))
    assert sorted(str(use["viewer_id"]) for use in uses) == sorted(winners)
    stored = await coupons.get(creator_id, coupon_id)
    assert stored is not None
    assert stored.uses_taken == CAP
    # A refused attempt left nothing behind: no order without its use.
    row = await db.fetchone("SELECT COUNT(*) AS n FROM orders WHERE checkout_id LIKE 'co_race_%'")
    assert row is not None
    assert int(row["n"]) == CAP
