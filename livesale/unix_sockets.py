"""Unix socket checks shared by the embedded Redis and the media process."""

from __future__ import annotations

import socket
from pathlib import Path


def someone_listens(path: Path) -> bool:
    """Whether a process accepts connections on the socket file at `path`.

    A file nobody answers on is left over from a crash: the next server replaces it.
    """
    if not path.exists():
        return False
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        try:
            probe.connect(str(path))
        except OSError:
            return False
    return True
