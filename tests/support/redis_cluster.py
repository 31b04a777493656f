"""A real Redis Cluster on loopback: three masters from Debian's `redis-server`.

Each master on a free port (and a free cluster-bus port) in a temp folder,
joined with `redis-cli --cluster create`, ready once every node reports
`cluster_state:ok`. Never skipped: a missing binary fails.
"""

from __future__ import annotations

import contextlib
import gc
import shutil
import subprocess
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import redis
from redis.asyncio.cluster import ClusterNode

from tests.support.polling import wait_until
from tests.support.processes import HOST, free_port

MASTERS = 3
# A server still starting refuses connections or answers LOADING.
_NOT_READY = (redis.ConnectionError, redis.ResponseError, ConnectionError)
STARTUP_DEADLINE_SECONDS = 30.0


@dataclass
class ClusterSetUp:
    """The running masters, by port."""

    folder: Path
    servers: dict[int, subprocess.Popen[bytes]] = field(default_factory=dict)
    commands: dict[int, list[str]] = field(default_factory=dict)

    @property
    def nodes(self) -> tuple[str, ...]:
        """The nodes as `redis.cluster_nodes` takes them."""
        return tuple(f"{HOST}:{port}" for port in self.servers)

    def restart(self, port: int) -> None:
        """Stop the master on `port` and start it again (same data, same cluster id, a new
        run id); returns once every node says the cluster is ok again."""
        process = self.servers[port]
        process.terminate()
        process.wait(timeout=10)
        self.servers[port] = subprocess.Popen(
            self.commands[port], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        _wait_for(f"node {port} answering", partial(_answers, port))
        for other in self.servers:
            _wait_for(f"node {other} cluster_state:ok", partial(_cluster_ok, other))

    def port_of_slot(self, slot: int) -> int:
        """The port of the master that serves `slot` now."""
        port = next(iter(self.servers))
        with redis.Redis(HOST, port, decode_responses=True) as client:
            for start, end, master, *_replicas in client.execute_command("CLUSTER SLOTS"):
                if int(start) <= slot <= int(end):
                    return int(master[1])
        raise AssertionError(f"no master serves slot {slot}")


def _binary(name: str) -> str:
    found = shutil.which(name)
    assert found is not None, f"{name} is not installed: apt-get install redis-server"
    return found


def _node_command(folder: Path, port: int) -> list[str]:
    return [
        _binary("redis-server"),
        "--bind", HOST,
        "--port", str(port),
        "--cluster-enabled", "yes",
        "--cluster-port", str(free_port()),
        "--cluster-config-file", str(folder / "nodes.conf"),
        "--cluster-node-timeout", "5000",
        "--dir", str(folder),
        "--appendonly", "yes",
        "--maxmemory-policy", "noeviction",
        "--save", "",
        "--logfile", str(folder / "redis.log"),
    ]  # fmt: skip


def _wait_for(condition: str, check: Callable[[], bool]) -> None:
    wait_until(
        check, STARTUP_DEADLINE_SECONDS, f"the cluster to get ready: {condition}", _NOT_READY
    )


def _answers(port: int) -> bool:
    with redis.Redis(HOST, port) as client:
        return bool(client.ping())


def _cluster_ok(port: int) -> bool:
    with redis.Redis(HOST, port, decode_responses=True) as client:
        info = client.execute_command("CLUSTER INFO")
        # redis-py parses the reply into a dict; the raw text would say cluster_state:ok.
        if isinstance(info, dict):
            return bool(info.get("cluster_state") == "ok")
        return "cluster_state:ok" in str(info)


@contextlib.contextmanager
def running_cluster(folder: Path) -> Iterator[ClusterSetUp]:
    """Start three masters, join them into one cluster, wait until every node says ok."""
    set_up = ClusterSetUp(folder)
    try:
        for number in range(MASTERS):
            port = free_port()
            node_folder = folder / f"node{number}"
            node_folder.mkdir(parents=True)
            set_up.commands[port] = _node_command(node_folder, port)
            set_up.servers[port] = subprocess.Popen(
                set_up.commands[port], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
        for port in set_up.servers:
            _wait_for(f"node {port} answering", partial(_answers, port))
        subprocess.run(
            [_binary("redis-cli"), "--cluster", "create", *set_up.nodes, "--cluster-yes"],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=STARTUP_DEADLINE_SECONDS,
        )
        for port in set_up.servers:
            _wait_for(f"node {port} cluster_state:ok", partial(_cluster_ok, port))
        yield set_up
    finally:
        for process in set_up.servers.values():
            if process.poll() is None:
                process.terminate()
        for process in set_up.servers.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


async def close_dropped_nodes(ports: Iterable[int]) -> int:
    """Close what is left open to these nodes by a closed cluster client; how many node
    objects had connections open.

    After a node restarts, redis-py's asyncio cluster client makes new node objects
    while it re-reads the layout and drops some that opened a connection meanwhile;
    its aclose() cannot reach those, and they warn when collected much later.
    """
    names = {f"{HOST}:{port}" for port in ports}
    dropped = [
        node
        for node in gc.get_objects()
        if isinstance(node, ClusterNode)
        and node.name in names
        and any(connection.is_connected for connection in node._connections)
    ]
    for node in dropped:
        await node.disconnect()
    return len(dropped)
