"""The supervisor's side of one child process: start it, hear it is ready, stop it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import pickle
import signal

from livesale.config import Settings
from livesale.serve.protocol import ERROR, READY, ChildKind, child_command

logger = logging.getLogger(__name__)


class ChildFailed(Exception):
    """A child said it cannot start, or exited before it was ready."""


class ChildProcess:
    """A running child and, until it is ready, the pipe it reports on."""

    def __init__(
        self,
        name: str,
        process: asyncio.subprocess.Process,
        report: asyncio.StreamReader,
        report_transport: asyncio.BaseTransport,
    ) -> None:
        self.name = name
        self.process = process
        self._report = report
        self._report_transport = report_transport

    @property
    def pid(self) -> int:
        """The child's process id."""
        return self.process.pid

    @classmethod
    async def start(
        cls, name: str, kind: ChildKind, settings: Settings, env: dict[str, str] | None = None
    ) -> ChildProcess:
        """Start a child (with `env` added to its environment) and hand it its settings."""
        read_fd, write_fd = os.pipe()
        try:
            process = await asyncio.create_subprocess_exec(
                *child_command(kind, write_fd),
                stdin=asyncio.subprocess.PIPE,
                pass_fds=(write_fd,),
                env=None if env is None else {**os.environ, **env},
                # Its own session: a Ctrl-C in the terminal reaches only the
                # supervisor, which stops the children in order.
                start_new_session=True,
            )
        except BaseException:
            os.close(read_fd)
            raise
        finally:
            # Only the child holds the write end now, so EOF means it exited.
            os.close(write_fd)
        loop = asyncio.get_running_loop()
        report = asyncio.StreamReader()
        transport, _ = await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(report), os.fdopen(read_fd, "rb", 0)
        )
        child = cls(name, process, report, transport)
        assert process.stdin is not None
        try:
            process.stdin.write(pickle.dumps(settings))
            await process.stdin.drain()
            process.stdin.close()
        except (BrokenPipeError, ConnectionResetError):
            pass  # it died at once; wait_ready() reports that
        return child

    async def wait_ready(self) -> None:
        """Return once the child serves; raise `ChildFailed` with its reason otherwise."""
        try:
            line = (await self._report.readline()).decode(errors="replace").strip()
        finally:
            self._report_transport.close()
        if line == READY:
            return
        code = await self.process.wait()
        if line.startswith(ERROR + " "):
            raise ChildFailed(line[len(ERROR) + 1 :])
        raise ChildFailed(f"exited with {describe_exit(code)} before it was ready")

    async def stop(self, timeout: float) -> None:
        """SIGTERM (aiohttp shuts down cleanly), then SIGKILL after `timeout` seconds."""
        self._report_transport.close()
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), timeout)
            except TimeoutError:
                logger.warning("%s (pid %d) did not stop in time; killing it", self.name, self.pid)
                with contextlib.suppress(ProcessLookupError):
                    self.process.kill()
                await self.process.wait()


def describe_exit(code: int) -> str:
    """`code 1` or `signal SIGKILL`, from a return code."""
    if code < 0:
        try:
            return f"signal {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"code {code}"
