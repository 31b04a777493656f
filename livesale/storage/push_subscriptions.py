"""Each device's Web Push subscription, in the record."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from livesale.storage.database import Database

CHUNK = 400


@dataclass(frozen=True, slots=True)
class PushSubscription:
    """Where a push service reaches one device, and the device's keys for the payload."""

    endpoint: str
    viewer_id: str
    p256dh: str
    auth: str
    lang: str


class PushSubscriptionRepository:
    """Persistence of push subscriptions; the only code touching their table."""

    def __init__(self, db: Database, clock: Callable[[], float] = time.time) -> None:
        self._db = db
        self._clock = clock

    async def save(self, subscription: PushSubscription) -> None:
        """Keep the subscription (a device subscribing again replaces its old one)."""
        s = subscription
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO push_subscriptions"
                " (endpoint, viewer_id, p256dh, auth, lang, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (endpoint) DO UPDATE SET"
                " viewer_id = excluded.viewer_id, p256dh = excluded.p256dh,"
                " auth = excluded.auth, lang = excluded.lang",
                (s.endpoint, s.viewer_id, s.p256dh, s.auth, s.lang, self._clock()),
            )

    async def delete(self, endpoint: str, viewer_id: str | None = None) -> bool:
        """Forget a subscription (only the viewer's own when `viewer_id` is given)."""
        async with self._db.transaction() as conn:
            if viewer_id is None:
                changed = await conn.execute(
                    "DELETE FROM push_subscriptions WHERE endpoint = ?", (endpoint,)
                )
            else:
                changed = await conn.execute(
                    "DELETE FROM push_subscriptions WHERE endpoint = ? AND viewer_id = ?",
                    (endpoint, viewer_id),
                )
            return changed > 0

    async def of_viewers(self, viewer_ids: Sequence[str]) -> list[PushSubscription]:
        """Every device subscription of `viewer_ids`."""
        found: list[PushSubscription] = []
        for start in range(0, len(viewer_ids), CHUNK):
            chunk = viewer_ids[start : start + CHUNK]
            marks = ", ".join("?" * len(chunk))
            rows = await self._db.fetchall(
                "SELECT endpoint, viewer_id, p256dh, auth, lang FROM push_subscriptions"
                f" WHERE viewer_id IN ({marks})",
                tuple(chunk),
            )
            found += [PushSubscription(*(str(value) for value in row)) for row in rows]
        return found

    async def count(self, viewer_id: str) -> int:
        """How many devices of the viewer are subscribed."""
        count = await self._db.scalar(
            "SELECT COUNT(*) FROM push_subscriptions WHERE viewer_id = ?", (viewer_id,)
        )
        return int(count or 0)
