"""The data folder is private to the user livesale runs as.

It holds buyers' names and addresses and creators' password hashes (SQLite),
the stock and carts (Redis's append-only file), recordings and uploads: it
was created world-readable. `livesale` commands now run with the umask 077,
so every file and folder they and their children (redis-server, the shop and
media processes) create is owner-only (0600 files, 0700 folders), and the
folders livesale owns are made owner-only at start if an older version left
them open.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
from pathlib import Path

from livesale.config import Settings

logger = logging.getLogger(__name__)

PRIVATE_UMASK = 0o077
PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
_OTHERS = stat.S_IRWXG | stat.S_IRWXO


def make_private(settings: Settings) -> None:
    """Set this process's umask to 077 and make livesale's folders owner-only."""
    os.umask(PRIVATE_UMASK)
    data_dir = settings.data_dir
    private_dir(data_dir)
    for folder in (settings.images_dir, settings.recordings_dir, settings.sqlite_path.parent):
        # Folders inside the data folder are livesale's; one elsewhere (an operator's
        # shared disk, /srv) is created private if missing, and left as it is otherwise.
        if _inside(folder, data_dir) or not folder.exists():
            private_dir(folder)


def private_dir(path: Path) -> None:
    """Create `path` (and its missing parents) owner-only, or take others' access away."""
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    _restrict(path, PRIVATE_DIR)


def private_file(path: Path, *, tell: bool = True) -> None:
    """Take group's and others' access to an existing file of ours away (a missing one: nothing).

    `tell=False` for a file just made under a looser umask (a test's, a library's).
    """
    with contextlib.suppress(FileNotFoundError):
        _restrict(path, PRIVATE_FILE, tell)


def _restrict(path: Path, mode: int, tell: bool = True) -> None:
    info = path.stat()
    if not info.st_mode & _OTHERS:
        return
    if info.st_uid != os.geteuid():
        logger.warning("%s is readable by others but not ours to change; restrict it", path)
        return
    os.chmod(path, mode)
    if tell:
        logger.warning("%s was open to other users; it is now owner-only (%o)", path, mode)


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())
