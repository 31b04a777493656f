"""Redis keys and scripts of a show's room: events, presence, likes, chat limits, mutes.

Limits meant for a person count against the guest *and* its address (see
`livesale.domain.person`): a rate per address in each show's chat, mutes that
also hold the muted guest's address, and the address a guest was last seen
at, which a ban or a mute records.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from redis.asyncio import Redis

# One channel that every process subscribes to for room control messages
# (kicks after a ban); show events have a channel per show.
CONTROL_CHANNEL = "livesale:room:control"


def events_channel(show_id: str) -> str:
    """Pub/sub channel of a show's room events."""
    return f"livesale:show:{{{show_id}}}:events"


def show_of_channel(channel: str) -> str | None:
    """The show id of an events channel name, or None for any other channel."""
    prefix, suffix = "livesale:show:{", "}:events"
    if channel.startswith(prefix) and channel.endswith(suffix):
        return channel[len(prefix) : -len(suffix)]
    return None


def presence_key(show_id: str) -> str:
    """Hash: process id -> "count:expires_at_ms" of its local connections."""
    return f"livesale:show:{{{show_id}}}:presence"


def likes_key(show_id: str) -> str:
    """Counter of the show's likes."""
    return f"livesale:show:{{{show_id}}}:likes"


def slow_mode_key(show_id: str) -> str:
    """Seconds between two messages of one viewer; absent when slow mode is off."""
    return f"livesale:show:{{{show_id}}}:slow_mode"


def mute_key(show_id: str, viewer_id: str) -> str:
    """Exists (value: muted-until epoch ms) while the viewer is muted in the show."""
    return f"livesale:show:{{{show_id}}}:mute:{viewer_id}"


def mute_address_key(show_id: str, address: str) -> str:
    """Exists (value: muted-until epoch ms) while an address is muted in the show."""
    return f"livesale:show:{{{show_id}}}:mute-address:{address}"


def seen_address_key(viewer_id: str) -> str:
    """The address (a person key's address part) a guest last used the room from."""
    return f"livesale:viewer:{viewer_id}:address"


def audience_key_set(show_id: str, address: str) -> str:
    """Set of the audience keys an address has been counted as in a show's analytics."""
    return f"livesale:show:{{{show_id}}}:audience:{address}"


def _slow_key(show_id: str, viewer_id: str) -> str:
    return f"livesale:show:{{{show_id}}}:slow:{viewer_id}"


def _rate_key(show_id: str, author_id: str) -> str:
    # Per show, like every key of the admission script: one Redis Cluster slot.
    # Hopping to another show starts a new budget there; the creator's room is
    # the one a flood harms, and its own limit still holds.
    return f"livesale:show:{{{show_id}}}:chat-rate-author:{author_id}"


def _address_rate_key(show_id: str, address: str) -> str:
    # Per show: one noisy address does not silence a household in another show.
    return f"livesale:show:{{{show_id}}}:chat-rate:{address}"


# How long the room remembers a guest's address (for a later ban or mute), and
# the audience keys an address was counted as (the longest show worth counting).
SEEN_ADDRESS_SECONDS = 86_400
AUDIENCE_KEYS_SECONDS = 2 * 86_400


# Slow mode, then the sliding-window rate limits (the sender's, then its
# address's, both in this show), in one atomic step, and budgets are only spent
# when the message is accepted. Every key is the show's (one Cluster slot).
# KEYS: rate zset, per-viewer slow key, show slow-mode setting, address rate zset.
# ARGV: now ms, window ms, max messages, unique member, check slow (1/0), check rate (1/0),
#       address window ms, address max messages.
_ADMIT_LUA = """
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local slow = 0
if ARGV[5] == '1' then
  slow = tonumber(redis.call('GET', KEYS[3]) or '0') or 0
end
if slow > 0 then
  local ttl = redis.call('PTTL', KEYS[2])
  if ttl > 0 then return {'slow', ttl, ''} end
end
if ARGV[6] == '1' then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
  if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
    local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
    return {'rate', tonumber(oldest[2]) + window - now, 'sender'}
  end
  local address_window = tonumber(ARGV[7])
  redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now - address_window)
  if redis.call('ZCARD', KEYS[4]) >= tonumber(ARGV[8]) then
    local oldest = redis.call('ZRANGE', KEYS[4], 0, 0, 'WITHSCORES')
    return {'rate', tonumber(oldest[2]) + address_window - now, 'address'}
  end
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], window)
  redis.call('ZADD', KEYS[4], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[4], address_window)
end
if slow > 0 then
  redis.call('SET', KEYS[2], '1', 'PX', slow * 1000)
end
return {'ok', 0, ''}
"""

# An audience key joins the address's set while the set has room; past the cap
# the caller counts the connection as the address itself.
# KEYS: the show's audience-key set of the address. ARGV: key, cap, ttl ms.
_AUDIENCE_LUA = """
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return 1 end
if redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
"""


@dataclass(frozen=True)
class Admission:
    """The verdict of the chat limits: ok, "banned", "slow" or "rate", how long to wait, and why.

    `scope` is "sender" or "address" for a "rate" verdict, the banned guest whose ban
    holds the address for "banned", "" otherwise.
    """

    verdict: str
    retry_after_ms: int
    scope: str = ""


@dataclass(frozen=True)
class Mute:
    """A running mute: until when (epoch seconds), and whether it holds through the address
    only (the guest itself was not the one muted)."""

    until: float
    by_address: bool


class ChatLimits:
    """Slow mode, per-person rate limits and mutes, shared by every process through Redis."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._admit = redis.register_script(_ADMIT_LUA)
        self._audience = redis.register_script(_AUDIENCE_LUA)

    async def admit(
        self,
        show_id: str,
        author_id: str,
        address: str,
        now_ms: int,
        *,
        address_ban_key: str | None,
        window_ms: int,
        max_messages: int,
        address_window_ms: int,
        address_max_messages: int,
        slow_mode: bool,
        rate_limit: bool,
    ) -> Admission:
        """Spend one message of the author's and its address's budgets if every limit allows
        (and, given `address_ban_key`, no other guest's ban holds the address)."""
        if address_ban_key is not None:
            # The creator's bans are the creator's keys, not the show's: read before
            # the admission script. A ban lands between the two as if a moment later.
            banned = sorted(_text(v) for v in await self._redis.smembers(address_ban_key))  # type: ignore[misc]
            if banned and author_id not in banned:
                return Admission("banned", 0, banned[0])
        reply = await self._admit(
            keys=[
                _rate_key(show_id, author_id),
                _slow_key(show_id, author_id),
                slow_mode_key(show_id),
                _address_rate_key(show_id, address),
            ],
            args=[
                now_ms,
                window_ms,
                max_messages,
                f"{now_ms}:{secrets.token_hex(4)}",
                int(slow_mode),
                int(rate_limit),
                address_window_ms,
                address_max_messages,
            ],
        )
        verdict, wait, scope = reply
        if verdict == "ok":
            return Admission("ok", 0)
        if verdict == "banned":
            return Admission("banned", 0, str(scope))
        return Admission(str(verdict), max(1, int(wait)), str(scope))

    async def slow_mode_seconds(self, show_id: str) -> int:
        """The show's slow mode in seconds (0 = off)."""
        value = await self._redis.get(slow_mode_key(show_id))
        return int(value) if value else 0

    async def set_slow_mode(self, show_id: str, seconds: int) -> None:
        """Set the show's slow mode (0 turns it off)."""
        if seconds > 0:
            await self._redis.set(slow_mode_key(show_id), seconds)
        else:
            await self._redis.delete(slow_mode_key(show_id))

    async def mute(
        self, show_id: str, viewer_id: str, address: str | None, until_ms: int, seconds: int
    ) -> None:
        """Mute a viewer (and the address it was last seen at) in a show for `seconds`."""
        pipe = self._redis.pipeline(transaction=True)
        pipe.set(mute_key(show_id, viewer_id), until_ms, ex=seconds)
        if address is not None:
            pipe.set(mute_address_key(show_id, address), until_ms, ex=seconds)
        await pipe.execute()

    async def mute_of(
        self, show_id: str, viewer_id: str, address: str | None = None
    ) -> Mute | None:
        """The viewer's mute in the show (its own, or its address's), or None."""
        names = [mute_key(show_id, viewer_id)]
        if address is not None:
            names.append(mute_address_key(show_id, address))
        values = await self._redis.mget(names)
        # Stored in ms (as since the first release): keys of running mutes stay valid.
        own = int(values[0]) / 1000 if values[0] else None
        by_address = int(values[1]) / 1000 if len(values) > 1 and values[1] else None
        if own is None and by_address is None:
            return None
        if own is None:
            return Mute(by_address or 0.0, by_address=True)
        return Mute(max(own, by_address or 0.0), by_address=False)

    async def remember_address(self, viewer_id: str, address: str) -> None:
        """Note where a guest uses the room from, so a ban or mute can hold that address."""
        await self._redis.set(seen_address_key(viewer_id), address, ex=SEEN_ADDRESS_SECONDS)

    async def last_address(self, viewer_id: str) -> str | None:
        """The address a guest was last seen at in a room (within a day), or None."""
        value = await self._redis.get(seen_address_key(viewer_id))
        return None if value is None else str(value)

    async def counted_audience(self, show_id: str, address: str, key: str, cap: int) -> bool:
        """Whether `key` is (or now becomes) one of the at most `cap` audience keys the
        address counts as in the show's analytics."""
        reply = await self._audience(
            keys=[audience_key_set(show_id, address)],
            args=[key, cap, AUDIENCE_KEYS_SECONDS * 1000],
        )
        return bool(int(reply))


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
