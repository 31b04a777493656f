"""A real Redis Sentinel set-up on loopback: one master, its replicas, three sentinels.

Debian's `redis-server` and `redis-sentinel`, each on a free port, in a temp folder.
Never skipped: a missing binary fails.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import redis

from tests.support.polling import wait_until
from tests.support.processes import HOST, free_port

MASTER_NAME = "livesale"
# A server still starting refuses connections or answers LOADING.
_NOT_READY = (redis.ConnectionError, redis.ResponseError, ConnectionError)
STARTUP_DEADLINE_SECONDS = 20.0
# A master silent this long is down to a sentinel; two sentinels agreeing start a failover.
DOWN_AFTER_MS = 1000
FAILOVER_TIMEOUT_MS = 5000


@dataclass
class SentinelSetUp:
    """The running servers: the master's and replica's processes and every port."""

    folder: Path
    servers: dict[int, subprocess.Popen[bytes]] = field(default_factory=dict)  # by port
    sentinel_ports: list[int] = field(default_factory=list)
    sentinels: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def addresses(self) -> tuple[str, ...]:
        """The sentinels as `redis.sentinels` takes them."""
        return tuple(f"{HOST}:{port}" for port in self.sentinel_ports)

    def master_port(self) -> int:
        """The port of the master the sentinels name now."""
        with redis.Redis(HOST, self.sentinel_ports[0], decode_responses=True) as sentinel:
            _host, port = sentinel.sentinel_get_master_addr_by_name(MASTER_NAME)
        return int(port)

    def kill_master(self) -> int:
        """SIGKILL the master now (no shutdown, no last AOF write); its port."""
        port = self.master_port()
        process = self.servers[port]
        process.kill()
        process.wait()
        return port


def _binary(name: str, package: str) -> str:
    found = shutil.which(name)
    assert found is not None, f"{name} is not installed: apt-get install {package}"
    return found


def _start_server(folder: Path, port: int, *extra: str) -> subprocess.Popen[bytes]:
    folder.mkdir(parents=True)
    return subprocess.Popen(
        [
            _binary("redis-server", "redis-server"),
            "--bind", HOST,
            "--port", str(port),
            "--dir", str(folder),
            "--appendonly", "yes",
            "--maxmemory-policy", "noeviction",
            "--save", "",
            "--logfile", str(folder / "redis.log"),
            *extra,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip


def _start_sentinel(folder: Path, port: int, master_port: int) -> subprocess.Popen[bytes]:
    folder.mkdir(parents=True)
    conf = folder / "sentinel.conf"  # a sentinel rewrites its own file, so each has one
    conf.write_text(
        f"bind {HOST}\nport {port}\ndir {folder}\nlogfile {folder / 'sentinel.log'}\n"
        f"sentinel monitor {MASTER_NAME} {HOST} {master_port} 2\n"
        f"sentinel down-after-milliseconds {MASTER_NAME} {DOWN_AFTER_MS}\n"
        f"sentinel failover-timeout {MASTER_NAME} {FAILOVER_TIMEOUT_MS}\n"
        f"sentinel parallel-syncs {MASTER_NAME} 1\n"
    )
    return subprocess.Popen(
        [_binary("redis-sentinel", "redis-sentinel"), str(conf)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait_for(condition: str, check: Callable[[], bool]) -> None:
    wait_until(
        check,
        STARTUP_DEADLINE_SECONDS,
        f"the sentinel set-up to get ready: {condition}",
        _NOT_READY,
    )


def _replica_in_sync(port: int) -> bool:
    with redis.Redis(HOST, port, decode_responses=True) as client:
        return bool(client.info("replication").get("master_link_status") == "up")


def _sentinel_sees_everyone(port: int, replicas: int) -> bool:
    with redis.Redis(HOST, port, decode_responses=True) as client:
        state = client.sentinel_master(MASTER_NAME)
        return int(state["num-other-sentinels"]) == 2 and int(state["num-slaves"]) == replicas


@contextlib.contextmanager
def running_sentinels(folder: Path, replicas: int = 1) -> Iterator[SentinelSetUp]:
    """Start the master, `replicas` replicas and three sentinels; ready when all know each other."""
    set_up = SentinelSetUp(folder)
    master = free_port()
    try:
        set_up.servers[master] = _start_server(folder / "master", master)
        for number in range(replicas):
            replica = free_port()
            set_up.servers[replica] = _start_server(
                folder / f"replica{number}", replica, "--replicaof", HOST, str(master)
            )
            _wait_for("a replica in sync", partial(_replica_in_sync, replica))
        for number in range(3):
            port = free_port()
            set_up.sentinel_ports.append(port)
            set_up.sentinels.append(_start_sentinel(folder / f"sentinel{number}", port, master))
        for port in set_up.sentinel_ports:
            _wait_for(
                f"sentinel {port} knowing the others",
                partial(_sentinel_sees_everyone, port, replicas),
            )
        yield set_up
    finally:
        for process in [*set_up.sentinels, *set_up.servers.values()]:
            if process.poll() is None:
                process.terminate()
        for process in [*set_up.sentinels, *set_up.servers.values()]:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
