"""Redis keys and scripts of a show's room: events, presence, likes, chat limits, mutes."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from redis.asyncio import Redis

# One channel that every process subscribes to for room control messages
# (kicks after a ban); show events have a channel per show.
CONTROL_CHANNEL = "livesale:room:control"


def events_channel(show_id: str) -> str:
    """Pub/sub channel of a show's room events."""
    return f"livesale:show:{show_id}:events"


def show_of_channel(channel: str) -> str | None:
    """The show id of an events channel name, or None for any other channel."""
    prefix, suffix = "livesale:show:", ":events"
    if channel.startswith(prefix) and channel.endswith(suffix):
        return channel[len(prefix) : -len(suffix)]
    return None


def presence_key(show_id: str) -> str:
    """Hash: process id -> "count:expires_at_ms" of its local connections."""
    return f"livesale:show:{show_id}:presence"


def likes_key(show_id: str) -> str:
    """Counter of the show's likes."""
    return f"livesale:show:{show_id}:likes"


def slow_mode_key(show_id: str) -> str:
    """Seconds between two messages of one viewer; absent when slow mode is off."""
    return f"livesale:show:{show_id}:slow_mode"


def mute_key(show_id: str, viewer_id: str) -> str:
    """Exists (value: muted-until epoch ms) while the viewer is muted in the show."""
    return f"livesale:show:{show_id}:mute:{viewer_id}"


def _slow_key(show_id: str, viewer_id: str) -> str:
    return f"livesale:show:{show_id}:slow:{viewer_id}"


def _rate_key(author_id: str) -> str:
    # Per person, not per show: hopping between shows does not reset the limit.
    return f"livesale:chat:rate:{author_id}"


# Slow mode then the sliding-window rate limit, in one atomic step, and the
# budget is only spent when the message is accepted.
# KEYS: rate zset, per-viewer slow key, show slow-mode setting.
# ARGV: now ms, window ms, max messages, unique member, check slow (1/0), check rate (1/0).
_ADMIT_LUA = """
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local slow = 0
if ARGV[5] == '1' then
  slow = tonumber(redis.call('GET', KEYS[3]) or '0') or 0
end
if slow > 0 then
  local ttl = redis.call('PTTL', KEYS[2])
  if ttl > 0 then return {'slow', ttl} end
end
if ARGV[6] == '1' then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
  if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
    local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
    return {'rate', tonumber(oldest[2]) + window - now}
  end
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], window)
end
if slow > 0 then
  redis.call('SET', KEYS[2], '1', 'PX', slow * 1000)
end
return {'ok', 0}
"""


@dataclass(frozen=True)
class Admission:
    """The verdict of the chat limits: ok, "slow" or "rate", and how long to wait."""

    verdict: str
    retry_after_ms: int


class ChatLimits:
    """Slow mode, per-person rate limits and mutes, shared by every process through Redis."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._admit = redis.register_script(_ADMIT_LUA)

    async def admit(
        self,
        show_id: str,
        author_id: str,
        now_ms: int,
        *,
        window_ms: int,
        max_messages: int,
        slow_mode: bool,
        rate_limit: bool,
    ) -> Admission:
        """Spend one message of the author's budget if slow mode and the rate limit allow it."""
        reply = await self._admit(
            keys=[_rate_key(author_id), _slow_key(show_id, author_id), slow_mode_key(show_id)],
            args=[
                now_ms,
                window_ms,
                max_messages,
                f"{now_ms}:{secrets.token_hex(4)}",
                int(slow_mode),
                int(rate_limit),
            ],
        )
        verdict, wait = reply
        return Admission(str(verdict), max(1, int(wait)) if verdict != "ok" else 0)

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

    async def mute(self, show_id: str, viewer_id: str, until_ms: int, seconds: int) -> None:
        """Mute a viewer in a show for `seconds`; the key expires by itself."""
        await self._redis.set(mute_key(show_id, viewer_id), until_ms, ex=seconds)

    async def muted_until(self, show_id: str, viewer_id: str) -> float | None:
        """Epoch seconds until which the viewer is muted in the show, or None."""
        value = await self._redis.get(mute_key(show_id, viewer_id))
        # Stored in ms (as since the first release): keys of running mutes stay valid.
        return int(value) / 1000 if value else None
