"""The "For you" ranking: which shows a viewer sees first, and the reason each card gives.

Pure rules over what storage read: the viewer's follows and taste profile, how
often other viewers watched or bought from two creators together, and what is
popular now. With personalisation off only popularity and recency count.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from livesale.domain.categories import DEFAULT_CATEGORY


class FeedKind(StrEnum):
    """Where a show is in its life, as the feed lists it."""

    LIVE = "live"
    UPCOMING = "upcoming"
    REPLAY = "replay"


class Reason(StrEnum):
    """Why a card is in the viewer's feed (the page words it in its language)."""

    FOLLOWING = "following"  # params: creator
    WATCHED_CREATOR = "watched_creator"  # params: creator
    ALSO_WATCHED = "also_watched"  # params: show (one the viewer watched)
    ALSO_BOUGHT = "also_bought"  # params: product (one the viewer bought)
    LIKES_CATEGORY = "likes_category"  # params: category
    POPULAR = "popular"  # no params
    RECENT = "recent"  # no params


# How much each kind of evidence weighs; a follow outranks anything learnt.
FOLLOW_WEIGHT = 100.0
CREATOR_WEIGHT = 40.0
CO_WATCH_WEIGHT = 30.0
CO_BUY_WEIGHT = 30.0
CATEGORY_WEIGHT = 20.0
POPULAR_WEIGHT = 10.0
# Live now beats a replay among equals; a show about to start beats a far one.
KIND_BONUS = {FeedKind.LIVE: 2.0, FeedKind.UPCOMING: 0.5, FeedKind.REPLAY: 0.0}


@dataclass(frozen=True, slots=True)
class Candidate:
    """A show the feed may list: its creator, kind, categories and freshness."""

    show_id: str
    creator_id: str
    creator_name: str
    kind: FeedKind
    at: float  # went live, starts, or ended (epoch seconds): the recency order
    viewers: int = 0
    categories: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Link:
    """How strongly another creator is tied to this viewer's, and the title that ties them."""

    score: float
    via: str


@dataclass(frozen=True, slots=True)
class Profile:
    """What is known of one viewer: follows, taste, and links through other viewers."""

    follows: frozenset[str] = frozenset()
    creators: Mapping[str, float] = field(default_factory=dict)
    categories: Mapping[str, float] = field(default_factory=dict)
    co_watch: Mapping[str, Link] = field(default_factory=dict)
    co_buy: Mapping[str, Link] = field(default_factory=dict)
    seen: frozenset[str] = frozenset()  # shows already watched (not offered again as replays)


EMPTY_PROFILE = Profile()


def taste_categories(category: str) -> tuple[str, ...]:
    """The categories a show teaches and is ranked by: its own, unless it has none
    (the default "other" says nothing about taste)."""
    return () if category == DEFAULT_CATEGORY else (category,)


@dataclass(frozen=True, slots=True)
class Ranked:
    """A candidate in the viewer's order, with its reason code and the reason's words."""

    candidate: Candidate
    score: float
    reason: Reason
    params: dict[str, str]


@dataclass(frozen=True, slots=True)
class Slate:
    """Candidates prepared once per gathering: what the ranking reads of each, as flat
    tuples, so a request loops over plain values instead of objects and enums."""

    candidates: tuple[Candidate, ...]
    show_ids: tuple[str, ...]
    creators: tuple[str, ...]
    categories: tuple[tuple[str, ...], ...]
    replay: tuple[bool, ...]
    live_share: tuple[float, ...]  # live viewers over the most live viewers (0 if not live)
    bonus: tuple[float, ...]  # KIND_BONUS of each
    recency: tuple[float, ...]  # -at: sorts the fresher first


def prepare(candidates: Sequence[Candidate]) -> Slate:
    """The slate of these candidates (built once, ranked for many viewers)."""
    most_viewers = max((c.viewers for c in candidates), default=0) or 1
    return Slate(
        candidates=tuple(candidates),
        show_ids=tuple(c.show_id for c in candidates),
        creators=tuple(c.creator_id for c in candidates),
        categories=tuple(c.categories for c in candidates),
        replay=tuple(c.kind is FeedKind.REPLAY for c in candidates),
        live_share=tuple(
            c.viewers / most_viewers if c.kind is FeedKind.LIVE else 0.0 for c in candidates
        ),
        bonus=tuple(KIND_BONUS[c.kind] for c in candidates),
        recency=tuple(-c.at for c in candidates),
    )


def crowd_scores(slate: Slate, popularity: Mapping[str, float]) -> tuple[float, ...]:
    """Each candidate's popularity part (the same for every viewer)."""
    popular = _normalised(popularity)
    return tuple(
        POPULAR_WEIGHT * max(popular.get(creator, 0.0), share)
        for creator, share in zip(slate.creators, slate.live_share, strict=True)
    )


class Ranking:
    """One viewer's order of a slate: every candidate is scored and sorted, but reasons are
    worked out only for the page asked for."""

    def __init__(self, slate: Slate, crowd: Sequence[float], profile: Profile) -> None:
        self._slate = slate
        self._crowd = crowd
        self._weigh = weigh = _Evidence(profile)
        seen = profile.seen
        keys: list[tuple[float, float, str, int]] = []
        for i, (show_id, creator, categories, replay) in enumerate(
            zip(slate.show_ids, slate.creators, slate.categories, slate.replay, strict=True)
        ):
            if replay and show_id in seen:
                continue
            score = weigh.total(creator, categories) + crowd[i] + slate.bonus[i]
            # Best score first; among equals the fresher show; the id keeps the order total.
            keys.append((-score, slate.recency[i], show_id, i))
        keys.sort()
        self._keys = keys

    def __len__(self) -> int:
        return len(self._keys)

    def page(self, offset: int, limit: int) -> list[Ranked]:
        """`limit` candidates from `offset` in this order, with their reasons."""
        items: list[Ranked] = []
        for negative_score, _, _, i in self._keys[offset : offset + limit]:
            candidate = self._slate.candidates[i]
            _, best, reason, params = self._weigh.of(candidate)
            if best <= 0:
                reason, params = (Reason.POPULAR, {}) if self._crowd[i] > 0 else (Reason.RECENT, {})
            items.append(Ranked(candidate, -negative_score, reason, params))
        return items


def rank(
    candidates: Sequence[Candidate],
    profile: Profile,
    popularity: Mapping[str, float],
    *,
    personalised: bool = True,
) -> list[Ranked]:
    """The candidates best first: personal evidence, then popularity, then recency."""
    if not personalised:
        profile = EMPTY_PROFILE
    slate = prepare(candidates)
    ranking = Ranking(slate, crowd_scores(slate, popularity), profile)
    return ranking.page(0, len(ranking))


class _Evidence:
    """What speaks for a candidate in one viewer's profile; a creator's part is worked out once
    (a feed ranks many shows of few creators)."""

    def __init__(self, profile: Profile) -> None:
        self._profile = profile
        self._creators = _normalised(profile.creators)
        self._categories = _normalised(profile.categories)
        self._co_watch = _normalised({key: link.score for key, link in profile.co_watch.items()})
        self._co_buy = _normalised({key: link.score for key, link in profile.co_buy.items()})
        self._by_creator: dict[str, tuple[float, float, Reason, str | None]] = {}

    def total(self, creator: str, categories: tuple[str, ...]) -> float:
        """The candidate's personal score alone (what `of` totals, without its reason)."""
        known = self._by_creator.get(creator)
        if known is None:
            known = self._creator_part(creator)
            self._by_creator[creator] = known
        total = known[0]
        if categories and self._categories:
            liked = self._categories
            total += CATEGORY_WEIGHT * max(liked.get(category, 0.0) for category in categories)
        return total

    def of(self, candidate: Candidate) -> tuple[float, float, Reason, dict[str, str]]:
        """(total, strongest, its reason, the reason's words) for the candidate."""
        creator = candidate.creator_id
        known = self._by_creator.get(creator)
        if known is None:
            known = self._creator_part(creator)
            self._by_creator[creator] = known
        total, best, reason, word = known
        if self._categories and candidate.categories:
            category, liked = _best_category(candidate.categories, self._categories)
            part = CATEGORY_WEIGHT * liked
            total += part
            if part > best:
                return total, part, Reason.LIKES_CATEGORY, {"category": category}
        if best <= 0:
            return total, best, reason, {}
        key = _PARAM[reason]
        return total, best, reason, {key: candidate.creator_name if word is None else word}

    def _creator_part(self, creator: str) -> tuple[float, float, Reason, str | None]:
        profile = self._profile
        parts = (
            (FOLLOW_WEIGHT if creator in profile.follows else 0.0, Reason.FOLLOWING, None),
            (CREATOR_WEIGHT * self._creators.get(creator, 0.0), Reason.WATCHED_CREATOR, None),
            (
                CO_WATCH_WEIGHT * self._co_watch.get(creator, 0.0),
                Reason.ALSO_WATCHED,
                _via(profile.co_watch, creator),
            ),
            (
                CO_BUY_WEIGHT * self._co_buy.get(creator, 0.0),
                Reason.ALSO_BOUGHT,
                _via(profile.co_buy, creator),
            ),
        )
        best, reason, word = max(parts, key=lambda part: part[0])
        return float(sum(part[0] for part in parts)), best, reason, word


# The parameter each reason's words take (the creator's name where no title is kept).
_PARAM = {
    Reason.FOLLOWING: "creator",
    Reason.WATCHED_CREATOR: "creator",
    Reason.ALSO_WATCHED: "show",
    Reason.ALSO_BOUGHT: "product",
}


def _normalised(scores: Mapping[str, float]) -> dict[str, float]:
    """Scores scaled so the largest is 1 (decayed totals have no natural unit)."""
    top = max(scores.values(), default=0.0)
    if top <= 0:
        return {}
    return {key: value / top for key, value in scores.items() if value > 0}


def _best_category(own: Sequence[str], liked: Mapping[str, float]) -> tuple[str, float]:
    best = max(own, key=lambda category: liked.get(category, 0.0), default="")
    return best, liked.get(best, 0.0)


def _via(links: Mapping[str, Link], creator: str) -> str:
    link = links.get(creator)
    return "" if link is None else link.via
