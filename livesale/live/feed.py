"""The "For you" feed of one viewer: candidates ranked by their follows, taste and popularity."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from livesale.domain.accounts import Viewer
from livesale.domain.feed import EMPTY_PROFILE, Ranking, Slate, crowd_scores
from livesale.storage.follows import FollowRepository
from livesale.storage.taste import TasteStore
from livesale.storage.ttl_cache import TtlCache


@dataclass(frozen=True, slots=True)
class Feed:
    """A viewer's ranked feed (pages of it are read from `ranking`) and whether it was
    personalised."""

    ranking: Ranking
    personalised: bool


class FeedService:
    """Ranks candidates for a viewer; turning personalisation off also forgets their profile."""

    def __init__(
        self,
        taste: TasteStore,
        follows: FollowRepository,
        shared_cache_seconds: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._taste = taste
        self._follows = follows
        self._clock = clock
        # What is popular is the same for every viewer: read once per period, not per request.
        self._popular: TtlCache[str, dict[str, float]] = TtlCache(shared_cache_seconds)
        # The popularity part and the order without a profile are the same for every
        # viewer: worked out once per slate and popularity read, not per request.
        self._shared: tuple[Slate, dict[str, float], tuple[float, ...], Ranking] | None = None

    async def rank(self, viewer: Viewer | None, slate: Slate) -> Feed:
        """The slate in this viewer's order (a newcomer's: popularity and recency)."""
        popularity = await self._popular.get("all", lambda: self._taste.popularity(self._clock()))
        crowd, anonymous = self._shared_parts(slate, popularity)
        if viewer is None:
            return Feed(anonymous, personalised=False)
        personalised, follows = await self._follows.feed_state(viewer.id)
        if not personalised:
            return Feed(anonymous, personalised=False)
        profile = await self._taste.profile(viewer.id, follows)
        return Feed(Ranking(slate, crowd, profile), personalised=True)

    def _shared_parts(
        self, slate: Slate, popularity: dict[str, float]
    ) -> tuple[tuple[float, ...], Ranking]:
        shared = self._shared
        if shared is None or shared[0] is not slate or shared[1] is not popularity:
            crowd = crowd_scores(slate, popularity)
            shared = (slate, popularity, crowd, Ranking(slate, crowd, EMPTY_PROFILE))
            self._shared = shared
        return shared[2], shared[3]

    async def personalised(self, viewer: Viewer) -> bool:
        """Whether the viewer's feed learns from them."""
        return await self._follows.personalised(viewer.id)

    async def set_personalised(self, viewer: Viewer, on: bool) -> None:
        """Turn learning on or off; off deletes what was learnt (follows stay: they are the
        viewer's own choice, shown on creator pages)."""
        await self._follows.set_personalised(viewer.id, on)
        if not on:
            await self._taste.forget(viewer.id)
