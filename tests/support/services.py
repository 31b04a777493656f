"""The parts a test app was built with, as the composition root built them."""

from __future__ import annotations

from aiohttp import web

from livesale.composition.services import SERVICES, LocalVideo
from livesale.media.service import MediaService


def relay(app: web.Application) -> MediaService:
    """The app's own relay (roles ALL and MEDIA); fails for a shop process."""
    video = app[SERVICES].video
    assert isinstance(video, LocalVideo), "this process forwards its video to the media process"
    return video.media
