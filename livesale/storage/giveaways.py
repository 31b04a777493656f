"""Giveaways: the record in SQL, and the entries in Redis while they are open.

Every Redis key of one giveaway carries its creator's hash tag
(`livesale:creator:{<creator_id>}:giveaway:<id>...`), so one script can touch
them all on Redis Cluster.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from redis.asyncio import Redis

from livesale.domain.giveaways import Entry, Giveaway, GiveawayState
from livesale.storage.database import Database
from livesale.storage.sql import Row
from livesale.storage.stock import wall_clock_ms

# KEYS: giveaway, entrants (viewer -> entry id), entries (entry id -> name), addresses
# (address -> entries). ARGV: viewer id, address, display name, per-address cap, now ms.
# One step: a viewer gets one entry however many tabs enter at once, and an
# entry is taken only while the giveaway is open.
_ENTER_LUA = """
local meta = redis.call('HMGET', KEYS[1], 'ends_ms', 'closed')
if not meta[1] then return {'missing'} end
local known = redis.call('HGET', KEYS[2], ARGV[1])
if known then return {'replay', known, redis.call('HLEN', KEYS[3])} end
if meta[2] == '1' or tonumber(ARGV[5]) >= tonumber(meta[1]) then return {'closed'} end
local used = tonumber(redis.call('HGET', KEYS[4], ARGV[2]) or '0')
if used >= tonumber(ARGV[4]) then return {'address', tostring(used)} end
-- Six-digit ids sort as text in arrival order: the giveaway closes at 999999.
if tonumber(redis.call('HGET', KEYS[1], 'seq') or '0') >= 999999 then return {'closed'} end
local id = string.format('%06d', redis.call('HINCRBY', KEYS[1], 'seq', 1))
redis.call('HSET', KEYS[2], ARGV[1], id)
redis.call('HSET', KEYS[3], id, ARGV[3])
redis.call('HINCRBY', KEYS[4], ARGV[2], 1)
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 then
  for i = 2, 4 do redis.call('PEXPIRE', KEYS[i], ttl) end
end
return {'entered', id, redis.call('HLEN', KEYS[3])}
"""

# KEYS: giveaway, entries, entrants. Closes the entries for good and returns them
# (entry id, name, ...) and the entrants (viewer id, entry id, ...): a second call
# returns the same lists.
_CLOSE_LUA = """
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
redis.call('HSET', KEYS[1], 'closed', '1')
return {redis.call('HGETALL', KEYS[2]), redis.call('HGETALL', KEYS[3])}
"""


def giveaway_key(creator_id: str, giveaway_id: str) -> str:
    """Hash: ends_ms, closed, seq (the last entry number)."""
    return f"livesale:creator:{{{creator_id}}}:giveaway:{giveaway_id}"


def giveaway_keys(creator_id: str, giveaway_id: str) -> tuple[str, str, str, str]:
    """The giveaway's hash, its entrants, its entries and its addresses (one hash tag)."""
    base = giveaway_key(creator_id, giveaway_id)
    return base, base + ":entrants", base + ":entries", base + ":addresses"


@dataclass(frozen=True, slots=True)
class EntryOutcome:
    """An entry taken (or found again: `new` False) and how many entries there are now."""

    entry_id: str
    count: int
    new: bool


@dataclass(frozen=True, slots=True)
class EntryRefusal:
    """Why an entry was not taken: `closed`, `address` (with the entries used) or `missing`."""

    reason: str
    used: int = 0


@dataclass(frozen=True, slots=True)
class ClosedEntries:
    """Every entry of a closed giveaway, and which viewer made which."""

    entries: tuple[Entry, ...]
    viewer_of: dict[str, str]  # entry id -> viewer id


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _pairs(flat: list[Any]) -> list[tuple[str, str]]:
    return [(_text(flat[i]), _text(flat[i + 1])) for i in range(0, len(flat), 2)]


class GiveawayEntries:
    """The entries of open giveaways, atomically in Redis."""

    def __init__(self, redis: Redis, clock: Callable[[], int] = wall_clock_ms) -> None:
        self._redis = redis
        self._clock = clock  # ms; injectable so tests move time without sleeping
        self._enter = redis.register_script(_ENTER_LUA)
        self._close = redis.register_script(_CLOSE_LUA)

    async def open(self, giveaway: Giveaway) -> None:
        """Start taking entries until the giveaway's end; the keys outlive its claim window."""
        base = giveaway_key(giveaway.creator_id, giveaway.id)
        ttl = max(1, int(giveaway.claim_by - giveaway.started_at) + 86_400)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(base, mapping={"ends_ms": int(giveaway.ends_at * 1000), "seq": 0})
            pipe.expire(base, ttl)
            await pipe.execute()

    async def enter(
        self, giveaway: Giveaway, viewer_id: str, address: str, name: str, per_address: int
    ) -> EntryOutcome | EntryRefusal:
        """Enter a viewer once; a second call gets the first entry back."""
        keys = giveaway_keys(giveaway.creator_id, giveaway.id)
        reply = await self._enter(
            keys=list(keys), args=[viewer_id, address, name, per_address, self._clock()]
        )
        status = _text(reply[0])
        if status in ("entered", "replay"):
            return EntryOutcome(_text(reply[1]), int(reply[2]), new=status == "entered")
        return EntryRefusal(status, int(_text(reply[1])) if len(reply) > 1 else 0)

    async def count(self, giveaway: Giveaway) -> int:
        """How many entries the giveaway has."""
        keys = giveaway_keys(giveaway.creator_id, giveaway.id)
        return int(await self._redis.hlen(keys[2]))  # type: ignore[misc]

    async def entry_of(self, giveaway: Giveaway, viewer_id: str) -> str | None:
        """The viewer's entry id, or None."""
        keys = giveaway_keys(giveaway.creator_id, giveaway.id)
        value = await self._redis.hget(keys[1], viewer_id)  # type: ignore[misc]
        return None if value is None else _text(value)

    async def close(self, giveaway: Giveaway) -> ClosedEntries:
        """Close the entries for good and read them all."""
        base, entrants, entries, _addresses = giveaway_keys(giveaway.creator_id, giveaway.id)
        reply = await self._close(keys=[base, entries, entrants], args=[])
        if not reply:
            return ClosedEntries((), {})
        named = sorted(_pairs(reply[0]))
        viewer_of = {entry: viewer for viewer, entry in _pairs(reply[1])}
        return ClosedEntries(tuple(Entry(i, name) for i, name in named), viewer_of)


_COLUMNS = (
    "id, show_id, creator_id, product_id, variant_id, title, variant_name, rules,"
    " duration_seconds, offset_ms, started_at, ends_at, claim_by, seed, seed_hash, state,"
    " hold_id, entries_json, winner_entry_id, winner_viewer_id, winner_name, drawn_at, order_id"
)


class GiveawayRecord:
    """The only code that touches `giveaways`."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(self, giveaway: Giveaway) -> None:
        """Store a new, open giveaway."""
        g = giveaway
        async with self._db.transaction() as conn:
            await conn.execute(
                f"INSERT INTO giveaways ({_COLUMNS}) VALUES"
                " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    g.id,
                    g.show_id,
                    g.creator_id,
                    g.product_id,
                    g.variant_id,
                    g.title,
                    g.variant_name,
                    g.rules,
                    g.duration_seconds,
                    g.offset_ms,
                    g.started_at,
                    g.ends_at,
                    g.claim_by,
                    g.seed,
                    g.seed_hash,
                    g.state.value,
                    g.hold_id,
                    None,
                    None,
                    None,
                    None,
                    None,
                    None,
                ),
            )

    async def get(self, giveaway_id: str) -> Giveaway | None:
        """The giveaway, or None."""
        row = await self._db.fetchone(
            f"SELECT {_COLUMNS} FROM giveaways WHERE id = ?", (giveaway_id,)
        )
        return None if row is None else _giveaway(row)

    async def of_show(self, show_id: str) -> list[Giveaway]:
        """Every giveaway of the show, oldest first."""
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM giveaways WHERE show_id = ? ORDER BY started_at, id",
            (show_id,),
        )
        return [_giveaway(row) for row in rows]

    async def draw(self, drawn: Giveaway) -> bool:
        """Record the draw of an open giveaway; False if another draw came first."""
        async with self._db.transaction() as conn:
            changed = await conn.execute(
                "UPDATE giveaways SET state = ?, entries_json = ?, winner_entry_id = ?,"
                " winner_viewer_id = ?, winner_name = ?, drawn_at = ? WHERE id = ? AND state = ?",
                (
                    GiveawayState.DRAWN.value,
                    json.dumps([[e.id, e.name] for e in drawn.entries]),
                    drawn.winner_entry_id,
                    drawn.winner_viewer_id,
                    drawn.winner_name,
                    drawn.drawn_at,
                    drawn.id,
                    GiveawayState.OPEN.value,
                ),
            )
        return changed == 1

    async def claim(self, giveaway: Giveaway, order_id: str) -> Giveaway:
        """Mark the prize claimed by the order (once: a second claim keeps the first order)."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE giveaways SET state = ?, order_id = ? WHERE id = ? AND state = ?",
                (GiveawayState.CLAIMED.value, order_id, giveaway.id, GiveawayState.DRAWN.value),
            )
        stored = await self.get(giveaway.id)
        assert stored is not None
        return stored


def _giveaway(row: Row) -> Giveaway:
    entries: tuple[Entry, ...] = ()
    if row["entries_json"]:
        entries = tuple(Entry(str(i), str(n)) for i, n in json.loads(row["entries_json"]))
    giveaway = Giveaway(
        id=str(row["id"]),
        show_id=str(row["show_id"]),
        creator_id=str(row["creator_id"]),
        product_id=str(row["product_id"]),
        variant_id=str(row["variant_id"]),
        title=str(row["title"]),
        variant_name=str(row["variant_name"]),
        rules=str(row["rules"]),
        duration_seconds=int(row["duration_seconds"]),
        offset_ms=int(row["offset_ms"]),
        started_at=float(row["started_at"]),
        ends_at=float(row["ends_at"]),
        claim_by=float(row["claim_by"]),
        seed=str(row["seed"]),
        seed_hash=str(row["seed_hash"]),
        state=GiveawayState(row["state"]),
        hold_id=str(row["hold_id"]),
        entries=entries,
    )
    return replace(
        giveaway,
        winner_entry_id=row["winner_entry_id"],
        winner_viewer_id=row["winner_viewer_id"],
        winner_name=row["winner_name"],
        drawn_at=None if row["drawn_at"] is None else float(row["drawn_at"]),
        order_id=row["order_id"],
    )
