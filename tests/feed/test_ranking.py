"""The "For you" ranking's rules on a tiny world: follows first, links through other viewers,
taste in categories, and popularity alone when personalisation is off."""

from __future__ import annotations

from livesale.domain.feed import (
    Candidate,
    FeedKind,
    Link,
    Profile,
    Reason,
    rank,
)

NOW = 1_800_000_000.0
MIA = Candidate("s-mia", "c-mia", "Mia", FeedKind.UPCOMING, NOW - 3600)
BEN = Candidate("s-ben", "c-ben", "Ben", FeedKind.LIVE, NOW, viewers=40)
ZOE = Candidate("s-zoe", "c-zoe", "Zoe", FeedKind.REPLAY, NOW - 7200, categories=("beauty",))
WORLD = [MIA, BEN, ZOE]
# Ben draws the crowd; Zoe a little; Mia nobody yet.
POPULAR = {"c-ben": 50.0, "c-zoe": 5.0}


def _order(ranked: list) -> list[str]:  # type: ignore[type-arg]
    return [item.candidate.show_id for item in ranked]


def test_a_newcomer_sees_the_popular_first_then_the_freshest() -> None:
    ranked = rank(WORLD, Profile(), POPULAR)
    assert _order(ranked) == ["s-ben", "s-zoe", "s-mia"]
    assert [item.reason for item in ranked] == [Reason.POPULAR, Reason.POPULAR, Reason.RECENT]
    assert ranked[0].params == {}


def test_a_follower_sees_the_followed_creator_first_with_the_reason() -> None:
    ranked = rank(WORLD, Profile(follows=frozenset({"c-mia"})), POPULAR)
    assert _order(ranked)[0] == "s-mia"
    assert ranked[0].reason is Reason.FOLLOWING
    assert ranked[0].params == {"creator": "Mia"}


def test_co_watch_lifts_a_creator_with_the_show_that_links_them() -> None:
    profile = Profile(
        creators={"c-ben": 1.0},
        co_watch={"c-mia": Link(3.0, "Friday Drop")},
    )
    ranked = rank(WORLD, profile, POPULAR)
    mia = next(item for item in ranked if item.candidate.show_id == "s-mia")
    assert mia.reason is Reason.ALSO_WATCHED
    assert mia.params == {"show": "Friday Drop"}
    # Mia, whom nobody else watches, now comes before Zoe, whom more people watch.
    assert _order(ranked).index("s-mia") < _order(ranked).index("s-zoe")


def test_co_buy_names_the_product_the_viewer_bought() -> None:
    ranked = rank(WORLD, Profile(co_buy={"c-zoe": Link(2.0, "Lip oil")}), POPULAR)
    zoe = next(item for item in ranked if item.candidate.show_id == "s-zoe")
    assert (zoe.reason, zoe.params) == (Reason.ALSO_BOUGHT, {"product": "Lip oil"})


def test_a_liked_category_names_itself() -> None:
    ranked = rank(WORLD, Profile(categories={"beauty": 4.0, "games": 1.0}), {})
    assert ranked[0].candidate.show_id == "s-zoe"
    assert (ranked[0].reason, ranked[0].params) == (Reason.LIKES_CATEGORY, {"category": "beauty"})


def test_a_replay_already_watched_is_not_offered_again() -> None:
    ranked = rank(WORLD, Profile(seen=frozenset({"s-zoe", "s-ben"})), POPULAR)
    # The live show stays (it is on now); the replay watched goes.
    assert _order(ranked) == ["s-ben", "s-mia"]


def test_personalisation_off_leaves_popularity_and_recency_only() -> None:
    profile = Profile(
        follows=frozenset({"c-mia"}),
        creators={"c-mia": 9.0},
        co_watch={"c-mia": Link(3.0, "Friday Drop")},
        seen=frozenset({"s-zoe"}),
    )
    on = rank(WORLD, profile, POPULAR)
    off = rank(WORLD, profile, POPULAR, personalised=False)
    assert _order(on)[0] == "s-mia"
    assert _order(off) == _order(rank(WORLD, Profile(), POPULAR)) == ["s-ben", "s-zoe", "s-mia"]
    assert {item.reason for item in off} <= {Reason.POPULAR, Reason.RECENT}
