"""Coupons and their uses in the record: a use is taken with its order, in one transaction."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable

from livesale.domain.coupons import Coupon, CouponKind, CouponStats, CouponTerms
from livesale.domain.errors import (
    CouponAlreadyUsed,
    CouponCodeTaken,
    CouponNotFound,
    CouponUsedUp,
)
from livesale.storage.database import Database
from livesale.storage.sql import Executor, IntegrityViolation, Row

_COLUMNS = (
    "id, creator_id, code, kind, value, currency, max_discount_minor, show_id, min_spend_minor,"
    " first_order_only, max_uses, starts_at, ends_at, enabled, uses_taken, created_at"
)
# Revenue counts the orders whose money the shop keeps.
_SOLD = ("paid", "fulfilled")


def new_coupon_id() -> str:
    """A random coupon id."""
    return "cpn_" + secrets.token_hex(8)


def _terms_values(terms: CouponTerms) -> tuple[object, ...]:
    return (
        terms.code,
        terms.kind.value,
        terms.value,
        terms.currency,
        terms.max_discount_minor,
        terms.show_id,
        terms.min_spend_minor,
        int(terms.first_order_only),
        terms.max_uses,
        terms.starts_at,
        terms.ends_at,
        int(terms.enabled),
    )


def coupon_from_row(row: Row) -> Coupon:
    """A stored coupon."""
    return Coupon(
        id=str(row["id"]),
        creator_id=str(row["creator_id"]),
        terms=CouponTerms(
            code=str(row["code"]),
            kind=CouponKind(row["kind"]),
            value=int(row["value"]),
            currency=str(row["currency"]),
            max_discount_minor=row["max_discount_minor"],
            show_id=row["show_id"],
            min_spend_minor=int(row["min_spend_minor"]),
            first_order_only=bool(row["first_order_only"]),
            max_uses=row["max_uses"],
            starts_at=row["starts_at"],
            ends_at=row["ends_at"],
            enabled=bool(row["enabled"]),
        ),
        uses_taken=int(row["uses_taken"]),
        created_at=float(row["created_at"]),
    )


async def take_use(
    conn: Executor, coupon: Coupon, viewer_id: str, order_id: str, now: float
) -> None:
    """Reserve one use of `coupon` for `order_id`, inside the order's transaction.

    The conditional UPDATE takes a use only while one is left (the row's lock
    makes concurrent takers wait, on both engines); the use's primary key lets
    each buyer hold one. Either refusal raises, which rolls the order back too.
    """
    taken = await conn.execute(
        "UPDATE coupons SET uses_taken = uses_taken + 1"
        " WHERE id = ? AND (max_uses IS NULL OR uses_taken < max_uses)",
        (coupon.id,),
    )
    if taken != 1:
        raise CouponUsedUp("every use of this coupon is taken", code=coupon.code)
    inserted = await conn.execute(
        "INSERT INTO coupon_uses (coupon_id, viewer_id, order_id, paid, created_at)"
        " VALUES (?, ?, ?, 0, ?) ON CONFLICT (coupon_id, viewer_id) DO NOTHING",
        (coupon.id, viewer_id, order_id, now),
    )
    if inserted != 1:
        raise CouponAlreadyUsed("you have used this coupon already", code=coupon.code)


async def give_back_use(conn: Executor, order_id: str) -> None:
    """Free the unpaid order's use, if it reserved one (its buyer may use the coupon again)."""
    row = await conn.fetchone(
        "SELECT coupon_id FROM coupon_uses WHERE order_id = ? AND paid = 0", (order_id,)
    )
    if row is None:
        return
    await conn.execute("DELETE FROM coupon_uses WHERE order_id = ?", (order_id,))
    await conn.execute(
        "UPDATE coupons SET uses_taken = uses_taken - 1 WHERE id = ? AND uses_taken > 0",
        (row["coupon_id"],),
    )


async def mark_use_paid(conn: Executor, order_id: str) -> None:
    """The paid order's use is spent for good."""
    await conn.execute("UPDATE coupon_uses SET paid = 1 WHERE order_id = ?", (order_id,))


class CouponRepository:
    """The only code that reads and writes `coupons` outside an order's transaction."""

    def __init__(self, db: Database, clock: Callable[[], float] = time.time) -> None:
        self._db = db
        self._clock = clock

    async def create(self, creator_id: str, terms: CouponTerms) -> Coupon:
        """Add a coupon (CouponCodeTaken when the shop has this code)."""
        coupon_id = new_coupon_id()
        try:
            async with self._db.transaction() as conn:
                await conn.execute(
                    f"INSERT INTO coupons ({_COLUMNS}) VALUES"
                    " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)",
                    (coupon_id, creator_id, *_terms_values(terms), self._clock()),
                )
        except IntegrityViolation:
            raise CouponCodeTaken(
                "this shop has a coupon with this code already", code=terms.code
            ) from None
        coupon = await self.get(creator_id, coupon_id)
        assert coupon is not None
        return coupon

    async def update(self, creator_id: str, coupon_id: str, terms: CouponTerms) -> Coupon:
        """Replace a coupon's terms (its uses stay)."""
        try:
            async with self._db.transaction() as conn:
                changed = await conn.execute(
                    "UPDATE coupons SET code = ?, kind = ?, value = ?, currency = ?,"
                    " max_discount_minor = ?, show_id = ?, min_spend_minor = ?,"
                    " first_order_only = ?, max_uses = ?, starts_at = ?, ends_at = ?, enabled = ?"
                    " WHERE id = ? AND creator_id = ?",
                    (*_terms_values(terms), coupon_id, creator_id),
                )
        except IntegrityViolation:
            raise CouponCodeTaken(
                "this shop has a coupon with this code already", code=terms.code
            ) from None
        if changed != 1:
            raise CouponNotFound("no coupon of this shop has this id", coupon_id=coupon_id)
        coupon = await self.get(creator_id, coupon_id)
        assert coupon is not None
        return coupon

    async def get(self, creator_id: str, coupon_id: str) -> Coupon | None:
        """The shop's coupon with this id, or None."""
        row = await self._db.fetchone(
            f"SELECT {_COLUMNS} FROM coupons WHERE id = ? AND creator_id = ?",
            (coupon_id, creator_id),
        )
        return None if row is None else coupon_from_row(row)

    async def by_code(self, creator_id: str, code: str) -> Coupon | None:
        """The shop's coupon with this (upper-case) code, or None."""
        row = await self._db.fetchone(
            f"SELECT {_COLUMNS} FROM coupons WHERE creator_id = ? AND code = ?",
            (creator_id, code),
        )
        return None if row is None else coupon_from_row(row)

    async def stats(self, creator_id: str) -> list[CouponStats]:
        """Every coupon of the shop, newest first, with its paid uses, discount and revenue."""
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM coupons WHERE creator_id = ? ORDER BY created_at DESC, id",
            (creator_id,),
        )
        marks = ", ".join("?" for _ in _SOLD)
        sums = await self._db.fetchall(
            "SELECT coupon_id, COUNT(*) AS uses, COALESCE(SUM(discount_minor), 0) AS discount,"
            f" COALESCE(SUM(CASE WHEN status IN ({marks}) THEN total_minor ELSE 0 END), 0)"
            " AS revenue FROM orders"
            " WHERE creator_id = ? AND coupon_id IS NOT NULL AND paid_at IS NOT NULL"
            " GROUP BY coupon_id",
            (*_SOLD, creator_id),
        )
        by_id = {str(row["coupon_id"]): row for row in sums}
        result = []
        for row in rows:
            coupon = coupon_from_row(row)
            found = by_id.get(coupon.id)
            result.append(
                CouponStats(
                    coupon=coupon,
                    paid_uses=0 if found is None else int(found["uses"]),
                    discount_minor=0 if found is None else int(found["discount"]),
                    revenue_minor=0 if found is None else int(found["revenue"]),
                )
            )
        return result

    async def used_by(self, coupon_id: str, viewer_id: str) -> bool:
        """Whether the buyer holds a use of the coupon (reserved or paid)."""
        row = await self._db.fetchone(
            "SELECT 1 AS found FROM coupon_uses WHERE coupon_id = ? AND viewer_id = ?",
            (coupon_id, viewer_id),
        )
        return row is not None
