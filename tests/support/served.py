"""A real `livesale serve` for tests whose settings change what it prints (a public URL)."""

from __future__ import annotations

import asyncio
import shutil
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp

from tests.support.polling import poll
from tests.support.stage import START_TIMEOUT, Stage


@asynccontextmanager
async def served(**settings: str) -> AsyncIterator[Stage]:
    """A started `Stage` (tests/support/stage.py), ready once /readyz answers 200."""
    folder = Path(tempfile.mkdtemp(prefix="lstest-", dir="/tmp"))
    running = Stage(folder, settings)
    running.data_dir.mkdir(parents=True)
    try:
        with running.log.open("ab") as log:
            running.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "livesale",
                "serve",
                env=running.env,
                cwd=folder,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=log,
            )
        process = running.process

        async def ready() -> bool:
            if process.returncode is not None:
                raise RuntimeError(f"livesale serve exited: {running.log_text()[-3000:]}")
            return await _answers(running)

        await poll(ready, START_TIMEOUT, "/readyz to answer 200")
        yield running
    finally:
        await running.stop()
        shutil.rmtree(folder, ignore_errors=True)


async def _answers(running: Stage) -> bool:
    """Whether /readyz answers 200 right now."""
    try:
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"{running.base}/readyz", timeout=aiohttp.ClientTimeout(total=3)) as got,
        ):
            return got.status == 200
    except (aiohttp.ClientError, TimeoutError):
        return False
