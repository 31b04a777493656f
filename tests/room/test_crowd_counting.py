"""The crowd's arithmetic: connection slots per address, and people counted up to the cap."""

from __future__ import annotations

from aiohttp.test_utils import TestServer

from livesale.composition.services import SERVICES
from livesale.live.crowd import Crowd

ADDRESS = "198.51.100.7"


async def test_an_address_holds_at_most_its_connection_slots(server: TestServer) -> None:
    crowd = Crowd(server.app[SERVICES].storage.activity, max_connections=3, max_counted=2)
    assert [crowd.open(ADDRESS) for _ in range(4)] == [True, True, True, False]
    assert crowd.open("198.51.100.8")  # another address has slots of its own
    crowd.close(ADDRESS)
    assert crowd.open(ADDRESS)
    assert not crowd.open(ADDRESS)


async def test_a_person_past_the_cap_takes_a_counted_place_when_one_leaves(
    server: TestServer,
) -> None:
    crowd = Crowd(server.app[SERVICES].storage.activity, max_connections=10, max_counted=2)
    a, b, c = ("visitor:a", False), ("visitor:b", False), ("visitor:c", False)
    for person in (a, a, b, c):  # a has two tabs open
        crowd.join("show", ADDRESS, person, None)
    crowd.join("show", "198.51.100.8", ("visitor:d", False), None)
    assert crowd.viewer_count("show") == 3  # two of the first address, one of the other
    crowd.leave("show", ADDRESS, a)
    assert crowd.viewer_count("show") == 3  # a still has a tab open
    crowd.leave("show", ADDRESS, a)
    assert crowd.viewer_count("show") == 3  # c, who waited uncounted, now counts
    crowd.leave("show", ADDRESS, b)
    crowd.leave("show", ADDRESS, c)
    assert crowd.counts() == {"show": 1}
    crowd.leave("show", "198.51.100.8", ("visitor:d", False))
    assert crowd.counts() == {}
