"""`livesale serve` with shop processes, as real processes: a supervisor, Redis, media, shops.

Video goes in and out through the public port, which the shop processes
share; the media process behind them is reached only over its unix socket.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
from pathlib import Path

import aiohttp

from tests.support.layout import (
    SDP,
    START_TIMEOUT,
    create_show,
    layout_env,
    printed,
    running_layout,
    start_serve,
    stop,
)
from tests.support.peers import TestPublisher, TestViewer
from tests.support.polling import poll_until
from tests.support.processes import alive, free_port


def maps_libav(pid: int) -> bool:
    """Whether the process has av's FFmpeg libraries (so aiortc) loaded."""
    return "libavcodec" in Path(f"/proc/{pid}/maps").read_text()


async def test_publish_and_watch_through_the_shop_port(tmp_path: Path) -> None:
    async with running_layout(tmp_path) as layout, aiohttp.ClientSession() as http:
        children = layout.children()
        assert [len(children[role]) for role in ("redis", "media", "shop")] == [1, 1, 2]
        # Only the media process loads aiortc and av.
        assert maps_libav(children["media"][0])
        assert not any(maps_libav(pid) for pid in children["shop"])
        async with http.get(f"{layout.base}/healthz") as response:
            assert response.status == 200
        async with http.get(f"{layout.base}/") as response:
            assert response.status == 200
            assert response.content_type == "text/html"

        show = await create_show(layout)
        assert show["whip_url"] == f"{layout.base}/whip/{show['id']}"
        publisher = TestPublisher(keyframe_every=60, audio=False)
        viewer = TestViewer()
        locations: list[str] = []

        async def publish(offer: str) -> str:
            headers = {**SDP, "Authorization": f"Bearer {show['stream_key']}"}
            async with http.post(show["whip_url"], data=offer, headers=headers) as response:
                assert response.status == 201, await response.text()
                locations.append(response.headers["Location"])
                return await response.text()

        async def watch(offer: str) -> str:
            answers: list[str] = []

            async def accepted() -> bool:
                async with http.post(show["whep_url"], data=offer, headers=SDP) as response:
                    if response.status == 409:  # live, but its tracks are not known yet
                        return False
                    assert response.status == 201, await response.text()
                    answers.append(await response.text())
                    return True

            await poll_until(accepted, 20, "WHEP to accept the viewer")
            return answers[0]

        try:
            await publisher.connect(publish)
            await viewer.connect(watch)
            await poll_until(lambda: len(viewer.video_frames()) > 5, 20, "video through a shop")
            async with http.get(f"{layout.base}/api/shows/{show['id']}") as response:
                state = await response.json()
            assert state["status"] == "live"
            assert state["live"] is True
            # Whichever shop process answers a scrape, it speaks for every process:
            # the publisher and the viewer are in the media process.
            for _ in range(4):
                async with http.get(f"{layout.base}/metrics") as response:
                    text = await response.text()
                assert "livesale_media_publishers 1.0" in text.splitlines(), text[:400]
                assert "livesale_media_viewers 1.0" in text.splitlines()

            async with http.delete(f"{layout.base}{locations[0]}") as response:
                assert response.status == 200, await response.text()
            async with http.get(f"{layout.base}/api/shows/{show['id']}") as response:
                state = await response.json()
            assert state["status"] == "ended"
            assert state["live"] is False
        finally:
            await viewer.close()
            await publisher.close()
        await stop(layout)


async def test_a_killed_shop_process_is_replaced_and_the_port_keeps_answering(
    tmp_path: Path,
) -> None:
    async with running_layout(tmp_path) as layout:
        victim, survivor = layout.children()["shop"]
        os.kill(victim, signal.SIGKILL)
        await poll_until(lambda: not alive(victim), 10, "the killed shop process to be gone")
        # A fresh connection each time, so the kernel picks a listener each time.
        connector = aiohttp.TCPConnector(force_close=True)
        async with aiohttp.ClientSession(connector=connector) as http:
            for _ in range(20):
                async with http.get(f"{layout.base}/healthz") as response:
                    assert response.status == 200

            def replaced() -> bool:
                shops = layout.children()["shop"]
                new = [pid for pid in shops if pid != survivor]
                return (
                    len(shops) == 2
                    and victim not in shops
                    and bool(new)
                    and (f"(pid {new[0]}) is ready" in layout.log_text())
                )

            await poll_until(replaced, START_TIMEOUT, "a new shop process to be ready")
            assert "exited with signal SIGKILL" in layout.log_text()
            for _ in range(20):
                async with http.get(f"{layout.base}/healthz") as response:
                    assert response.status == 200
        await stop(layout)


async def test_a_child_that_keeps_failing_stops_the_supervisor(tmp_path: Path) -> None:
    # Every child fails at start-up: the Redis it is told to use does not exist.
    env = layout_env(tmp_path, free_port(), redis__url="unix:///nonexistent/redis.sock")
    process = await start_serve(tmp_path, env)
    await asyncio.wait_for(process.wait(), START_TIMEOUT)
    log = (tmp_path / "serve.log").read_text()
    assert process.returncode == 1, log
    assert printed(tmp_path) == "", "never announced"
    assert "livesale: cannot start: " in log, log
    assert "/nonexistent/redis.sock" in log, log
    assert "could not start" in log
    assert "trying again" in log
    assert "Traceback" not in log, log


async def test_a_port_in_use_is_refused_before_anything_starts(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = await start_serve(tmp_path, layout_env(tmp_path, port))
        await asyncio.wait_for(process.wait(), START_TIMEOUT)
    log = (tmp_path / "serve.log").read_text()
    assert process.returncode == 1, log
    assert printed(tmp_path) == "", log
    assert f"cannot start: cannot listen on 127.0.0.1:{port}" in log, log
    assert not (tmp_path / "data" / "redis").exists(), "no Redis was started"


async def test_killing_the_supervisor_stops_every_child(tmp_path: Path) -> None:
    async with running_layout(tmp_path) as layout:
        pids = [pid for group in layout.children().values() for pid in group]
        assert len(pids) == 4
        layout.process.kill()
        await layout.process.wait()
        # Each child asked the kernel for SIGTERM when its parent dies.
        await poll_until(lambda: not any(alive(pid) for pid in pids), 20, "every child to exit")
        assert not (layout.data_dir / "media.sock").exists()
