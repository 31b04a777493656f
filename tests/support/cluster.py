"""Two full `livesale serve` nodes sharing PostgreSQL and Redis behind a real nginx."""

from __future__ import annotations

import asyncio
import contextlib
import json
import ssl
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from aiortc import RTCSessionDescription
from prometheus_client.parser import text_string_to_metric_families

from tests.support.nginx import Proxy, running_nginx
from tests.support.peers import TestPublisher
from tests.support.polling import poll
from tests.support.postgres_server import drop_database, new_database
from tests.support.processes import HOST
from tests.support.redis_server import running_redis
from tests.support.stage import Actor, Shop, Stage, open_shop

NODES = 2


@dataclass
class Cluster:
    """The nodes, the proxy in front of them, and what a client needs to trust the proxy."""

    nodes: list[Stage]
    proxy: Proxy
    tls: ssl.SSLContext
    redis_url: str
    database_url: str

    def actor(self, address: str | None = None) -> Actor:
        """A browser-like user reaching the shop through the proxy (from `address`)."""
        return Actor(self.proxy.base, address, tls=self.tls)

    def alive(self) -> list[Stage]:
        """The nodes still running."""
        return [n for n in self.nodes if n.process is not None and n.process.returncode is None]


def node_settings(redis_url: str, database_url: str, shared: Path) -> dict[str, str]:
    """What every node shares: the record, Redis, the proxy it trusts, the images folder."""
    return {
        "redis__url": redis_url,
        "database__url": database_url,
        "server__trusted_proxies": '["127.0.0.1"]',
        # Uploaded images must be readable from every node: a shared folder.
        "images__folder": str(shared / "images"),
        "payments__gateway": "dummy",
        "recording__enabled": "false",
        # The test's peers are on loopback.
        "media__allow_private_candidates": "true",
        "media__publisher_timeout_seconds": "600",
        "shows__end_after_publisher_lost_seconds": "3600",
    }


@contextlib.asynccontextmanager
async def running_cluster(admin_url: str) -> AsyncIterator[Cluster]:
    """A private Redis and PostgreSQL database, two nodes, nginx; all stopped afterwards."""
    with (
        tempfile.TemporaryDirectory(prefix="lsnodes-", dir="/tmp") as folder,
        running_redis(Path(folder) / "redis") as sock,
    ):
        root = Path(folder)
        database_url = new_database(admin_url)
        redis_url = f"unix://{sock}"
        settings = node_settings(redis_url, database_url, root / "shared")
        nodes = [Stage(root / f"node{i + 1}", settings) for i in range(NODES)]
        try:
            async with contextlib.AsyncExitStack() as stack:
                for node in nodes:
                    stack.push_async_callback(node.stop)
                await asyncio.gather(*(node.start() for node in nodes))
                addresses = [f"{HOST}:{node.port}" for node in nodes]
                proxy = await stack.enter_async_context(running_nginx(root / "nginx", addresses))
                tls = ssl.create_default_context(cafile=str(proxy.certificate.cert))
                yield Cluster(nodes, proxy, tls, redis_url, database_url)
        finally:
            drop_database(admin_url, database_url)


async def node_metrics(node: Stage) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """A node's /metrics (every process of it), straight from the node: {(name, labels): value}."""
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session,
        session.get(f"{node.base}/metrics") as response,
    ):
        assert response.status == 200
        text = await response.text()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def metric(node: Stage, name: str, **labels: str) -> float:
    """One series of a node's /metrics (0 when absent)."""
    return (await node_metrics(node)).get((name, tuple(sorted(labels.items()))), 0.0)


async def metric_total(node: Stage, name: str) -> float:
    """A metric summed over all its label sets on one node."""
    return sum(value for (found, _), value in (await node_metrics(node)).items() if found == name)


def whip_signal(actor: Actor, show_id: str, key: str) -> Callable[[str], Awaitable[str]]:
    """POST an offer to the show's WHIP URL through the proxy; the answer."""

    async def exchange(offer: str) -> str:
        headers = {"Content-Type": "application/sdp", "Authorization": f"Bearer {key}"}
        url = f"{actor.base}/whip/{show_id}"
        async with actor.session.post(url, data=offer, headers=headers) as response:
            text = await response.text()
            assert response.status == 201, text
            return text

    return exchange


async def whep(actor: Actor, show_id: str, offer: str) -> tuple[int, str]:
    """POST a viewer's offer to the show's WHEP URL through the proxy."""
    url = f"{actor.base}/whep/{show_id}"
    headers = {"Content-Type": "application/sdp", "Origin": actor.base}
    async with actor.session.post(url, data=offer, headers=headers) as response:
        return response.status, await response.text()


@dataclass
class LiveShow:
    """A creator's show published through the proxy by a real aiortc publisher."""

    shop: Shop
    publisher: TestPublisher


async def publish(cluster: Cluster, stock: int) -> LiveShow:
    """Open a shop of `stock` units and publish video to its show through the proxy."""
    shop = await open_shop(cluster.proxy.base, stock, tls=cluster.tls)
    publisher = TestPublisher(keyframe_every=30, audio=False)
    answer = await whip_signal(shop.creator, shop.show_id, shop.stream_key)(await publisher.offer())
    await publisher.pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))

    async def live() -> bool:
        show = await shop.creator.expect("GET", f"/api/shows/{shop.show_id}", None, 200)
        return bool(show["live"])

    await poll(live, 30, "the show to be live")
    return LiveShow(shop, publisher)


async def room_events(ws: aiohttp.ClientWebSocketResponse, seen: list[dict[str, Any]]) -> None:
    """Collect every event of a room socket until it closes."""
    async for message in ws:
        if message.type is aiohttp.WSMsgType.TEXT:
            parsed = json.loads(message.data)
            seen.extend(parsed if isinstance(parsed, list) else [parsed])
