"""`livesale serve` with two shop processes, as the process-layout tests start and stop it."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.polling import poll_until
from tests.support.processes import alive, children, cmdline, free_port

START_TIMEOUT = 60.0
SDP = {"Content-Type": "application/sdp"}


@dataclass
class Layout:
    """A running `livesale serve` and where to find its parts."""

    process: asyncio.subprocess.Process
    base: str
    data_dir: Path
    log: Path
    env: dict[str, str]

    def children(self) -> dict[str, list[int]]:
        """The supervisor's children by role: redis, media, shop."""
        roles: dict[str, list[int]] = {"redis": [], "media": [], "shop": []}
        for pid in children(self.process.pid):
            command = cmdline(pid)
            if "redis-server" in command:
                roles["redis"].append(pid)
            elif "livesale.serve.child media" in command:
                roles["media"].append(pid)
            elif "livesale.serve.child shop" in command:
                roles["shop"].append(pid)
        return roles

    def log_text(self) -> str:
        """What every process of the layout logged so far."""
        return self.log.read_text(errors="replace")


def layout_env(tmp_path: Path, port: int, **settings: str) -> dict[str, str]:
    """The environment of a `livesale serve` on `port` with its data under `tmp_path`."""
    env = {
        **os.environ,
        "LIVESALE__SERVER__PORT": str(port),
        "LIVESALE__SERVER__DATA_DIR": str(tmp_path / "data"),
        "LIVESALE__SERVER__SHOP_PROCESSES": "2",
    }
    env.update({f"LIVESALE__{name.upper()}": value for name, value in settings.items()})
    return env


async def start_serve(tmp_path: Path, env: dict[str, str]) -> asyncio.subprocess.Process:
    """`python -m livesale serve`, stdout in `tmp_path/serve.out`, stderr in `tmp_path/serve.log`.

    Files, not pipes: the children inherit the supervisor's stdout, so a pipe
    would stay open (and its asyncio transport with it) as long as any of them lives.
    """
    with (tmp_path / "serve.log").open("wb") as log, (tmp_path / "serve.out").open("wb") as out:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "livesale",
            "serve",
            env=env,
            cwd=tmp_path,
            stdout=out,
            stderr=log,
        )


def printed(tmp_path: Path) -> str:
    """What `livesale serve` printed on stdout so far."""
    path = tmp_path / "serve.out"
    return path.read_text() if path.exists() else ""


@asynccontextmanager
async def running_layout(tmp_path: Path) -> AsyncIterator[Layout]:
    """Start `livesale serve` with two shop processes; wait for its announcement."""
    port = free_port()
    env = layout_env(tmp_path, port)
    process = await start_serve(tmp_path, env)
    layout = Layout(
        process, f"http://127.0.0.1:{port}", tmp_path / "data", tmp_path / "serve.log", env
    )
    try:
        announcement = f"livesale is running at {layout.base}/"

        def announced() -> bool:
            assert process.returncode is None, layout.log_text()
            return announcement in printed(tmp_path)

        await poll_until(announced, START_TIMEOUT, "the supervisor to announce its URL")
        yield layout
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def stop(layout: Layout) -> None:
    """SIGINT, as Ctrl-C would: the supervisor exits 0 and nothing of the layout remains."""
    pids = [pid for group in layout.children().values() for pid in group]
    layout.process.send_signal(signal.SIGINT)
    assert await asyncio.wait_for(layout.process.wait(), START_TIMEOUT) == 0, layout.log_text()
    await poll_until(lambda: not any(alive(pid) for pid in pids), 10, "every child to exit")
    assert not (layout.data_dir / "media.sock").exists()
    # Stopped in order (shops, media, Redis): nobody tripped over a part already gone.
    assert "Traceback" not in layout.log_text(), layout.log_text()


async def create_show(layout: Layout) -> dict[str, Any]:
    """`livesale show create --json` against the layout's data folder."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "livesale",
        "show",
        "create",
        "Layout",
        "--json",
        env=layout.env,
        cwd=layout.data_dir.parent,
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await process.communicate()
    assert process.returncode == 0
    show: dict[str, Any] = json.loads(out)
    return show
