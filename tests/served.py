"""A real `livesale serve` for tests whose settings change what it prints (a public URL)."""

from __future__ import annotations

import asyncio
import shutil
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from scripts.chaos_scenarios.harness import Stage


@asynccontextmanager
async def served(**settings: str) -> AsyncIterator[Stage]:
    """A started `Stage` (see the chaos harness), ready once /readyz answers 200."""
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
        await running.ready()
        yield running
    finally:
        await running.stop()
        shutil.rmtree(folder, ignore_errors=True)
