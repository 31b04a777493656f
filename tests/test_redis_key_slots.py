"""Every Lua script runs on Redis Cluster: the hash slots of its keys in a real run.

A Buy, an order, its payment, a cart line and a failed login run against the
real test Redis while a MONITOR connection records every EVALSHA. Each
script's keys are hashed with Cluster's CRC16 slot function: every call's keys
must fall in one slot (docs/scaling.md, "Redis Cluster").
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import redis.asyncio as aioredis
from redis.asyncio.client import Monitor
from redis.crc import key_slot

from livesale.storage import carts, guest_gate, locks, login_throttle, stock_guard, stock_scripts
from tests.support.clients import Buyers, Client, origin
from tests.support.shopping import buy, pay, place_order
from tests.support.world import flash_pin, open_live_shop

SCRIPTS = {
    "stock ensure": stock_scripts.ENSURE_LUA,
    "stock hold": stock_scripts.HOLD_LUA,
    "stock commit": stock_scripts.COMMIT_LUA,
    "cart line": carts._SET_LINE_LUA,
    "lock release": locks._RELEASE_LUA,
    "guest gate": guest_gate._ADMIT,
    "login attempt (address)": login_throttle._ATTEMPT_ADDRESS,
    "login attempt (account)": login_throttle._ATTEMPT_ACCOUNT,
}
# The hold the shop sends: the same script behind the run-id guard (a new or restarted
# Redis server refuses it until its counters are checked), so the same keys.
GUARDED = {"stock hold": stock_guard.RUN_GUARD_LUA + stock_scripts.HOLD_LUA}


def _sha(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()


@asynccontextmanager
async def evalsha_keys(redis_url: str) -> AsyncIterator[list[tuple[str, list[str]]]]:
    """Record (script sha, keys) of every EVALSHA the server runs inside the block."""
    seen: list[tuple[str, list[str]]] = []
    marker = "key-slots-end-" + uuid.uuid4().hex
    client = aioredis.Redis.from_url(redis_url, decode_responses=True)
    # Entering sends MONITOR and reads its OK; the lines are parsed here, not by
    # Monitor.listen(), which joins a command's arguments with spaces.
    async with client.monitor() as monitor:

        async def record() -> None:
            while True:
                line = await monitor.connection.read_response()
                text = line.decode() if isinstance(line, bytes) else str(line)
                _time, data = text.split(" ", 1)
                match = Monitor.monitor_re.match(data)
                assert match is not None, text
                parts = [p.replace('\\"', '"') for p in Monitor.command_re.findall(match[3])]
                if parts[:2] == ["ECHO", marker]:
                    return
                if parts and parts[0].upper() == "EVALSHA":
                    count = int(parts[2])
                    seen.append((parts[1], parts[3 : 3 + count]))

        recorder = asyncio.create_task(record())
        try:
            yield seen
            await client.echo(marker)
            await asyncio.wait_for(recorder, 30)
        finally:
            recorder.cancel()
    await client.aclose()


async def test_only_the_documented_scripts_span_several_slots(
    redis_url: str, alice: Client, buyers: Buyers
) -> None:
    async with evalsha_keys(redis_url) as seen:
        mia = await buyers("Mia")
        shop = await open_live_shop(alice, stock=5)
        await flash_pin(alice, shop, quantity=3)
        checkout = (await (await buy(mia, shop)).json())["checkout"]
        placed = await (await place_order(mia, checkout["id"])).json()
        paid = await pay(mia, placed["payment"]["payment_id"])
        assert paid.status == 200, await paid.text()
        line = f"/api/shows/{shop.show_id}/cart/items/{shop.variant_id}"
        assert (await mia.put(line, json={"quantity": 1}, headers=origin(mia))).status == 200
        wrong = await alice.post(
            "/api/auth/login",
            json={"email": "alice@example.com", "password": "not her password"},
            headers=origin(alice),
        )
        assert wrong.status == 401

    by_sha = {_sha(text): name for name, text in (*SCRIPTS.items(), *GUARDED.items())}
    slots: dict[str, set[bool]] = defaultdict(set)
    for sha, keys in seen:
        if sha in by_sha:
            slots[by_sha[sha]].add(len({key_slot(key.encode()) for key in keys}) == 1)
    observed = {name: all(one) for name, one in slots.items()}
    assert observed == dict.fromkeys(SCRIPTS, True)
