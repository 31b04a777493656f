"""The address part of a creator's bans, in Redis: a ban follows the person to a new cookie.

A ban itself (SQLite, `bans`) is on the guest identity and lasts until lifted.
The address the banned guest was last seen at (IPv6 cut to its /64) is held
too, for `chat.address_ban_seconds` only: addresses change hands (a phone's
carrier, a café), so an address ban must not outlive the show by long. Any
other guest refused because of it is remembered per ban, so the creator sees
how many were caught (a household or an office may share the address).
"""

from __future__ import annotations

from redis.asyncio import Redis


def banned_at_key(creator_id: str, address: str) -> str:
    """Set of the guests whose ban holds the address (two may share it); the chat's
    admission script reads it with the rate limits, in one call."""
    return f"livesale:creator:{{{creator_id}}}:ban-address:{address}"


def _addresses_of(creator_id: str, viewer_id: str) -> str:
    # Set of the addresses a ban holds, so lifting it lifts them all.
    return f"livesale:creator:{{{creator_id}}}:ban-addresses:{viewer_id}"


def _caught_by(creator_id: str, viewer_id: str) -> str:
    # Set of the other guests this ban refused through its address.
    return f"livesale:creator:{{{creator_id}}}:ban-caught:{viewer_id}"


class AddressBans:
    """Addresses held by a creator's bans, and the guests they caught."""

    def __init__(self, redis: Redis, hold_seconds: int) -> None:
        self._redis = redis
        self._hold_seconds = hold_seconds

    async def hold(self, creator_id: str, viewer_id: str, address: str) -> None:
        """Hold `address` under the creator's ban of `viewer_id` for the hold time."""
        pipe = self._redis.pipeline(transaction=True)
        pipe.sadd(banned_at_key(creator_id, address), viewer_id)
        pipe.expire(banned_at_key(creator_id, address), self._hold_seconds)
        pipe.sadd(_addresses_of(creator_id, viewer_id), address)
        pipe.expire(_addresses_of(creator_id, viewer_id), self._hold_seconds)
        await pipe.execute()

    async def record_catch(self, creator_id: str, banned_viewer_id: str, viewer_id: str) -> None:
        """Note that the ban of `banned_viewer_id` refused `viewer_id` through its address."""
        key = _caught_by(creator_id, banned_viewer_id)
        pipe = self._redis.pipeline(transaction=False)
        pipe.sadd(key, viewer_id)
        pipe.expire(key, self._hold_seconds)
        await pipe.execute()

    async def caught(self, creator_id: str, viewer_ids: list[str]) -> dict[str, int]:
        """How many other guests each of these bans caught through its address."""
        if not viewer_ids:
            return {}
        pipe = self._redis.pipeline(transaction=False)
        for viewer_id in viewer_ids:
            pipe.scard(_caught_by(creator_id, viewer_id))
        counts = await pipe.execute()
        return {v: int(n) for v, n in zip(viewer_ids, counts, strict=True)}

    async def addresses_held(self, creator_id: str, viewer_ids: list[str]) -> dict[str, int]:
        """How many addresses each of these bans holds now."""
        if not viewer_ids:
            return {}
        pipe = self._redis.pipeline(transaction=False)
        for viewer_id in viewer_ids:
            pipe.scard(_addresses_of(creator_id, viewer_id))
        counts = await pipe.execute()
        return {v: int(n) for v, n in zip(viewer_ids, counts, strict=True)}

    async def lift(self, creator_id: str, viewer_id: str) -> None:
        """Release every address the ban of `viewer_id` holds, and forget whom it caught."""
        addresses = await self._redis.smembers(  # type: ignore[misc]
            _addresses_of(creator_id, viewer_id)
        )
        pipe = self._redis.pipeline(transaction=True)
        for address in addresses:
            pipe.srem(banned_at_key(creator_id, str(address)), viewer_id)
        pipe.delete(_addresses_of(creator_id, viewer_id), _caught_by(creator_id, viewer_id))
        await pipe.execute()
