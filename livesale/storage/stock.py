"""Stock holds in Redis, across sellers: each seller's view, and the sweep over every seller.

All keys of one seller carry the seller's hash tag (see stock_keys.py), so each
script touches one Redis Cluster slot. `StockStore` is shared by the whole
process; `StockStore.seller(creator_id)` is the view that holds, commits and
reads one seller's stock (livesale/storage/seller_stock.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from redis.asyncio import Redis

from livesale.domain.stock import Hold, validate_id
from livesale.storage.seller_stock import (
    DEFAULT_RETENTION_SECONDS,
    SWEEP_BATCH,
    SellerStock,
    StockScripts,
    wall_clock_ms,
)
from livesale.storage.stock_keys import SELLERS_KEY

__all__ = ["SellerStock", "StockStore", "wall_clock_ms"]

# KEYS: the sellers registry. ARGV: creator id, the score it was swept at.
# Drops a seller swept clean unless a hold was registered for it since (which
# raised its score past the sweep's time).
_FORGET_SELLER_LUA = """
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score and tonumber(score) == tonumber(ARGV[2]) then redis.call('ZREM', KEYS[1], ARGV[1]) end
return 0
"""


class StockStore:
    """Holds, commits, releases and expiries of variant stock, atomically in Redis."""

    def __init__(
        self,
        redis: Redis,
        clock: Callable[[], int] = wall_clock_ms,
        *,
        retention_seconds: float = DEFAULT_RETENTION_SECONDS,
    ) -> None:
        self.redis = redis
        # Milliseconds; injectable so tests move time without sleeping.
        self.clock = clock
        self.retention_ms = int(retention_seconds * 1000)
        self.scripts = StockScripts(redis)
        self._forget_seller = redis.register_script(_FORGET_SELLER_LUA)

    def seller(self, creator_id: str) -> SellerStock:
        """The stock of one seller: every variant, hold and flash sale of theirs."""
        validate_id(creator_id, "creator_id")
        return SellerStock(self.redis, self.scripts, creator_id, self.clock, self.retention_ms)

    async def close_sale(self, creator_id: str, sale_id: str) -> None:
        """Stop a live flash sale: from now on its holds get the regular price."""
        await self.seller(creator_id).close_sale(sale_id)

    async def close_show(self, creator_id: str, show_id: str) -> None:
        """Mark the seller's show ended: from now on live holds for it are refused."""
        await self.seller(creator_id).close_show(show_id)

    async def sweep(self, now_ms: int | None = None, *, limit: int = SWEEP_BATCH) -> list[Hold]:
        """Expire the due holds of every seller with holds (up to `limit` each); returns them."""
        now = self.clock() if now_ms is None else now_ms
        expired: list[Hold] = []
        registered = await self.redis.zrange(SELLERS_KEY, 0, -1, withscores=True)
        for member, score in registered:
            creator_id = _text(member)
            holds, complete = await self.seller(creator_id).sweep_batch(now, limit)
            expired.extend(holds)
            if complete and score <= now:
                # Every hold registered so far was due and is swept: forget the seller
                # unless a new hold raised its score meanwhile.
                await self._forget_seller(keys=[SELLERS_KEY], args=[creator_id, score])
        return expired


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
