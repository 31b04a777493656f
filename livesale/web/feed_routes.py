"""The "For you" feed, its personalisation switch, and following creators."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from aiohttp import web

from livesale import metrics
from livesale.domain.errors import CannotFollowSelf, ValidationFailed
from livesale.domain.feed import Candidate, FeedKind, Ranked, Slate, prepare, taste_categories
from livesale.domain.shows import Show, ShowStatus
from livesale.live.feed import FeedService
from livesale.storage.creators import CreatorRepository
from livesale.storage.follows import FollowRepository
from livesale.storage.rate_limits import RateLimiter
from livesale.storage.shows import ShowRepository
from livesale.web.auth import Identity
from livesale.web.field_readers import optional_bool
from livesale.web.json_body import read_object
from livesale.web.listings_api import Listing
from livesale.web.query_numbers import whole_number

FEED_PAGE = 12
MAX_FEED_PAGE = 50
# Shows of each kind the feed ranks: the newest live and replays, the soonest upcoming.
CANDIDATES_PER_KIND = 100
_CURSOR = re.compile(r"^[0-9]{1,4}$")
_KINDS = {
    ShowStatus.LIVE: FeedKind.LIVE,
    ShowStatus.SCHEDULED: FeedKind.UPCOMING,
    ShowStatus.ENDED: FeedKind.REPLAY,
}


@dataclass(frozen=True, slots=True)
class Gathered:
    """One gathering of candidates: the slate the ranking reads, and each show's card."""

    slate: Slate
    cards: dict[str, dict[str, Any]]


class FeedCandidates:
    """The shows every viewer's feed ranks, as cards, gathered at most once a cache period.

    Gathering them reads a few hundred shows; while one request does that, the
    others rank the last ones gathered instead of waiting (only a process's
    very first request waits for them).
    """

    def __init__(
        self,
        listing: Listing,
        shows: ShowRepository,
        cache_seconds: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._listing = listing
        self._shows = shows
        self._clock = clock
        self._ttl = cache_seconds
        self._last: Gathered | None = None
        self._fresh_until = 0.0
        self._gathering = asyncio.Lock()

    async def get(self) -> list[tuple[Candidate, dict[str, Any]]]:
        """Live, upcoming and replayable shows with their cards."""
        gathered = await self.gathered()
        return [(c, gathered.cards[c.show_id]) for c in gathered.slate.candidates]

    async def gathered(self) -> Gathered:
        """The last gathering, or a new one once the cache period is over."""
        last = self._last
        if last is not None and (self._fresh() or self._gathering.locked()):
            return last
        async with self._gathering:
            if self._last is not None and self._fresh():
                return self._last
            cards = await self._load()
            # Prepared here, once, for every request until the next gathering.
            gathered = Gathered(
                prepare([c for c, _ in cards]), {c.show_id: card for c, card in cards}
            )
            self._last = gathered
            self._fresh_until = time.monotonic() + self._ttl
            return gathered

    def _fresh(self) -> bool:
        return time.monotonic() < self._fresh_until

    async def _load(self) -> list[tuple[Candidate, dict[str, Any]]]:
        live = await self._shows.list_recent(CANDIDATES_PER_KIND, status=ShowStatus.LIVE)
        upcoming = await self._shows.list_recent(CANDIDATES_PER_KIND, status=ShowStatus.SCHEDULED)
        replays = await self._listing.replays.past(CANDIDATES_PER_KIND)
        shows = [*live, *upcoming, *replays]
        cards = await self._listing.listed(shows)
        now = self._clock()
        return [
            (_candidate(show, card, now), card)
            for show, card in zip(shows, cards, strict=True)
            if show.creator_id is not None
        ]


def _candidate(show: Show, card: dict[str, Any], now: float) -> Candidate:
    """A show as the ranking sees it; `at` is how near to now it is (sooner or fresher)."""
    kind = _KINDS[show.status]
    moment = {
        FeedKind.LIVE: show.live_at,
        FeedKind.UPCOMING: show.scheduled_at,
        FeedKind.REPLAY: show.ended_at,
    }[kind]
    at = now - abs(now - (moment if moment is not None else show.created_at))
    creator = card.get("creator") or {}
    return Candidate(
        show_id=show.id,
        creator_id=str(show.creator_id),
        creator_name=str(creator.get("display_name", "")),
        kind=kind,
        at=at,
        viewers=int(card.get("viewers") or 0),
        categories=taste_categories(show.category),
    )


def add_feed_routes(
    app: web.Application,
    *,
    feed: FeedService,
    candidates: FeedCandidates,
    follows: FollowRepository,
    creators: CreatorRepository,
    limiter: RateLimiter,
    follows_per_minute: int,
    identity: Identity,
) -> None:
    """Register the feed, its switch and the follow routes."""
    app.router.add_get(
        "/api/feed", partial(get_feed, feed=feed, candidates=candidates, identity=identity)
    )
    app.router.add_get("/api/feed/settings", partial(get_settings, feed=feed, identity=identity))
    app.router.add_put("/api/feed/settings", partial(put_settings, feed=feed, identity=identity))
    follow = partial(
        change_follow,
        follows=follows,
        creators=creators,
        limiter=limiter,
        per_minute=follows_per_minute,
        identity=identity,
    )
    app.router.add_put("/api/creators/{creator_id}/follow", partial(follow, on=True))
    app.router.add_delete("/api/creators/{creator_id}/follow", partial(follow, on=False))
    app.router.add_get(
        "/api/creators/{creator_id}/follow",
        partial(get_follow, follows=follows, creators=creators, identity=identity),
    )


async def get_feed(
    request: web.Request, *, feed: FeedService, candidates: FeedCandidates, identity: Identity
) -> web.Response:
    """The caller's feed, `limit` items from `cursor` (the previous page's `next_cursor`)."""
    started = time.perf_counter()
    limit = whole_number(request.query.get("limit"), "limit", FEED_PAGE, 1, MAX_FEED_PAGE)
    offset = _offset(request.query.get("cursor"))
    gathered = await candidates.gathered()
    viewer = await identity.current_viewer(request)
    ranked = await feed.rank(viewer, gathered.slate)
    page = ranked.ranking.page(offset, limit)
    more = offset + limit < len(ranked.ranking)
    body = {
        "items": [_item(item, gathered.cards[item.candidate.show_id]) for item in page],
        "next_cursor": str(offset + limit) if more else None,
        "personalised": ranked.personalised,
    }
    metrics.FEED_REQUESTS.labels("yes" if ranked.personalised else "no").inc()
    metrics.FEED_SECONDS.observe(time.perf_counter() - started)
    return web.json_response(body)


def _item(item: Ranked, card: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": item.candidate.kind.value,
        "reason": {"code": item.reason.value, "params": item.params},
        "show": card,
    }


async def get_settings(
    request: web.Request, *, feed: FeedService, identity: Identity
) -> web.Response:
    """Whether the caller's feed is personalised (a visitor without a guest identity: not yet)."""
    viewer = await identity.current_viewer(request)
    personalised = viewer is not None and await feed.personalised(viewer)
    return web.json_response({"personalised": personalised, "viewer": viewer is not None})


async def put_settings(
    request: web.Request, *, feed: FeedService, identity: Identity
) -> web.Response:
    """Turn the caller's personalisation on or off (`{"personalised": bool}`); remembered."""
    viewer = await identity.require_viewer(request)
    body = await read_object(request, allowed=("personalised",))
    on = optional_bool(body, "personalised")
    if on is None:
        raise ValidationFailed("personalised is required", field="personalised", reason="required")
    await feed.set_personalised(viewer, on)
    return web.json_response({"personalised": on, "viewer": True})


async def change_follow(
    request: web.Request,
    *,
    on: bool,
    follows: FollowRepository,
    creators: CreatorRepository,
    limiter: RateLimiter,
    per_minute: int,
    identity: Identity,
) -> web.Response:
    """Follow (PUT) or unfollow (DELETE) a creator as the caller's guest identity."""
    viewer = await identity.require_viewer(request)
    creator = await creators.get(request.match_info["creator_id"])
    signed_in = await identity.current_creator(request)
    if on and signed_in is not None and signed_in.id == creator.id:
        raise CannotFollowSelf("a creator cannot follow themself", creator_id=creator.id)
    await limiter.check(f"follow:{viewer.id}", per_minute, 60, "follow changes")
    if on:
        await follows.follow(viewer.id, creator.id)
    else:
        await follows.unfollow(viewer.id, creator.id)
    count = await follows.follower_count(creator.id)
    return web.json_response({"following": on, "followers": count})


async def get_follow(
    request: web.Request,
    *,
    follows: FollowRepository,
    creators: CreatorRepository,
    identity: Identity,
) -> web.Response:
    """A creator's follower count, and whether the caller follows them."""
    creator = await creators.get(request.match_info["creator_id"])
    viewer = await identity.current_viewer(request)
    following = viewer is not None and await follows.follows(viewer.id, creator.id)
    signed_in = await identity.current_creator(request)
    return web.json_response(
        {
            "following": following,
            "followers": await follows.follower_count(creator.id),
            "own": signed_in is not None and signed_in.id == creator.id,
        }
    )


def _offset(raw: str | None) -> int:
    if raw is None:
        return 0
    if _CURSOR.match(raw) is None:
        raise ValidationFailed(
            "cursor must be a next_cursor from a previous page", field="cursor", reason="bad_format"
        )
    return int(raw)
