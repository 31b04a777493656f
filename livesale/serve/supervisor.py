"""`livesale serve` with shop processes: shared resources first, then the children, kept running.

Children are `python -m livesale.serve.child` subprocesses rather than
multiprocessing children: they start in their own session (a Ctrl-C reaches
only the supervisor, which stops them in order), they set their own
parent-death signal before anything else runs, they show their role in `ps`,
and nothing of multiprocessing's machinery (resource tracker, pickled
targets) is involved. Their settings travel pickled through stdin.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import signal
import socket
import sqlite3
import sys
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import psycopg
from prometheus_client import values
from prometheus_client.multiprocess import mark_process_dead

from livesale import metrics
from livesale.config import Settings
from livesale.roles import media_socket_path
from livesale.serve.process import ChildFailed, ChildProcess, describe_exit
from livesale.serve.protocol import ChildKind
from livesale.storage.engines import open_database
from livesale.storage.redis_server import MAX_SOCKET_PATH_BYTES, EmbeddedRedis, EmbeddedRedisError
from livesale.unix_sockets import someone_listens
from livesale.web.metrics_route import MULTIPROCESS_ENV

logger = logging.getLogger(__name__)

EXIT_FAILURE = 1
RESTART_DELAY_SECONDS = 0.5
# A child that fails to start this many times in a row will not start (port
# taken, Redis unreachable): the supervisor gives up instead of looping.
MAX_START_FAILURES = 3
# Longer than aiohttp's own wait for open requests (run_app's shutdown_timeout, 60 s).
STOP_TIMEOUT_SECONDS = 65.0


class CannotStart(Exception):
    """The process layout cannot start; the message says why."""


@dataclass
class _Slot:
    """One place in the layout, filled by one child at a time."""

    name: str
    kind: ChildKind
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    child: ChildProcess | None = None


def supervise(settings: Settings, announce: Callable[[], None]) -> int:
    """Run the media process and the shop processes until SIGINT/SIGTERM; the exit status."""
    try:
        check_listeners(settings)
        return asyncio.run(Supervisor(settings, announce).run())
    except CannotStart as exc:
        print(f"livesale: cannot start: {exc}", file=sys.stderr)
        return EXIT_FAILURE


def check_listeners(settings: Settings) -> None:
    """Refuse a public port or a media socket already in use, before starting anything."""
    server = settings.server
    if server.port == 0:
        raise CannotStart("server.port must be a fixed port when server.shop_processes > 0")
    _refuse_if_port_taken(server.host, server.port)
    path = media_socket_path(settings)
    if len(os.fsencode(path)) > MAX_SOCKET_PATH_BYTES:
        raise CannotStart(f"{path} is too long for a unix socket; use a shorter server.data_dir")
    _refuse_if_listening(path)


class Supervisor:
    """Starts the layout, restarts children that die, and stops it in order."""

    def __init__(self, settings: Settings, announce: Callable[[], None]) -> None:
        self._settings = settings
        self._announce = announce
        self._socket = media_socket_path(settings)
        # Resolved: children start in other folders and must all find the same one.
        self._metrics_dir = (settings.data_dir / "metrics").resolve()
        shops = settings.server.shop_processes
        self._slots = [_Slot("media process", ChildKind.MEDIA)] + [
            _Slot(f"shop process {number}", ChildKind.SHOP) for number in range(1, shops + 1)
        ]

    async def run(self) -> int:
        """Serve until SIGINT/SIGTERM (0); raise `CannotStart` when a child keeps failing."""
        loop = asyncio.get_running_loop()
        stopping = asyncio.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stopping.set)
        async with AsyncExitStack() as stack:
            try:
                child_settings = await self._shared_resources(stack)
            except (EmbeddedRedisError, OSError, RuntimeError, sqlite3.Error, psycopg.Error) as exc:
                raise CannotStart(str(exc)) from exc
            if stopping.is_set():
                return 0
            failed: asyncio.Future[str] = loop.create_future()
            tasks = [
                asyncio.create_task(self._keep_running(slot, child_settings, failed))
                for slot in self._slots
            ]
            try:
                await self._serve(stopping, failed)
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                await self._stop_children()
            if failed.done():
                raise CannotStart(failed.result())
        return 0

    async def _shared_resources(self, stack: AsyncExitStack) -> Settings:
        """Start Redis if it is ours and migrate the database; the children's settings."""
        settings = self._settings
        self._socket.parent.mkdir(parents=True, exist_ok=True)
        # Every child writes its metrics here; files of an earlier run would add up wrongly.
        # Made first: the embedded Redis reports its state here too.
        shutil.rmtree(self._metrics_dir, ignore_errors=True)
        self._metrics_dir.mkdir(parents=True)
        stack.callback(shutil.rmtree, self._metrics_dir, True)
        if settings.redis.embedded:
            up = _embedded_redis_up(self._metrics_dir)
            embedded = EmbeddedRedis(settings.redis, settings.data_dir, report_up=up)
            stack.push_async_callback(embedded.close)
            await embedded.start()
            # One Redis for every child: none starts its own.
            settings = replace(settings, redis=replace(settings.redis, url=embedded.url))
        # Migrations run here, once, before any child opens the database.
        db = await open_database(settings)
        await db.close()
        return settings

    async def _serve(self, stopping: asyncio.Event, failed: asyncio.Future[str]) -> None:
        """Announce once every child is ready; return on a stop signal or a fatal failure."""
        everyone_ready = asyncio.create_task(self._everyone_ready())
        stop = asyncio.create_task(stopping.wait())
        ends: set[asyncio.Future[Any]] = {stop, failed}
        try:
            done, _ = await asyncio.wait(
                {everyone_ready, *ends}, return_when=asyncio.FIRST_COMPLETED
            )
            if everyone_ready in done and not failed.done():
                self._announce()
                await asyncio.wait(ends, return_when=asyncio.FIRST_COMPLETED)
            if stop.done():
                logger.info("stopping: the shop processes, then the media process")
        finally:
            everyone_ready.cancel()
            stop.cancel()

    async def _everyone_ready(self) -> None:
        for slot in self._slots:
            await slot.ready.wait()

    async def _keep_running(
        self, slot: _Slot, settings: Settings, failed: asyncio.Future[str]
    ) -> None:
        try:
            await self._restart_forever(slot, settings, failed)
        except Exception as exc:
            # A slot nobody fills would hang the layout: stop it instead.
            logger.exception("cannot keep the %s running", slot.name)
            if not failed.done():
                failed.set_result(f"{slot.name}: {exc}")

    async def _restart_forever(
        self, slot: _Slot, settings: Settings, failed: asyncio.Future[str]
    ) -> None:
        failures = 0
        while True:
            if slot.kind is ChildKind.MEDIA:
                # Any media process before this one has exited: a socket file left is stale.
                self._socket.unlink(missing_ok=True)
            child = slot.child = await ChildProcess.start(
                slot.name, slot.kind, settings, {MULTIPROCESS_ENV: str(self._metrics_dir)}
            )
            try:
                await child.wait_ready()
            except ChildFailed as exc:
                failures += 1
                if failures >= MAX_START_FAILURES:
                    if not failed.done():
                        failed.set_result(f"{slot.name}: {exc}")
                    return
                delay = RESTART_DELAY_SECONDS * 2 ** (failures - 1)
                logger.warning(
                    "%s could not start (%s); trying again in %.1f s", slot.name, exc, delay
                )
                await asyncio.sleep(delay)
                continue
            failures = 0
            logger.info("%s (pid %d) is ready", slot.name, child.pid)
            slot.ready.set()
            code = await child.process.wait()
            # Its gauges no longer count; its counters and histograms still do.
            mark_process_dead(child.pid, str(self._metrics_dir))  # type: ignore[no-untyped-call]
            logger.warning(
                "%s (pid %d) exited with %s; starting a new one in %.1f s",
                slot.name,
                child.pid,
                describe_exit(code),
                RESTART_DELAY_SECONDS,
            )
            await asyncio.sleep(RESTART_DELAY_SECONDS)

    async def _stop_children(self) -> None:
        """Shop processes first (they forward to the media process until they stop)."""
        shops = [s.child for s in self._slots if s.kind is ChildKind.SHOP and s.child]
        await asyncio.gather(*(child.stop(STOP_TIMEOUT_SECONDS) for child in shops))
        for slot in self._slots:
            if slot.kind is ChildKind.MEDIA and slot.child is not None:
                await slot.child.stop(STOP_TIMEOUT_SECONDS)
        self._socket.unlink(missing_ok=True)


def _embedded_redis_up(metrics_dir: Path) -> Callable[[float], None]:
    """The setter of livesale_embedded_redis_up as this process's entry in `metrics_dir`.

    The supervisor serves no /metrics and its own instruments live in its memory, so its
    value goes into the children's multiprocess folder, under its pid, where every
    child's scrape reads it (prometheus-client takes the folder from the environment;
    the children get the same value).
    """
    os.environ[MULTIPROCESS_ENV] = str(metrics_dir)
    gauge = metrics.EMBEDDED_REDIS_UP
    (described,) = gauge.describe()
    value_class = values.MultiProcessValue()  # type: ignore[no-untyped-call]
    value = value_class(
        "gauge",
        described.name,
        described.name,
        (),
        (),
        described.documentation,
        # As defined in livesale.metrics: the collector takes the mode from the file name.
        multiprocess_mode=gauge._multiprocess_mode,
    )
    setter: Callable[[float], None] = value.set
    return setter


def _refuse_if_port_taken(host: str, port: int) -> None:
    """Shop processes bind with SO_REUSEPORT, which would share a port in use without a word."""
    try:
        addresses = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )
    except OSError as exc:
        raise CannotStart(f"cannot listen on {host}:{port}: {exc}") from exc
    for family, kind, proto, _name, address in addresses:
        with socket.socket(family, kind, proto) as probe:
            # As aiohttp does: connections of an earlier run in TIME_WAIT are no owner.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                probe.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            try:
                probe.bind(address)
            except OSError as exc:
                raise CannotStart(f"cannot listen on {host}:{port}: {exc.strerror}") from exc


def _refuse_if_listening(path: Path) -> None:
    """Another media process on this socket means another livesale on this data folder."""
    if not someone_listens(path):
        return
    raise CannotStart(
        f"a livesale media process is already listening on {path}; is another livesale "
        "running with the same data folder?"
    )
