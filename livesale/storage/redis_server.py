"""A private `redis-server` child process, reachable only through a unix socket."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import os
import secrets
import shutil
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

from livesale import metrics
from livesale.config import RedisSettings
from livesale.unix_sockets import someone_listens

logger = logging.getLogger(__name__)

# sun_path is 108 bytes on Linux and 104 on macOS/BSD, counting the final NUL.
MAX_SOCKET_PATH_BYTES = 103
# Where a socket too long for the data folder goes: short, and private by its 0700 folder.
_TEMP_BASE = Path("/tmp")
STOP_TIMEOUT_SECONDS = 10.0
# After the server died on its own: the first restart waits this long, each
# failed one twice as long, up to the cap (a broken AOF must not spin a core).
RESTART_DELAY_SECONDS = 1.0
MAX_RESTART_DELAY_SECONDS = 30.0
_POLL_SECONDS = 0.02


def _die_with_parent() -> None:
    """In the child: receive SIGTERM when livesale dies, even by SIGKILL (Linux only)."""
    if sys.platform != "linux":
        return
    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_pdeathsig = 1
    libc.prctl(pr_set_pdeathsig, signal.SIGTERM)


class EmbeddedRedisError(Exception):
    """The embedded redis-server could not be started."""


class EmbeddedRedis:
    """Runs `redis-server` for this process with durable, no-eviction settings.

    It listens on no TCP port, only on a unix socket with 0700 permissions,
    so nothing else on the machine can reach it. `report_up` is told 1 once it
    answers and 0 once it has exited (livesale_embedded_redis_up by default).
    """

    def __init__(
        self,
        settings: RedisSettings,
        data_dir: Path,
        report_up: Callable[[float], None] = metrics.EMBEDDED_REDIS_UP.set,
    ) -> None:
        self._settings = settings
        self.dir = (data_dir / "redis").resolve()
        # A unix socket path longer than sun_path cannot be bound, so a deep data
        # folder gets its socket in a short private temp folder instead (the AOF
        # stays in the data folder). Named now, made at start: clients built
        # before the server starts already know where it will listen.
        self._socket_dir: Path | None = None
        if len(os.fsencode(self.dir / "redis.sock")) > MAX_SOCKET_PATH_BYTES:
            self._socket_dir = _TEMP_BASE / f"livesale-redis-{secrets.token_hex(8)}"
        self._socket_dir_made = False
        self._process: asyncio.subprocess.Process | None = None
        self._report_up = report_up
        self._watcher: asyncio.Task[None] | None = None
        self._binary: str | None = None

    @property
    def socket_path(self) -> Path:
        """Where the server listens (known before `start`)."""
        return (self._socket_dir or self.dir) / "redis.sock"

    @property
    def url(self) -> str:
        """The redis-py URL of the socket."""
        return f"unix://{self.socket_path}"

    @property
    def pid(self) -> int | None:
        """The child's process id while it runs."""
        return None if self._process is None else self._process.pid

    @property
    def log_path(self) -> Path:
        """redis-server's own log file."""
        return self.dir / "redis.log"

    async def start(self) -> None:
        """Start the child and wait until it answers PING."""
        binary = shutil.which(self._settings.binary)
        if binary is None:
            raise EmbeddedRedisError(
                f"{self._settings.binary!r} was not found on PATH; install Debian's redis-server "
                "(`apt-get install redis-server`) or set redis.url to an existing Redis"
            )
        self._binary = binary
        self._process = await self._spawn(binary, self._prepare())
        try:
            await self._wait_ready()
        except BaseException:
            await self.close()
            raise
        logger.info("embedded redis-server (pid %d) listening on %s", self.pid, self.socket_path)
        self._report_up(1)
        # Nothing else would notice the server dying: the app only sees failing calls.
        self._watcher = asyncio.create_task(self._watch(self._process))

    async def _spawn(self, binary: str, config: Path) -> asyncio.subprocess.Process:
        return await asyncio.create_subprocess_exec(
            binary,
            str(config),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
            # Own process group: a Ctrl-C in the terminal reaches only us, and we
            # stop redis in order, after the app has stopped using it.
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )

    async def close(self) -> None:
        """Stop the child: SIGTERM (redis flushes its AOF), then SIGKILL after a timeout."""
        # The watcher first: it may be starting a new server, which must not outlive us.
        await self._stop_watching()
        process, self._process = self._process, None
        if process is not None and process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), STOP_TIMEOUT_SECONDS)
            except TimeoutError:
                logger.warning("redis-server did not stop in time; killing it")
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await process.wait()
        if process is not None:
            self._report_up(0)
        if self._socket_dir_made and self._socket_dir is not None:
            shutil.rmtree(self._socket_dir, ignore_errors=True)
            self._socket_dir_made = False

    async def _watch(self, process: asyncio.subprocess.Process) -> None:
        """Report the server down when it exits on its own (crashed, killed, OOM); restart it.

        The new server replays the same AOF and listens on the same socket, so the
        app's clients reconnect by themselves; until then its calls answer 503.
        """
        while True:
            code = await process.wait()
            self._report_up(0)
            logger.error(
                "embedded redis-server (pid %d) exited with code %d: %s",
                process.pid,
                code,
                self._log_tail(),
            )
            process = await self._restart()

    async def _restart(self) -> asyncio.subprocess.Process:
        """Start the server again until it answers PING; the running process."""
        assert self._binary is not None
        delay = RESTART_DELAY_SECONDS
        while True:
            logger.warning("starting the embedded redis-server again in %.1f s", delay)
            await asyncio.sleep(delay)
            process = self._process = await self._spawn(self._binary, self._prepare())
            try:
                await self._wait_ready()
            except EmbeddedRedisError as exc:
                logger.error("the embedded redis-server did not start again: %s", exc)
                await _kill(process)
                delay = min(delay * 2, MAX_RESTART_DELAY_SECONDS)
                continue
            except BaseException:
                # Cancelled by close(): it finds no process to stop, so stop this one.
                self._process = None
                await _kill(process)
                raise
            logger.warning(
                "embedded redis-server (pid %d) started again on %s", process.pid, self.socket_path
            )
            self._report_up(1)
            return process

    async def _stop_watching(self) -> None:
        watcher, self._watcher = self._watcher, None
        if watcher is not None:
            watcher.cancel()
            # wait(), not `await watcher`: it does not re-raise the watcher's
            # CancelledError, so a cancellation of close() itself is not swallowed.
            await asyncio.wait([watcher])

    def _prepare(self) -> Path:
        """Create the folders and write redis.conf; returns the config path.

        Plain blocking calls: a few small local file operations, at each start.
        """
        self.dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        # A restart keeps the socket folder: the app's clients reconnect to the same path.
        if self._socket_dir is not None and not self._socket_dir_made:
            try:
                # 0700, and never a folder someone else made under our random name.
                os.mkdir(self._socket_dir, 0o700)
            except FileExistsError:
                raise EmbeddedRedisError(
                    f"{self._socket_dir} exists already; it is not this process's"
                ) from None
            self._socket_dir_made = True
        self._refuse_if_running()
        config = self.dir / "redis.conf"
        config.write_text(self._config_text(), encoding="utf-8")
        return config

    def _config_text(self) -> str:
        lines = {
            "port": "0",
            "unixsocket": _quote(str(self.socket_path)),
            "unixsocketperm": "700",
            "dir": _quote(str(self.dir)),
            "logfile": _quote(str(self.log_path)),
            "daemonize": "no",
            # Carts and stock holds must survive a crash: AOF, fsync every second.
            "appendonly": "yes",
            "appendfsync": "everysec",
            # A `#TS:` stamp per second in the AOF: `redis-check-aof --truncate-to-timestamp`
            # can then cut it back to a moment (docs/reliability.md, "Stock after a power cut").
            "aof-timestamp-enabled": "yes",
            # Evicting a stock hold would oversell, so refuse writes instead.
            "maxmemory-policy": "noeviction",
            # AOF is the persistence; RDB snapshots would only add fork pauses.
            "save": '""',
        }
        header = "# Written by livesale on every start; edits are overwritten.\n"
        return header + "".join(f"{key} {value}\n" for key, value in lines.items())

    def _refuse_if_running(self) -> None:
        """Two servers appending to one AOF would corrupt it, so refuse a live socket."""
        path = self.socket_path
        if not someone_listens(path):
            return
        raise EmbeddedRedisError(
            f"a redis-server is already listening on {path}; is another livesale "
            "running with the same data folder?"
        )

    async def _wait_ready(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + self._settings.startup_timeout_seconds
        while True:
            if self._process.returncode is not None:
                raise EmbeddedRedisError(
                    f"redis-server exited with code {self._process.returncode}: {self._log_tail()}"
                )
            if await _answers_ping(self.socket_path):
                return
            if time.monotonic() > deadline:
                raise EmbeddedRedisError(
                    f"redis-server did not answer within "
                    f"{self._settings.startup_timeout_seconds}s: {self._log_tail()}"
                )
            await asyncio.sleep(_POLL_SECONDS)

    def _log_tail(self) -> str:
        try:
            lines = self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return "(no log)"
        return " | ".join(lines[-5:]) or "(empty log)"


async def _answers_ping(path: Path) -> bool:
    try:
        reader, writer = await asyncio.open_unix_connection(str(path))
    except OSError:
        return False
    try:
        writer.write(b"PING\r\n")
        await writer.drain()
        # -LOADING while the AOF is replayed: not ready yet.
        return (await reader.readline()).startswith(b"+PONG")
    except OSError:
        return False
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()


async def _kill(process: asyncio.subprocess.Process) -> None:
    """SIGKILL a server that is not ours to keep and reap it."""
    with contextlib.suppress(ProcessLookupError):
        process.kill()
    await asyncio.shield(process.wait())


def _quote(value: str) -> str:
    """Quote a value for redis.conf (paths may contain spaces)."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
