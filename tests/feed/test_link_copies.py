"""A process keeps creators' link lists for the cache period: a new link shows up in profiles
once the period is over, and at once with no period."""

from __future__ import annotations

from livesale.storage.taste import Bought, TasteStore
from tests.support.polling import poll_until
from tests.support.redis_server import pooled_redis

DEADLINE = 10.0
NOW = 1_790_000_000.0


async def _co_buy(taste: TasteStore, viewer: str, creator: str) -> float:
    profile = await taste.profile(viewer)
    link = profile.co_buy.get(creator)
    return 0.0 if link is None else link.score


async def test_links_are_read_again_once_the_period_is_over(redis_url: str) -> None:
    redis = pooled_redis(redis_url)
    kept = TasteStore(redis, half_life_days=14, profile_ttl_days=90, links_cache_seconds=3.0)
    fresh = TasteStore(redis, half_life_days=14, profile_ttl_days=90)
    try:
        # Mia bought from Alice, so her profile reads Alice's co-buy links (none yet).
        await kept.bought(Bought("mia", "alice", "Tea", NOW))
        assert await _co_buy(kept, "mia", "bob") == 0.0
        # Leo buys from Alice and Bob: Alice's buyers are now linked to Bob.
        await kept.bought(Bought("leo", "alice", "Tea", NOW))
        await kept.bought(Bought("leo", "bob", "Cup", NOW))

        assert await _co_buy(fresh, "mia", "bob") > 0  # no copy: seen at once
        assert await _co_buy(kept, "mia", "bob") == 0.0  # this process's copy, still fresh

        async def seen() -> bool:
            return await _co_buy(kept, "mia", "bob") > 0

        await poll_until(seen, DEADLINE, "the kept copy of Alice's links to be read again")
    finally:
        await redis.aclose()
