"""Orders in SQLite, the record of money taken: created before the payment, moved forward only."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from livesale.domain.analytics import SoldLine
from livesale.domain.checkout import pin_id_of_sale
from livesale.domain.coupons import Coupon
from livesale.domain.orders import (
    NO_PRICING,
    BuyerDetails,
    Order,
    OrderLine,
    OrderPricing,
    OrderStatus,
    Shipment,
    StatusChange,
    can_move,
    require_move,
)
from livesale.storage.coupons import give_back_use, mark_use_paid, take_use
from livesale.storage.database import Database
from livesale.storage.order_counts import count_created, count_move, count_refunded
from livesale.storage.order_rows import (
    LINE_COLUMNS,
    address_record,
    buyer_details_from_row,
    line_values,
    load_order,
    load_orders,
)
from livesale.storage.sql import Executor

_STAMP = {
    OrderStatus.PAID: "paid_at",
    OrderStatus.FULFILLED: "fulfilled_at",
    OrderStatus.REFUNDED: "refunded_at",
    OrderStatus.CANCELED: "canceled_at",
}
_SOLD = (OrderStatus.PAID.value, OrderStatus.FULFILLED.value)


@dataclass(frozen=True)
class NewOrder:
    """What placing an order writes."""

    checkout_id: str
    viewer_id: str
    creator_id: str
    show_id: str
    currency: str
    details: BuyerDetails
    gateway: str
    lines: tuple[OrderLine, ...]  # priced: each carries its share of the discount
    pricing: OrderPricing = NO_PRICING
    coupon: Coupon | None = None  # its use is taken with the order, or the order is refused


@dataclass(frozen=True)
class Transition:
    """The order after a requested move; `changed` is False for a replay or a no-op."""

    order: Order
    changed: bool


def new_order_id() -> str:
    """A random, unguessable order id."""
    return "ord_" + secrets.token_hex(10)


class OrderRepository:
    """The only code that touches `orders`, `order_lines`, `payment_events`, `order_history`."""

    def __init__(self, db: Database, clock: Callable[[], float] = time.time) -> None:
        self._db = db
        self._clock = clock

    async def create(self, new: NewOrder) -> tuple[Order, bool]:
        """Insert the order of a checkout, or return the one it already has (created=False)."""
        now = self._clock()
        order_id = new_order_id()
        pricing = new.pricing
        total = (
            sum(line.line_total_minor for line in new.lines)
            - pricing.discount_minor
            + pricing.shipping_minor
        )
        details = new.details
        async with self._db.transaction() as conn:
            changed = await conn.execute(
                "INSERT INTO orders (id, checkout_id, viewer_id, creator_id, show_id, status,"
                " currency, total_minor, email, name, address_json, announce, gateway,"
                " created_at, updated_at, discount_minor, shipping_minor, coupon_id, coupon_code,"
                " combined_with) VALUES"
                " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (checkout_id) DO NOTHING",
                (
                    order_id,
                    new.checkout_id,
                    new.viewer_id,
                    new.creator_id,
                    new.show_id,
                    OrderStatus.PENDING_PAYMENT.value,
                    new.currency,
                    total,
                    details.email,
                    details.name,
                    json.dumps(address_record(details.address)),
                    int(details.announce),
                    new.gateway,
                    now,
                    now,
                    pricing.discount_minor,
                    pricing.shipping_minor,
                    None if new.coupon is None else new.coupon.id,
                    None if new.coupon is None else new.coupon.code,
                    pricing.combined_with,
                ),
            )
            created = changed == 1
            if created:
                if new.coupon is not None:
                    # Refused (used up, used by this buyer): the order is rolled back with it.
                    await take_use(conn, new.coupon, new.viewer_id, order_id, now)
                await conn.executemany(
                    f"INSERT INTO order_lines ({LINE_COLUMNS})"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [line_values(order_id, i, line) for i, line in enumerate(new.lines)],
                )
                await _history(conn, order_id, None, OrderStatus.PENDING_PAYMENT, None, now)
            else:
                row = await conn.fetchone(
                    "SELECT id FROM orders WHERE checkout_id = ?", (new.checkout_id,)
                )
                assert row is not None
                order_id = str(row["id"])
            order = await load_order(conn, order_id)
        assert order is not None
        if created:
            count_created(order)
        return order, created

    async def get(self, order_id: str) -> Order | None:
        """The order, or None."""
        return await load_order(self._db.reader, order_id)

    async def by_checkout(self, checkout_id: str) -> Order | None:
        """The order of this checkout, or None."""
        row = await self._db.fetchone("SELECT id FROM orders WHERE checkout_id = ?", (checkout_id,))
        return None if row is None else await self.get(str(row["id"]))

    async def latest_details(self, viewer_id: str) -> BuyerDetails | None:
        """The email, name and address of the viewer's most recent order, or None."""
        row = await self._db.fetchone(
            "SELECT email, name, address_json, announce FROM orders WHERE viewer_id = ?"
            " ORDER BY created_at DESC, id DESC LIMIT 1",
            (viewer_id,),
        )
        return None if row is None else buyer_details_from_row(row)

    async def by_payment(self, payment_id: str) -> Order | None:
        """The order paid by this payment, or None."""
        row = await self._db.fetchone("SELECT id FROM orders WHERE payment_id = ?", (payment_id,))
        return None if row is None else await self.get(str(row["id"]))

    async def set_payment(self, order_id: str, payment_id: str) -> Order:
        """Record the order's payment id (once; the same id again is fine)."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE orders SET payment_id = ?, updated_at = ?"
                " WHERE id = ? AND (payment_id IS NULL OR payment_id = ?)",
                (payment_id, self._clock(), order_id, payment_id),
            )
            order = await load_order(conn, order_id)
        assert order is not None
        return order

    async def set_hold(self, order_id: str, position: int, hold_id: str) -> None:
        """Point a line at a new stock hold (after the first one expired and stock was retaken)."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE order_lines SET hold_id = ? WHERE order_id = ? AND position = ?",
                (hold_id, order_id, position),
            )

    async def move(
        self,
        order_id: str,
        target: OrderStatus,
        reason: str | None = None,
        *,
        event_id: str | None = None,
        event_type: str | None = None,
        shipment: Shipment | None = None,
    ) -> Transition:
        """Move the order forward, once per event id (a shipment is stored with the move).

        With an event id, a replayed event or a move that is no longer possible
        (a late event) changes nothing and returns changed=False; without one
        (a person's action) an impossible move raises OrderStateConflict.
        """
        now = self._clock()
        async with self._db.transaction() as conn:
            if event_id is not None:
                changed = await conn.execute(
                    "INSERT INTO payment_events (event_id, order_id, type, applied_at)"
                    " VALUES (?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING",
                    (event_id, order_id, event_type or target.value, now),
                )
                if changed == 0:
                    order = await load_order(conn, order_id)
                    assert order is not None
                    return Transition(order, changed=False)
            order = await load_order(conn, order_id)
            assert order is not None
            if not can_move(order.status, target):
                if event_id is None:
                    require_move(order.status, target)
                return Transition(order, changed=False)
            await conn.execute(
                f"UPDATE orders SET status = ?, status_reason = COALESCE(?, status_reason),"
                f" {_STAMP[target]} = ?, updated_at = ? WHERE id = ?",
                (target.value, reason, now, now, order_id),
            )
            if shipment is not None:
                await conn.execute(
                    "UPDATE orders SET carrier = ?, tracking_number = ?, tracking_url = ?"
                    " WHERE id = ?",
                    (shipment.carrier, shipment.tracking_number, shipment.tracking_url, order_id),
                )
            if target is OrderStatus.PAID:
                await mark_use_paid(conn, order_id)
            elif target in (OrderStatus.CANCELED, OrderStatus.REFUNDED):
                # An order never paid gives its coupon use back; a paid one has spent it.
                await give_back_use(conn, order_id)
            await _history(conn, order_id, order.status, target, reason, now)
            moved = await load_order(conn, order_id)
        assert moved is not None
        count_move(order, moved)
        return Transition(moved, changed=True)

    async def refund_line(
        self,
        order_id: str,
        position: int,
        amount_minor: int,
        refund_id: str | None,
        restocked: bool,
    ) -> Order:
        """Record the refund of one line (once: a refunded line keeps its first record)."""
        now = self._clock()
        async with self._db.transaction() as conn:
            before = await load_order(conn, order_id)
            changed = await conn.execute(
                "UPDATE order_lines SET refunded_at = ?, refunded_minor = ?, refund_id = ?,"
                " refund_restocked = ? WHERE order_id = ? AND position = ? AND refunded_at IS NULL",
                (now, amount_minor, refund_id, int(restocked), order_id, position),
            )
            if changed:
                await conn.execute("UPDATE orders SET updated_at = ? WHERE id = ?", (now, order_id))
            order = await load_order(conn, order_id)
        assert before is not None and order is not None
        count_refunded(before, order)
        return order

    async def refund_shipping(self, order_id: str, amount_minor: int) -> Order:
        """Record the order's shipping given back (once: a later call changes nothing)."""
        now = self._clock()
        async with self._db.transaction() as conn:
            before = await load_order(conn, order_id)
            changed = await conn.execute(
                "UPDATE orders SET shipping_refunded_minor = ?, updated_at = ?"
                " WHERE id = ? AND shipping_refunded_minor = 0",
                (amount_minor, now, order_id),
            )
            order = await load_order(conn, order_id) if changed else before
        assert before is not None and order is not None
        count_refunded(before, order)
        return order

    async def note_provider_refund(
        self, order_id: str, amount_refunded_minor: int, event_id: str, event_type: str
    ) -> Transition:
        """Record the provider's running total of refunds of the order's payment, once per
        event; a total lower than one already seen (a late event) changes nothing."""
        async with self._db.transaction() as conn:
            before = await load_order(conn, order_id)
            inserted = await conn.execute(
                "INSERT INTO payment_events (event_id, order_id, type, applied_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING",
                (event_id, order_id, event_type, self._clock()),
            )
            changed = False
            if inserted == 1:
                updated = await conn.execute(
                    "UPDATE orders SET provider_refunded_minor = ?, updated_at = ?"
                    " WHERE id = ? AND provider_refunded_minor < ?",
                    (amount_refunded_minor, self._clock(), order_id, amount_refunded_minor),
                )
                changed = updated == 1
            order = await load_order(conn, order_id)
        assert before is not None and order is not None
        count_refunded(before, order)
        return Transition(order, changed=changed)

    async def note_event(self, event_id: str, order_id: str, event_type: str) -> bool:
        """Record an event that changes no status; False if it was already recorded."""
        async with self._db.transaction() as conn:
            changed = await conn.execute(
                "INSERT INTO payment_events (event_id, order_id, type, applied_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING",
                (event_id, order_id, event_type, self._clock()),
            )
            return changed == 1

    async def list_for_creator(
        self,
        creator_id: str,
        *,
        show_id: str | None = None,
        status: OrderStatus | None = None,
        before: float | None = None,
        limit: int = 50,
    ) -> list[Order]:
        """The creator's orders, newest first, optionally for one show or status."""
        where = ["creator_id = ?"]
        params: list[Any] = [creator_id]
        if show_id is not None:
            where.append("show_id = ?")
            params.append(show_id)
        if status is not None:
            where.append("status = ?")
            params.append(status.value)
        if before is not None:
            where.append("created_at < ?")
            params.append(before)
        rows = await self._db.fetchall(
            f"SELECT id FROM orders WHERE {' AND '.join(where)} ORDER BY created_at DESC LIMIT ?",
            (*params, limit),
        )
        return await self._many([str(row["id"]) for row in rows])

    async def all_for_creator(
        self,
        creator_id: str,
        *,
        show_id: str | None = None,
        statuses: frozenset[OrderStatus] | None = None,
    ) -> list[Order]:
        """Every order of the creator (optionally one show's, some statuses'), oldest first."""
        where = ["creator_id = ?"]
        params: list[Any] = [creator_id]
        if show_id is not None:
            where.append("show_id = ?")
            params.append(show_id)
        if statuses is not None:
            values = sorted(status.value for status in statuses)
            where.append(f"status IN ({', '.join('?' for _ in values)})")
            params.extend(values)
        return await load_orders(self._db.reader, " AND ".join(where), params, "created_at, id")

    async def pending_created_before(self, moment: float, limit: int = 200) -> list[Order]:
        """Orders still waiting for payment that were created before `moment`."""
        rows = await self._db.fetchall(
            "SELECT id FROM orders WHERE status = ? AND created_at < ? ORDER BY created_at LIMIT ?",
            (OrderStatus.PENDING_PAYMENT.value, moment, limit),
        )
        return await self._many([str(row["id"]) for row in rows])

    async def sold_units(self, variant_id: str) -> int:
        """Units of a variant in paid or fulfilled orders (a line refunded and put back on
        sale is not sold; one refunded after it shipped still is: its units are gone)."""
        row = await self._db.fetchone(
            "SELECT COALESCE(SUM(l.quantity), 0) AS units FROM order_lines l"
            " JOIN orders o ON o.id = l.order_id WHERE l.variant_id = ? AND o.status IN (?, ?)"
            " AND l.refund_restocked = 0",
            (variant_id, *_SOLD),
        )
        return 0 if row is None else int(row["units"])

    async def sold_lines(self, show_id: str) -> list[SoldLine]:
        """Every line of every order of the show, with its status, for analytics.

        A line the seller refunded on its own has the status `refunded` whatever its
        order's status, so sold figures leave it out and refunds count it.
        """
        rows = await self._db.fetchall(
            "SELECT o.id, o.status, o.currency, o.created_at, l.pin_id, l.sale_id, l.quantity,"
            " l.unit_price_minor, l.discount_minor, o.viewer_id, l.refunded_at FROM orders o"
            " JOIN order_lines l ON l.order_id = o.id"
            " WHERE o.show_id = ? ORDER BY o.created_at, l.position",
            (show_id,),
        )
        return [
            SoldLine(
                order_id=str(row["id"]),
                status=OrderStatus.REFUNDED
                if row["refunded_at"] is not None
                else OrderStatus(row["status"]),
                currency=str(row["currency"]),
                created_at=float(row["created_at"]),
                # Lines from before pins were recorded name their flash sale's pin at least.
                pin_id=row["pin_id"]
                if row["pin_id"] is not None or row["sale_id"] is None
                else pin_id_of_sale(row["sale_id"]),
                quantity=int(row["quantity"]),
                # What the buyer paid for the line: less its share of a coupon's discount.
                line_total_minor=int(row["quantity"]) * int(row["unit_price_minor"])
                - int(row["discount_minor"]),
                buyer_id=str(row["viewer_id"]),
            )
            for row in rows
        ]

    async def history(self, order_id: str) -> list[StatusChange]:
        """The order's status changes, oldest first."""
        rows = await self._db.fetchall(
            "SELECT from_status, to_status, reason, at FROM order_history"
            " WHERE order_id = ? ORDER BY id",
            (order_id,),
        )
        return [
            StatusChange(
                from_status=None if row["from_status"] is None else OrderStatus(row["from_status"]),
                to_status=OrderStatus(row["to_status"]),
                reason=row["reason"],
                at=float(row["at"]),
            )
            for row in rows
        ]

    async def _many(self, order_ids: Sequence[str]) -> list[Order]:
        orders = [await self.get(order_id) for order_id in order_ids]
        return [order for order in orders if order is not None]


async def _history(
    conn: Executor,
    order_id: str,
    from_status: OrderStatus | None,
    to_status: OrderStatus,
    reason: str | None,
    at: float,
) -> None:
    await conn.execute(
        "INSERT INTO order_history (order_id, from_status, to_status, reason, at)"
        " VALUES (?, ?, ?, ?, ?)",
        (order_id, None if from_status is None else from_status.value, to_status.value, reason, at),
    )
