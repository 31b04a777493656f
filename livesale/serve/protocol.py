"""What the supervisor and its children agree on: the command line, the settings, readiness.

A child is `python -m livesale.serve.child {media|shop} --ready-fd N --parent PID`.
It reads its settings, pickled, from stdin (never from argv, which `ps`
shows, nor from a file: they hold secrets), and writes one line to fd N:
`ready` once it serves, or `error <message>` when it cannot start.
"""

from __future__ import annotations

import enum
import os
import sys

CHILD_MODULE = "livesale.serve.child"
READY = "ready"
ERROR = "error"


class ChildKind(enum.Enum):
    """What a child process serves."""

    # The whole app (relay, lifecycle, room) on the unix socket only.
    MEDIA = "media"
    # The app in the SHOP role on the public port, shared through SO_REUSEPORT.
    SHOP = "shop"


def child_command(kind: ChildKind, ready_fd: int) -> list[str]:
    """The command line of a child of this process."""
    return [
        sys.executable,
        "-m",
        CHILD_MODULE,
        kind.value,
        "--ready-fd",
        str(ready_fd),
        "--parent",
        str(os.getpid()),
    ]
