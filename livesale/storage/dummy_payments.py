"""The dummy gateway's payments in SQLite, so every server process sees the same ones."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable

from livesale.domain.errors import OrderStateConflict, ValidationFailed
from livesale.domain.payments import PaymentInfo, PaymentStatus
from livesale.storage.database import Database
from livesale.storage.sql import Row

_COLUMNS = "id, order_id, amount_minor, currency, status, decline_code, created_at"


class DummyPaymentRepository:
    """The only code that touches `dummy_payments`."""

    def __init__(self, db: Database, clock: Callable[[], float] = time.time) -> None:
        self._db = db
        self._clock = clock

    async def create(self, order_id: str, amount_minor: int, currency: str) -> PaymentInfo:
        """Create the order's payment, or return the one it already has."""
        now = self._clock()
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO dummy_payments (id, order_id, amount_minor, currency, status,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (order_id) DO NOTHING",
                (
                    "dp_" + secrets.token_hex(12),
                    order_id,
                    amount_minor,
                    currency,
                    PaymentStatus.REQUIRES_PAYMENT_METHOD.value,
                    now,
                    now,
                ),
            )
            row = await conn.fetchone(
                f"SELECT {_COLUMNS} FROM dummy_payments WHERE order_id = ?", (order_id,)
            )
        assert row is not None
        return _payment(row)

    async def get(self, payment_id: str) -> PaymentInfo | None:
        """The payment, or None."""
        row = await self._db.fetchone(
            f"SELECT {_COLUMNS} FROM dummy_payments WHERE id = ?", (payment_id,)
        )
        return None if row is None else _payment(row)

    async def set_status(
        self,
        payment_id: str,
        status: PaymentStatus,
        decline_code: str | None,
        *,
        only_from: frozenset[PaymentStatus],
    ) -> PaymentInfo | None:
        """Move the payment to `status` if it is in one of `only_from`; the payment after."""
        allowed = sorted(s.value for s in only_from)
        marks = ", ".join("?" for _ in allowed)
        async with self._db.transaction() as conn:
            # The status test is in the UPDATE itself, so two confirms racing
            # (a double click, two processes) cannot both move the payment.
            await conn.execute(
                "UPDATE dummy_payments SET status = ?, decline_code = ?, updated_at = ?,"
                " amount_refunded_minor = CASE WHEN ? THEN amount_minor"
                " ELSE amount_refunded_minor END"
                f" WHERE id = ? AND status IN ({marks})",
                (
                    status.value,
                    decline_code,
                    self._clock(),
                    status is PaymentStatus.REFUNDED,
                    payment_id,
                    *allowed,
                ),
            )
            row = await conn.fetchone(
                f"SELECT {_COLUMNS} FROM dummy_payments WHERE id = ?", (payment_id,)
            )
        return None if row is None else _payment(row)

    async def refund_part(self, payment_id: str, amount_minor: int, idempotency_key: str) -> str:
        """Give back part of a succeeded payment once per key; the refund's id.

        At most what is left may be given back; the payment becomes `refunded` when
        nothing is left, as Stripe marks its charge.
        """
        async with self._db.transaction() as conn:
            done = await conn.fetchall(
                "SELECT id, payment_id, amount_minor FROM dummy_refunds WHERE idempotency_key = ?",
                (idempotency_key,),
            )
            for row in done:
                if (row["payment_id"], row["amount_minor"]) != (payment_id, amount_minor):
                    raise ValidationFailed(
                        "this refund key was used for another refund",
                        field="idempotency_key",
                        reason="duplicate",
                    )
                return str(row["id"])
            rows = list(
                await conn.fetchall(
                    "SELECT status, amount_minor, amount_refunded_minor FROM dummy_payments"
                    " WHERE id = ?",
                    (payment_id,),
                )
            )
            if not rows or rows[0]["status"] != PaymentStatus.SUCCEEDED.value:
                status = rows[0]["status"] if rows else "unknown"
                raise OrderStateConflict(
                    "only a payment that succeeded can be refunded", status=status
                )
            left = int(rows[0]["amount_minor"]) - int(rows[0]["amount_refunded_minor"])
            if not 0 < amount_minor <= left:
                raise ValidationFailed(
                    f"a refund must be 1 to {left}, what is left of the payment",
                    field="amount_minor",
                    reason="too_small" if amount_minor <= 0 else "too_large",
                    min=1,
                    max=left,
                    left=left,
                )
            refund_id = "dr_" + secrets.token_hex(12)
            now = self._clock()
            await conn.execute(
                "INSERT INTO dummy_refunds (idempotency_key, id, payment_id, amount_minor,"
                " created_at) VALUES (?, ?, ?, ?, ?)",
                (idempotency_key, refund_id, payment_id, amount_minor, now),
            )
            await conn.execute(
                "UPDATE dummy_payments SET amount_refunded_minor = amount_refunded_minor + ?,"
                " status = CASE WHEN amount_refunded_minor + ? = amount_minor THEN ?"
                " ELSE status END, updated_at = ? WHERE id = ?",
                (amount_minor, amount_minor, PaymentStatus.REFUNDED.value, now, payment_id),
            )
        return refund_id

    async def created_since(self, since: float) -> list[PaymentInfo]:
        """Payments created at or after `since`, oldest first."""
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM dummy_payments WHERE created_at >= ? ORDER BY created_at",
            (since,),
        )
        return [_payment(row) for row in rows]


def _payment(row: Row) -> PaymentInfo:
    return PaymentInfo(
        id=str(row["id"]),
        order_id=str(row["order_id"]),
        status=PaymentStatus(row["status"]),
        amount_minor=int(row["amount_minor"]),
        currency=str(row["currency"]),
        client_secret=None,
        created_at=float(row["created_at"]),
        decline_code=row["decline_code"],
    )
