"""The parts a test app was built with, as the composition root built them."""

from __future__ import annotations

from aiohttp import web

from livesale.composition.services import SERVICES, LocalVideo, RemoteVideo
from livesale.media.service import MediaService
from livesale.web.media_proxy import MediaProxy


def relay(app: web.Application) -> MediaService:
    """The app's own relay (roles ALL and MEDIA); fails for a shop process."""
    video = app[SERVICES].video
    assert isinstance(video, LocalVideo), "this process forwards its video to the media process"
    return video.media


def proxy(app: web.Application) -> MediaProxy:
    """The app's way to the media process (role SHOP); fails for a relaying process."""
    video = app[SERVICES].video
    assert isinstance(video, RemoteVideo), "this process relays its own video"
    return video.proxy
