"""Viewers' taste profiles and creator-to-creator links in Redis, updated event by event.

Every watch, Buy-now tap, hold or purchase adds to the viewer's scores at once
(no nightly batch).
Scores use forward decay: an event at time t adds `weight * 2**((t - EPOCH) /
half_life)`, so older events count less without ever being rewritten, and
only the ratios matter (the ranking scales each profile to its largest score).
A viewer's keys expire `profile_ttl_days` after their last event.

Keys (Redis Cluster: a viewer's keys share their hash tag, a creator's theirs):
  livesale:viewer:{<viewer>}:creators    zset creator -> affinity
  livesale:viewer:{<viewer>}:categories  zset category -> affinity
  livesale:viewer:{<viewer>}:seen        zset show -> when watched (the latest SEEN_KEPT)
  livesale:viewer:{<viewer>}:via_show    hash creator -> title of a show watched there
  livesale:viewer:{<viewer>}:bought      zset creator -> purchases
  livesale:viewer:{<viewer>}:via_product hash creator -> title of a product bought there
  livesale:creator:{<creator>}:co_watch  zset creator -> viewers who watched both
  livesale:creator:{<creator>}:co_buy    zset creator -> viewers who bought from both
  livesale:feed:popular:<day>            zset creator -> that day's audience and sales
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis

from livesale.domain.feed import Link, Profile

# 2026-01-01 UTC: forward decay's origin (any fixed moment works; it only keeps exponents small).
EPOCH = 1_767_225_600.0
DAY = 86_400.0
SEEN_KEPT = 200
# Links are made with this many of the viewer's strongest creators, and read for as many.
LINKED_CREATORS = 20
# The longest a link list or profile list grows; the weakest entries go first.
LIST_KEPT = 500
# A watch counts more the longer it lasted, up to this many times a glimpse.
MAX_WATCH_FACTOR = 4.0
WATCH_UNIT_SECONDS = 300.0
BUY_WEIGHT = 3.0
# Interest short of a purchase: a Buy-now tap says less than a hold, a hold less than paying.
TAP_WEIGHT = 0.5
HOLD_WEIGHT = 1.5
# The most creator link lists a process keeps copies of.
LINKS_KEPT = 20_000
POPULAR_DAYS = 2  # today's and yesterday's counts, yesterday's at half weight


@dataclass(frozen=True, slots=True)
class Watched:
    """A viewer watched a show for `seconds`, ending at `at`."""

    viewer_id: str
    show_id: str
    creator_id: str
    title: str
    seconds: float
    at: float
    categories: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Bought:
    """A viewer's paid order from a creator, and its first product's title."""

    viewer_id: str
    creator_id: str
    product_title: str
    at: float
    categories: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Interested:
    """A viewer tapped Buy now on (or held) a creator's product, weighing `weight`, at `at`."""

    viewer_id: str
    creator_id: str
    weight: float
    at: float
    categories: tuple[str, ...] = ()


def _viewer(viewer_id: str, what: str) -> str:
    return f"livesale:viewer:{{{viewer_id}}}:{what}"


def _creator(creator_id: str, what: str) -> str:
    return f"livesale:creator:{{{creator_id}}}:{what}"


def _popular(at: float) -> str:
    return f"livesale:feed:popular:{int(at // DAY)}"


class TasteStore:
    """Reads and updates taste profiles, creator links and popularity."""

    def __init__(
        self,
        redis: Redis,
        *,
        half_life_days: float,
        profile_ttl_days: float,
        links_cache_seconds: float = 0.0,
    ) -> None:
        self._redis = redis
        self._half_life = half_life_days * DAY
        self._ttl = max(1, round(profile_ttl_days * DAY))
        # A creator's links change slowly and many viewers' profiles read the same few:
        # kept this long per process, so most feed requests make one Redis round trip.
        self._links_ttl = links_cache_seconds
        self._links: dict[tuple[str, str], tuple[float, list[Any]]] = {}

    def _decayed(self, weight: float, at: float) -> float:
        return weight * math.pow(2.0, (at - EPOCH) / self._half_life)

    async def watched(self, event: Watched) -> None:
        """Add a watch to the viewer's profile, the creators' co-watch links and popularity."""
        factor = min(MAX_WATCH_FACTOR, 1.0 + max(0.0, event.seconds) / WATCH_UNIT_SECONDS)
        await self._add(
            event.viewer_id,
            event.creator_id,
            self._decayed(factor, event.at),
            event.categories,
            links="co_watch",
            via=("via_show", event.title),
            at=event.at,
            seen=event.show_id,
        )

    async def bought(self, event: Bought) -> None:
        """Add a purchase to the viewer's profile, the creators' co-buy links and popularity."""
        await self._add(
            event.viewer_id,
            event.creator_id,
            self._decayed(BUY_WEIGHT, event.at),
            event.categories,
            links="co_buy",
            via=("via_product", event.product_title),
            at=event.at,
            seen=None,
        )

    async def interested(self, event: Interested) -> None:
        """Add a tap or hold to the viewer's creator and category scores (no links, no
        popularity: those count only what was watched or paid for)."""
        weight = self._decayed(event.weight, event.at)
        pipe = self._redis.pipeline(transaction=False)
        touched = [_viewer(event.viewer_id, "creators")]
        pipe.zincrby(touched[0], weight, event.creator_id)
        for category in event.categories:
            pipe.zincrby(_viewer(event.viewer_id, "categories"), weight, category)
        if event.categories:
            touched.append(_viewer(event.viewer_id, "categories"))
        for key in touched:
            pipe.expire(key, self._ttl)
        await pipe.execute()

    async def _add(
        self,
        viewer_id: str,
        creator_id: str,
        weight: float,
        categories: Sequence[str],
        *,
        links: str,
        via: tuple[str, str],
        at: float,
        seen: str | None,
    ) -> None:
        history = _viewer(viewer_id, "creators" if links == "co_watch" else "bought")
        # The creators this viewer already had: each gets a link to this one, once per viewer.
        known = await self._redis.zrevrange(history, 0, LINKED_CREATORS - 1)
        names = [_text(name) for name in known]
        new_here = await self._redis.zscore(history, creator_id) is None
        pipe = self._redis.pipeline(transaction=False)
        if new_here:
            for other in names:
                if other != creator_id:
                    pipe.zincrby(_creator(other, links), 1, creator_id)
                    pipe.zincrby(_creator(creator_id, links), 1, other)
                    for key in (_creator(other, links), _creator(creator_id, links)):
                        pipe.zremrangebyrank(key, 0, -LIST_KEPT - 1)
                        pipe.expire(key, self._ttl)
        touched = [_viewer(viewer_id, "creators"), _viewer(viewer_id, via[0])]
        pipe.zincrby(_viewer(viewer_id, "creators"), weight, creator_id)
        if links == "co_buy":
            pipe.zincrby(history, 1, creator_id)
            touched.append(history)
        pipe.hset(_viewer(viewer_id, via[0]), creator_id, via[1])
        if categories:
            key = _viewer(viewer_id, "categories")
            for category in categories:
                pipe.zincrby(key, weight, category)
            touched.append(key)
        if seen is not None:
            key = _viewer(viewer_id, "seen")
            pipe.zadd(key, {seen: at})
            pipe.zremrangebyrank(key, 0, -SEEN_KEPT - 1)
            touched.append(key)
        for key in touched:
            pipe.expire(key, self._ttl)
        popular = _popular(at)
        pipe.zincrby(popular, BUY_WEIGHT if links == "co_buy" else 1.0, creator_id)
        pipe.expire(popular, round(DAY * (POPULAR_DAYS + 1)))
        await pipe.execute()

    async def profile(self, viewer_id: str, follows: Sequence[str] = ()) -> Profile:
        """The viewer's profile as the ranking reads it (empty for someone new)."""
        pipe = self._redis.pipeline(transaction=False)
        pipe.zrevrange(_viewer(viewer_id, "creators"), 0, LIST_KEPT - 1, withscores=True)
        pipe.zrevrange(_viewer(viewer_id, "categories"), 0, LIST_KEPT - 1, withscores=True)
        pipe.zrange(_viewer(viewer_id, "seen"), 0, -1)
        pipe.hgetall(_viewer(viewer_id, "via_show"))
        pipe.zrevrange(_viewer(viewer_id, "bought"), 0, LINKED_CREATORS - 1)
        pipe.hgetall(_viewer(viewer_id, "via_product"))
        (
            creators_raw,
            categories_raw,
            seen_raw,
            via_show,
            bought_raw,
            via_product,
        ) = await pipe.execute()
        creators = {_text(name): float(score) for name, score in creators_raw}
        watched_most = list(creators)[:LINKED_CREATORS]
        bought = [_text(name) for name in bought_raw]
        wanted = [(creator, "co_watch") for creator in watched_most]
        wanted += [(creator, "co_buy") for creator in bought]
        linked = await self._linked(wanted)
        co_watch = _links(watched_most, linked[: len(watched_most)], creators, _texts(via_show))
        co_buy = _links(
            bought, linked[len(watched_most) :], dict.fromkeys(bought, 1.0), _texts(via_product)
        )
        return Profile(
            follows=frozenset(follows),
            creators=creators,
            categories={_text(name): float(score) for name, score in categories_raw},
            co_watch=co_watch,
            co_buy=co_buy,
            seen=frozenset(_text(show) for show in seen_raw),
        )

    async def _linked(self, wanted: Sequence[tuple[str, str]]) -> list[Any]:
        """Each (creator, kind)'s strongest links, from this process's copy while it is fresh."""
        now = time.monotonic()
        found: dict[tuple[str, str], list[Any]] = {}
        missing = []
        for key in wanted:
            kept = self._links.get(key)
            if kept is not None and kept[0] > now:
                found[key] = kept[1]
            else:
                missing.append(key)
        if missing:
            pipe = self._redis.pipeline(transaction=False)
            for creator, kind in missing:
                pipe.zrevrange(_creator(creator, kind), 0, LINKED_CREATORS - 1, withscores=True)
            rows = await pipe.execute()
            if self._links_ttl > 0:
                if len(self._links) > LINKS_KEPT:
                    self._links.clear()  # bounded; refilled by the next requests
                for key, row in zip(missing, rows, strict=True):
                    self._links[key] = (now + self._links_ttl, row)
            found.update(zip(missing, rows, strict=True))
        return [found[key] for key in wanted]

    async def popularity(self, now: float) -> dict[str, float]:
        """Creators by today's audience and sales, yesterday's at half weight."""
        pipe = self._redis.pipeline(transaction=False)
        for days_ago in range(POPULAR_DAYS):
            pipe.zrevrange(_popular(now - days_ago * DAY), 0, LIST_KEPT - 1, withscores=True)
        scores: dict[str, float] = {}
        for days_ago, rows in enumerate(await pipe.execute()):
            for name, score in rows:
                key = _text(name)
                scores[key] = scores.get(key, 0.0) + float(score) / (2**days_ago)
        return scores

    async def forget(self, viewer_id: str) -> None:
        """Delete everything learnt about the viewer (links already counted stay anonymous)."""
        kinds = ("creators", "categories", "seen", "via_show", "bought", "via_product")
        pipe = self._redis.pipeline(transaction=False)
        for kind in kinds:
            pipe.delete(_viewer(viewer_id, kind))
        await pipe.execute()


def _links(
    sources: Sequence[str],
    rows: Sequence[Any],
    strength: dict[str, float],
    via: dict[str, str],
) -> dict[str, Link]:
    """Creators linked to the viewer's: each scored by the link times the source's strength,
    with the title (from the strongest source) that explains it."""
    top = max(strength.values(), default=1.0) or 1.0
    links: dict[str, Link] = {}
    best: dict[str, float] = {}
    for source, linked in zip(sources, rows, strict=True):
        weight = strength.get(source, 0.0) / top
        for name, count in linked:
            creator = _text(name)
            part = float(count) * weight
            previous = links.get(creator)
            total = part + (previous.score if previous else 0.0)
            if part > best.get(creator, 0.0):
                best[creator] = part
                links[creator] = Link(total, via.get(source, ""))
            elif previous is not None:
                links[creator] = Link(total, previous.via)
    return links


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _texts(mapping: dict[Any, Any]) -> dict[str, str]:
    return {_text(key): _text(value) for key, value in mapping.items()}
