"""Two full nodes behind a real nginx (TLS, the shipped config) sharing PostgreSQL and Redis.

One cluster for the module, the tests in order: the last one kills a node.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import psycopg
import pytest
import pytest_asyncio
from aiortc import RTCSessionDescription
from redis.asyncio import Redis

from livesale.storage.leases import LEASE_SECONDS, leader_key
from livesale.storage.stock_keys import variant_key
from livesale.web.auth import SESSION_COOKIE
from tests.support.cluster import (
    Cluster,
    LiveShow,
    metric,
    metric_total,
    publish,
    room_events,
    running_cluster,
    whep,
)
from tests.support.peers import TestViewer
from tests.support.polling import poll
from tests.support.stage import Actor
from tests.support.world import BUYER

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.timeout(300)]

UNITS = 12
BUYERS = 40
JOBS = ("hold_sweeper", "reconciliation", "show_lifecycle", "auction_closer", "message_retention")
PAID_CARD = "4242424242424242"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def cluster(postgres_server: str) -> AsyncIterator[Cluster]:
    async with running_cluster(postgres_server) as running:
        yield running


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def show(cluster: Cluster) -> AsyncIterator[LiveShow]:
    live = await publish(cluster, UNITS)
    try:
        yield live
    finally:
        await live.publisher.close()
        await live.shop.creator.close()


async def _closing(actors: list[Actor]) -> None:
    await asyncio.gather(*(actor.close() for actor in actors))


async def test_the_session_cookie_is_secure_through_the_proxy(cluster: Cluster) -> None:
    through_proxy, direct = cluster.actor(), Actor(cluster.nodes[0].base)
    try:
        for actor, secure in ((through_proxy, True), (direct, False)):
            body = {
                "email": f"{uuid.uuid4().hex[:8]}@example.com",
                "password": "correct horse battery staple",
                "display_name": "Ada",
            }
            url = f"{actor.base}/api/auth/signup"
            async with actor.session.post(url, json=body, headers={"Origin": actor.base}) as got:
                assert got.status == 201, await got.text()
                cookies = got.headers.getall("Set-Cookie")
            (session,) = [c for c in cookies if c.startswith(f"{SESSION_COOKIE}=")]
            assert ("; Secure" in session) is secure, session
    finally:
        await _closing([through_proxy, direct])


async def test_the_proxy_keeps_metrics_to_the_nodes(cluster: Cluster) -> None:
    visitor = cluster.actor()
    try:
        status, _ = await visitor.call("GET", "/metrics")
        assert status == 404
        assert await metric_total(cluster.nodes[0], "livesale_http_request_duration_seconds_count")
    finally:
        await visitor.close()


async def test_a_flash_sale_over_both_nodes_sells_no_unit_twice(
    cluster: Cluster, show: LiveShow
) -> None:
    shop = show.shop
    sale = {"sale_price_minor": 2900, "quantity": UNITS, "per_buyer_limit": 1,
            "duration_seconds": 3600}  # fmt: skip
    body = {"product_id": shop.product_id, "flash_sale": sale}
    pin_id = (await shop.creator.expect("POST", f"/api/shows/{shop.show_id}/pin", body, 201))[
        "pin"
    ]["id"]
    holds_before = [await metric_total(node, "livesale_shop_hold_attempts_total") for node in
                    cluster.nodes]  # fmt: skip
    # Buyers from many addresses (nginx passes each on in X-Forwarded-For).
    buyers = [cluster.actor(f"127.0.0.{2 + i % 60}") for i in range(BUYERS)]
    try:
        await asyncio.gather(*(buyer.become_guest(f"Buyer {i}") for i, buyer in enumerate(buyers)))

        async def buy(buyer: Actor) -> tuple[int, Any]:
            tap = {"variant_id": shop.variant_id, "quantity": 1, "pin_id": pin_id,
                   "request_id": uuid.uuid4().hex}  # fmt: skip
            return await buyer.call("POST", f"/api/shows/{shop.show_id}/buy", tap)

        answers = await asyncio.gather(*(buy(buyer) for buyer in buyers))
        winners = [(b, a) for b, (status, a) in zip(buyers, answers, strict=True) if status == 201]
        refusals = {(s, a["error"]["code"]) for s, a in answers if s != 201}
        assert len(winners) == UNITS, answers
        assert refusals <= {(409, "sold_out"), (409, "out_of_stock")}, refusals

        async def pay(buyer: Actor, bought: Any) -> str:
            checkout = bought["checkout"]["id"]
            placed = await buyer.expect("POST", f"/api/checkouts/{checkout}/order", BUYER, 201)
            payment = placed["payment"]["payment_id"]
            card = {"card_number": PAID_CARD}
            paid = await buyer.expect("POST", f"/api/payments/dummy/{payment}/confirm", card, 200)
            return str(paid["order"]["status"])

        statuses = await asyncio.gather(*(pay(buyer, bought) for buyer, bought in winners))
        assert set(statuses) == {"paid"}, statuses
    finally:
        await _closing(buyers)

    # Both nodes served buyers.
    for node, before in zip(cluster.nodes, holds_before, strict=True):
        served = await metric_total(node, "livesale_shop_hold_attempts_total") - before
        assert served > 0, f"node on port {node.port} served no buyer"
    # The counters in the shared Redis and the orders in PostgreSQL agree: nothing oversold.
    redis: Any = Redis.from_url(cluster.redis_url, decode_responses=True)
    try:
        key = variant_key(shop.creator_id, shop.variant_id)
        levels = await redis.hmget(key, ["available", "held", "sold"])
    finally:
        await redis.aclose()
    assert [int(v or 0) for v in levels] == [0, 0, UNITS]
    with psycopg.connect(cluster.database_url) as conn:
        row = conn.execute(
            "SELECT COALESCE(SUM(l.quantity), 0) FROM order_lines l JOIN orders o"
            " ON o.id = l.order_id WHERE l.variant_id = %s AND o.status = 'paid'",
            (shop.variant_id,),
        ).fetchone()
    assert row is not None
    assert row[0] == UNITS


async def test_a_chat_message_crosses_from_one_node_to_a_viewer_on_the_other(
    cluster: Cluster, show: LiveShow
) -> None:
    show_id = show.shop.show_id
    viewers = [cluster.actor(), cluster.actor()]
    sockets: list[Any] = []
    seen: list[list[dict[str, Any]]] = [[], []]
    readers: list[asyncio.Task[None]] = []
    try:
        nodes_of: list[int] = []
        for index, viewer in enumerate(viewers):
            await viewer.become_guest(f"Viewer {index}")
            ws = await viewer.session.ws_connect(
                f"{viewer.base.replace('https', 'wss')}/api/shows/{show_id}/events",
                headers={"Origin": viewer.base},
            )
            sockets.append(ws)
            readers.append(asyncio.create_task(room_events(ws, seen[index])))

            # Which node took this socket: the one whose count went up.
            node = await poll(
                lambda: _node_taking(cluster, len(sockets), nodes_of),
                20,
                f"viewer {index}'s socket on a node",
            )
            nodes_of.append(node - 1)
        assert sorted(nodes_of) == [0, 1], "least_conn puts the second socket on the other node"

        text = f"hello from node {nodes_of[0] + 1}"
        await sockets[0].send_json({"type": "chat", "text": text})

        def arrived() -> bool:
            return any(
                e.get("type") == "chat" and e["message"].get("text") == text for e in seen[1]
            )

        await poll(arrived, 15, "the chat message on the other node's viewer")
    finally:
        for ws in sockets:
            await ws.close()
        for reader in readers:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
        await _closing(viewers)


async def _node_taking(cluster: Cluster, sockets: int, known: list[int]) -> int | None:
    """1 + the index of the node holding a room socket none of `known` holds, once all are up."""
    counts = [await metric(n, "livesale_room_connections") for n in cluster.nodes]
    if sum(counts) != sockets:
        return None
    fresh = [i for i, count in enumerate(counts) if count and i not in known]
    return fresh[0] + 1 if fresh else None


async def test_whep_through_the_proxy_reaches_the_publishers_node(
    cluster: Cluster, show: LiveShow
) -> None:
    publishers = [await metric(n, "livesale_media_publishers") for n in cluster.nodes]
    assert sorted(publishers) == [0, 1], publishers
    home = publishers.index(1)
    watcher = cluster.actor()
    viewers = [TestViewer() for _ in range(2)]
    try:
        for viewer in viewers:
            await viewer.pc.setLocalDescription(await viewer.pc.createOffer())
            status, answer = await whep(
                watcher, show.shop.show_id, str(viewer.pc.localDescription.sdp)
            )
            assert status == 201, answer
            await viewer.pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))

        def watching() -> bool:
            return all(len(viewer.video_frames()) > 3 for viewer in viewers)

        await poll(watching, 30, "video over WHEP on every viewer")
        counts = [await metric(n, "livesale_media_viewers") for n in cluster.nodes]
        assert counts[home] == len(viewers)
        assert counts[1 - home] == 0
    finally:
        for viewer in viewers:
            await viewer.close()
        await watcher.close()


async def _leaders(cluster: Cluster) -> dict[str, list[int]]:
    """For each job, the indices of the live nodes that say they lead it."""
    found: dict[str, list[int]] = {job: [] for job in JOBS}
    for index, node in enumerate(cluster.nodes):
        if node not in cluster.alive():
            continue
        for job in JOBS:
            value = await metric(node, "livesale_background_job_leader", job=job)
            found[job].extend([index] * int(value))
    return found


async def test_each_background_job_runs_once_and_moves_when_its_node_dies(
    cluster: Cluster,
) -> None:
    async def settled() -> dict[str, list[int]] | None:
        leaders = await _leaders(cluster)
        return leaders if all(len(nodes) == 1 for nodes in leaders.values()) else None

    leaders = await poll(settled, 2 * LEASE_SECONDS, "one leader per job across the cluster")
    redis = Redis.from_url(cluster.redis_url, decode_responses=True)
    try:
        holders = {job: await redis.get(leader_key(job)) for job in JOBS}
        # Kill (no clean stop, no lease given up) a node that leads something.
        victim = leaders["hold_sweeper"][0]
        survivor = 1 - victim
        await cluster.nodes[victim].kill_all()
        killed_at = time.monotonic()

        async def taken_over() -> bool:
            leaders = await _leaders(cluster)
            return all(nodes == [survivor] for nodes in leaders.values())

        await poll(taken_over, LEASE_SECONDS + 5, "the survivor to lead every job")
        assert time.monotonic() - killed_at <= LEASE_SECONDS + 5
        moved = [job for job in JOBS if leaders[job] == [victim]]
        for job in moved:
            assert await redis.get(leader_key(job)) != holders[job]
    finally:
        await redis.aclose()
    # The proxy keeps serving from the survivor.
    visitor = cluster.actor()
    try:
        for _ in range(4):
            await visitor.expect("GET", "/api/shows", None, 200)
    finally:
        await visitor.close()
