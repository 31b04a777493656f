"""Shops' shipping profiles in the record: one per creator."""

from __future__ import annotations

import time
from collections.abc import Callable

from livesale.domain.shipping import ShippingProfile
from livesale.storage.database import Database
from livesale.storage.sql import Executor, Row


def profile_from_row(row: Row) -> ShippingProfile:
    """A stored shipping profile."""
    countries = str(row["countries"])
    return ShippingProfile(
        currency=str(row["currency"]),
        flat_minor=int(row["flat_minor"]),
        per_item_minor=int(row["per_item_minor"]),
        free_above_minor=row["free_above_minor"],
        countries=tuple(countries.split(",")) if countries else (),
    )


async def load_profile(conn: Executor, creator_id: str) -> ShippingProfile | None:
    """The creator's shipping profile, or None (shipping is free, to anywhere)."""
    row = await conn.fetchone(
        "SELECT currency, flat_minor, per_item_minor, free_above_minor, countries"
        " FROM shipping_profiles WHERE creator_id = ?",
        (creator_id,),
    )
    return None if row is None else profile_from_row(row)


class ShippingRepository:
    """Reads and writes `shipping_profiles`."""

    def __init__(self, db: Database, clock: Callable[[], float] = time.time) -> None:
        self._db = db
        self._clock = clock

    async def get(self, creator_id: str) -> ShippingProfile | None:
        """The creator's profile, or None."""
        return await load_profile(self._db.reader, creator_id)

    async def put(self, creator_id: str, profile: ShippingProfile) -> ShippingProfile:
        """Set the creator's profile (replacing any earlier one)."""
        values = (
            profile.currency,
            profile.flat_minor,
            profile.per_item_minor,
            profile.free_above_minor,
            ",".join(profile.countries),
            self._clock(),
        )
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO shipping_profiles (creator_id, currency, flat_minor, per_item_minor,"
                " free_above_minor, countries, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (creator_id) DO UPDATE SET currency = excluded.currency,"
                " flat_minor = excluded.flat_minor, per_item_minor = excluded.per_item_minor,"
                " free_above_minor = excluded.free_above_minor, countries = excluded.countries,"
                " updated_at = excluded.updated_at",
                (creator_id, *values),
            )
        return profile

    async def delete(self, creator_id: str) -> None:
        """Remove the creator's profile: shipping is free, to anywhere."""
        async with self._db.transaction() as conn:
            await conn.execute("DELETE FROM shipping_profiles WHERE creator_id = ?", (creator_id,))
