"""Leader leases on a real Redis: one holder per job, handed over on close or expiry."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from prometheus_client import REGISTRY
from redis.asyncio import Redis

from livesale.storage.leases import Leadership, leader_key
from tests.support.polling import poll_until

SHORT_LEASE = 0.6


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


def leader_gauge(job: str) -> float:
    """This process's `livesale_background_job_leader{job}` (every Leadership here shares it)."""
    return REGISTRY.get_sample_value("livesale_background_job_leader", {"job": job}) or 0.0


async def test_one_of_several_processes_leads_a_job(redis: Redis) -> None:
    contenders = [Leadership(redis, "hold_sweeper") for _ in range(3)]
    for lease in contenders:
        lease.start()
    try:
        await poll_until(lambda: any(c.leading for c in contenders), 5, "a leader")
        leaders = [c for c in contenders if c.leading]
        assert len(leaders) == 1
        holder = (await redis.get(leader_key("hold_sweeper"))).decode()
        assert holder.split(":")[1].isdigit()  # host:pid:nonce, for operators
        # Renewals keep the same leader.
        for _ in range(3):
            assert [await c.claim() for c in contenders].count(True) == 1
        assert leaders[0].leading
    finally:
        for lease in contenders:
            await lease.close()
    assert not await redis.exists(leader_key("hold_sweeper"))


async def test_the_gauge_says_whether_this_process_leads(redis: Redis) -> None:
    lease = Leadership(redis, "reconciliation")
    await redis.set(leader_key("reconciliation"), "another-node:1:ab")
    assert not await lease.claim()
    assert leader_gauge("reconciliation") == 0
    await redis.delete(leader_key("reconciliation"))
    assert await lease.claim()
    assert leader_gauge("reconciliation") == 1
    await lease.close()
    assert leader_gauge("reconciliation") == 0


async def test_a_leader_that_stops_cleanly_hands_over_at_once(redis: Redis) -> None:
    first, second = Leadership(redis, "reconciliation"), Leadership(redis, "reconciliation")
    assert await first.claim()
    assert not await second.claim()
    await first.close()
    assert await second.claim()
    assert not await first.claim()
    await second.close()


async def test_a_leader_that_dies_is_replaced_once_its_lease_expires(redis: Redis) -> None:
    # `dead` claims once and never renews: a process killed right after its renewal.
    dead = Leadership(redis, "show_lifecycle", lease_seconds=SHORT_LEASE)
    heir = Leadership(redis, "show_lifecycle", lease_seconds=SHORT_LEASE)
    assert await dead.claim()
    assert not await heir.claim()
    await poll_until(heir.claim, SHORT_LEASE * 5, "the heir to take the lease")
    # The stalled process no longer trusts its lease, and cannot take it back.
    assert not dead.leading
    assert not await dead.claim()
    await heir.close()


async def test_a_job_runs_only_where_its_lease_is_held(redis: Redis) -> None:
    runs: list[str] = []
    leader, follower = Leadership(redis, "hold_sweeper"), Leadership(redis, "hold_sweeper")
    assert await leader.claim()
    assert not await follower.claim()

    async def ran(name: str) -> str:
        runs.append(name)
        return name

    assert await leader.only_when_leading(lambda: ran("leader"))() == "leader"
    assert await follower.only_when_leading(lambda: ran("follower"))() is None
    assert runs == ["leader"]
    await leader.close()


async def test_a_leaders_first_round_runs_at_start_up(redis: Redis) -> None:
    # Reconciliation runs every 5 minutes: its first round must not wait for the next one.
    lease = Leadership(redis, "reconciliation")
    lease.start()

    async def job() -> str:
        return "ran"

    try:
        assert await lease.only_when_leading(job)() == "ran"
    finally:
        await lease.close()
