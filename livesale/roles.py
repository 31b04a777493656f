"""What one server process runs: everything, or the shop side of `livesale serve`."""

from __future__ import annotations

import enum
from pathlib import Path

from livesale.config import Settings

MEDIA_SOCKET_NAME = "media.sock"


class Role(enum.Enum):
    """The part of the application a process serves."""

    # Video, shop, pages and rooms in one process.
    ALL = "all"
    # The media process of `livesale serve`: everything ALL has, minus the shop's
    # background jobs, which the shop processes run away from the video's loop.
    MEDIA = "media"
    # Shop, pages and rooms; WHIP/WHEP are forwarded to the media process.
    SHOP = "shop"


def media_socket_path(settings: Settings) -> Path:
    """The media process's unix socket: every process of one data folder finds it here."""
    return (settings.data_dir / MEDIA_SOCKET_NAME).resolve()
