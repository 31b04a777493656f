"""One child of `livesale serve`: the media process or a shop process.

Run by the supervisor as `python -m livesale.serve.child` (see `protocol`).
Each child tunes itself as a single-process `livesale serve` does: its own
event loop (uvloop), open-file limit and garbage-collector policy.
"""

from __future__ import annotations

import argparse
import ctypes
import logging
import os
import pickle
import signal
import socket
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO

from redis.exceptions import RedisError

from livesale.config import ConfigError, Settings
from livesale.data_folder import PRIVATE_UMASK
from livesale.logging_setup import configure_logging
from livesale.roles import Role, media_socket_path
from livesale.serve.protocol import ERROR, READY, ChildKind
from livesale.storage.redis_client import RedisMisconfigured
from livesale.storage.redis_server import EmbeddedRedisError

logger = logging.getLogger(__name__)

# Failures with a message that says it all; anything else also logs its traceback.
_EXPECTED = (ConfigError, EmbeddedRedisError, OSError, RedisError, RedisMisconfigured)
_PR_SET_PDEATHSIG = 1


class Readiness:
    """The one line a child writes to the supervisor."""

    def __init__(self, channel: IO[str]) -> None:
        self._channel = channel
        self.reported = False

    def ready(self, _message: str = "") -> None:
        """Tell the supervisor this process serves (aiohttp calls it once bound)."""
        self._say(READY)

    def failed(self, message: str) -> None:
        """Tell the supervisor why this process cannot start."""
        # One line: the message is the rest of it.
        self._say(f"{ERROR} {' '.join(message.split())}")

    def _say(self, line: str) -> None:
        self.reported = True
        self._channel.write(line + "\n")
        self._channel.close()


def main(argv: Sequence[str] | None = None) -> int:
    """Serve as the supervisor asks; returns the exit status."""
    args = _parser().parse_args(argv)
    _die_with_parent(args.parent)
    # From our own parent through a private pipe: trusted, like our own memory.
    settings: Settings = pickle.load(sys.stdin.buffer)
    # Inherited from the supervisor already; said again so no child can write files others read.
    os.umask(PRIVATE_UMASK)
    with os.fdopen(args.ready_fd, "w", encoding="utf-8") as channel:
        readiness = Readiness(channel)
        try:
            configure_logging(settings.log)
            _serve(ChildKind(args.kind), settings, readiness.ready)
        except Exception as exc:
            if readiness.reported:
                raise  # it failed while serving: the traceback says where
            if not isinstance(exc, _EXPECTED):
                logger.exception("cannot start")
            readiness.failed(str(exc) or type(exc).__name__)
            return 1
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="livesale.serve.child", description=__doc__)
    parser.add_argument("kind", choices=[kind.value for kind in ChildKind])
    parser.add_argument("--ready-fd", type=int, required=True)
    parser.add_argument("--parent", type=int, required=True)
    return parser


def _serve(kind: ChildKind, settings: Settings, ready: Callable[[str], None]) -> None:
    # Imported here: a failing argument or pipe is reported before aiortc loads.
    from livesale.app import served_app
    from livesale.process_tuning import new_event_loop
    from livesale.web.serving import run_app

    app = served_app(settings, Role.SHOP if kind is ChildKind.SHOP else Role.MEDIA)
    if kind is ChildKind.SHOP:
        # Every shop process binds the public port; the kernel spreads connections.
        run_app(app, settings, loop=new_event_loop(settings), ready=ready, reuse_port=True)
        return
    path = media_socket_path(settings)
    sock = _private_unix_socket(path)
    try:
        run_app(app, settings, loop=new_event_loop(settings), ready=ready, sock=sock)
    finally:
        path.unlink(missing_ok=True)


def _private_unix_socket(path: Path) -> socket.socket:
    """A unix socket bound at `path` that only this user can connect to."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    # The mode comes from the umask at bind time; setting it there leaves no
    # moment when others could connect. Nothing else runs yet in this process.
    previous = os.umask(0o177)
    try:
        sock.bind(str(path))
    except BaseException:
        sock.close()
        raise
    finally:
        os.umask(previous)
    return sock


def _die_with_parent(parent: int) -> None:
    """Get SIGTERM when the supervisor dies, even by SIGKILL (Linux), so no child outlives it."""
    if sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:
        # The supervisor was already gone before the line above took effect.
        raise SystemExit(1)


def run() -> None:
    """Run main() and leave at once, without waiting for leftover worker threads.

    A worker thread left behind by a shutdown cut short (a database thread, an
    executor's) would otherwise keep this process alive after its supervisor died.
    """
    status = 1
    try:
        status = main()
    except BaseException:
        traceback.print_exc()
    finally:
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)


if __name__ == "__main__":
    run()
