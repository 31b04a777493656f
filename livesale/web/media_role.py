"""The video side of the app in each role: the relay in this process, or the media process's."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AsyncExitStack

from aiohttp import web

from livesale import keys
from livesale.roles import Role, media_socket_path
from livesale.web.ice_route import add_ice_servers_route
from livesale.web.media_proxy import MediaProxy, add_media_proxy_routes
from livesale.web.on_air import LocalOnAir, RemoteOnAir


def add_video_routes(app: web.Application, role: Role) -> None:
    """WHIP/WHEP handled here (ALL) or forwarded to the media process (SHOP)."""
    # Every role hands out ICE servers itself: they come from settings alone, and
    # every page load asks for them, which must not reach the video's event loop.
    add_ice_servers_route(app)
    if role is Role.SHOP:
        add_media_proxy_routes(app)
        return
    # Imported here: a shop process never relays, and aiortc and av cost ~35 MB.
    from livesale.web.media_routes import add_media_routes

    add_media_routes(app)


async def open_video(app: web.Application, stack: AsyncExitStack) -> Callable[[str], bool]:
    """Open the video side (closed by `stack`); returns "does this process hold the publisher"."""
    settings = app[keys.SETTINGS]
    if app[keys.ROLE] is Role.SHOP:
        proxy = MediaProxy(media_socket_path(settings))
        stack.push_async_callback(proxy.close)
        app[keys.MEDIA_PROXY] = proxy
        app[keys.ON_AIR] = RemoteOnAir(app[keys.REDIS], proxy)
        # Publishers are held by the media process, whose lifecycle keeps their
        # Redis keys alive; this one's sweeper sees those keys and leaves the shows be.
        return _holds_no_publisher
    from livesale.media.recording import Recordings
    from livesale.media.recording_repair import CutPartRepair
    from livesale.media.service import MediaService
    from livesale.storage.recordings import RecordingRepository

    # This process records (the media process, or the only one): repair what a
    # crash cut short, in the background, whether or not recording is on now.
    store = RecordingRepository(app[keys.DATABASE])
    repair = CutPartRepair(store, settings.recordings_dir)
    repair.start()
    stack.push_async_callback(repair.close)
    recordings = None
    if settings.recording.enabled:
        recordings = Recordings(
            settings.recording, settings.recordings_dir, store, app[keys.SHOWS].get
        )
    media = MediaService(settings.media, recordings)
    stack.push_async_callback(media.close)
    app[keys.MEDIA] = media
    app[keys.ON_AIR] = LocalOnAir(media)
    # Still connecting counts as held: a creator going live is not "reconnecting".
    return media.holds_publisher


def _holds_no_publisher(_show_id: str) -> bool:
    return False
