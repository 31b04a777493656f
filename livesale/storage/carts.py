"""Carts and checkouts in Redis: a viewer's cart per show, and stock held for a purchase."""

from __future__ import annotations

import json

from redis.asyncio import Redis

from livesale.domain.checkout import Checkout
from livesale.storage.checkout_record import checkout_from_record, checkout_record
from livesale.storage.redis_client import write_replicated

_PREFIX = "livesale:shop:"
CART_PREFIX = _PREFIX + "cart:"
CHECKOUT_PREFIX = _PREFIX + "checkout:"

# KEYS: cart. ARGV: variant, quantity, max lines, ttl ms.
# Counting lines and adding one is a single step, so two tabs adding at once
# cannot push a cart past its limit.
_SET_LINE_LUA = """
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0
   and redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then
  return 0
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
"""


def cart_key(viewer_id: str, show_id: str) -> str:
    """Hash: variant id -> quantity."""
    return f"{CART_PREFIX}{viewer_id}:{show_id}"


def checkout_key(checkout_id: str) -> str:
    """JSON of one checkout."""
    return CHECKOUT_PREFIX + checkout_id


class CartStore:
    """A viewer's cart for one show; it expires `ttl_seconds` after its last change."""

    def __init__(self, redis: Redis, ttl_seconds: int, max_lines: int) -> None:
        self._redis = redis
        self._ttl_ms = ttl_seconds * 1000
        self._max_lines = max_lines
        self._set_line = redis.register_script(_SET_LINE_LUA)

    async def lines(self, viewer_id: str, show_id: str) -> dict[str, int]:
        """Variant id -> quantity."""
        raw = await self._redis.hgetall(cart_key(viewer_id, show_id))  # type: ignore[misc]
        return {_text(k): int(v) for k, v in raw.items()}

    async def set_line(self, viewer_id: str, show_id: str, variant_id: str, quantity: int) -> bool:
        """Set a line's quantity; False when the cart is full and this is a new line."""
        added = await self._set_line(
            keys=[cart_key(viewer_id, show_id)],
            args=[variant_id, quantity, self._max_lines, self._ttl_ms],
        )
        return bool(added)

    async def remove_line(self, viewer_id: str, show_id: str, variant_id: str) -> None:
        """Drop a line (absent is fine)."""
        key = cart_key(viewer_id, show_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hdel(key, variant_id)
            pipe.pexpire(key, self._ttl_ms)
            await pipe.execute()

    async def remove_lines(self, viewer_id: str, show_id: str, variant_ids: list[str]) -> None:
        """Drop the lines that were bought."""
        if variant_ids:
            await self._redis.hdel(cart_key(viewer_id, show_id), *variant_ids)  # type: ignore[misc]

    async def expires_in(self, viewer_id: str, show_id: str) -> float | None:
        """Seconds until the cart expires (None if it is empty)."""
        ms = await self._redis.pttl(cart_key(viewer_id, show_id))
        return None if ms < 0 else ms / 1000


class CheckoutStore:
    """Checkouts, kept a while after their hold ends so a late retry still finds them."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def add(self, checkout: Checkout, ttl_seconds: int) -> Checkout:
        """Store a new checkout; if one with its id exists, that one wins and is returned."""
        # Replicated like the holds it names: a buyer told "held" must find it after a failover.
        stored = await write_replicated(
            self._redis,
            *("SET", checkout_key(checkout.id), json.dumps(checkout_record(checkout))),
            *("NX", "EX", ttl_seconds),
        )
        if stored:
            return checkout
        existing = await self.get(checkout.id)
        return existing if existing is not None else checkout

    async def get(self, checkout_id: str) -> Checkout | None:
        """The checkout, or None."""
        raw = await self._redis.get(checkout_key(checkout_id))
        return None if raw is None else checkout_from_record(json.loads(raw))

    async def save(self, checkout: Checkout) -> None:
        """Overwrite a checkout, keeping its time to live."""
        await write_replicated(
            self._redis,
            "SET",
            checkout_key(checkout.id),
            json.dumps(checkout_record(checkout)),
            "KEEPTTL",
        )

    async def delete(self, checkout_id: str) -> None:
        """Forget a checkout."""
        await self._redis.delete(checkout_key(checkout_id))


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
