"""The shows every feed ranks are gathered once per period per process, and a request that
finds them being gathered again ranks the last ones instead of queueing behind it."""

from __future__ import annotations

from livesale.composition.services import SERVICES, Services
from livesale.web.feed_routes import FeedCandidates
from livesale.web.listings_api import Listing
from livesale.web.shows_api import ShowViews
from tests.support.clients import Client
from tests.support.world import create_show


def _candidates(services: Services, cache_seconds: float) -> FeedCandidates:
    views = ShowViews(
        services.settings.base_url,
        services.accounts.creators,
        services.video.on_air,
        services.live.shows,
        services.live.replays,
    )
    listing = Listing(views, services.storage.redis, services.live.replays)
    return FeedCandidates(listing, services.storage.shows, cache_seconds)


async def _titles(candidates: FeedCandidates) -> list[str]:
    return sorted(card["title"] for _, card in await candidates.get())


async def test_the_shows_are_read_once_a_period(alice: Client) -> None:
    candidates = _candidates(alice.app[SERVICES], cache_seconds=600)
    await create_show(alice, title="First")
    assert await _titles(candidates) == ["First"]
    await create_show(alice, title="Second")
    # Within the period the same shows, without reading the record again.
    assert await _titles(candidates) == ["First"]


async def test_a_request_during_a_new_gathering_ranks_the_last_shows(alice: Client) -> None:
    candidates = _candidates(alice.app[SERVICES], cache_seconds=0)
    await create_show(alice, title="First")
    assert await _titles(candidates) == ["First"]
    await create_show(alice, title="Second")
    # Another request is gathering them again (it holds the gathering): this one does not wait.
    async with candidates._gathering:
        assert await _titles(candidates) == ["First"]
    # Once nobody is gathering, a stale period means reading them again.
    assert await _titles(candidates) == ["First", "Second"]
