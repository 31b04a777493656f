"""The video side of the app in each role: the relay in this process, or the media process's."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AsyncExitStack
from typing import TYPE_CHECKING

from aiohttp import web

from livesale import keys
from livesale.roles import Role, media_socket_path
from livesale.web.ice_route import add_ice_servers_route
from livesale.web.media_proxy import MEDIA_PROXY, MediaProxy, add_media_proxy_routes
from livesale.web.on_air import ON_AIR, LocalOnAir, RemoteOnAir

if TYPE_CHECKING:
    from livesale.media.recording import RecordingStore


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


async def open_video(
    app: web.Application, stack: AsyncExitStack, recordings: RecordingStore
) -> Callable[[str], bool]:
    """Open the video side (closed by `stack`); returns "does this process hold the publisher".

    `recordings` is where a relaying process lists the parts it records.
    """
    settings = app[keys.SETTINGS]
    if app[keys.ROLE] is Role.SHOP:
        proxy = MediaProxy(media_socket_path(settings))
        stack.push_async_callback(proxy.close)
        app[MEDIA_PROXY] = proxy
        app[ON_AIR] = RemoteOnAir(app[keys.REDIS], proxy)
        # Publishers are held by the media process, whose lifecycle keeps their
        # Redis keys alive; this one's sweeper sees those keys and leaves the shows be.
        return _holds_no_publisher
    from livesale.media.relay import open_relay

    media = open_relay(settings, recordings, app[keys.SHOWS].get, stack)
    app[keys.MEDIA] = media
    app[ON_AIR] = LocalOnAir(media)
    # Still connecting counts as held: a creator going live is not "reconnecting".
    return media.holds_publisher


def _holds_no_publisher(_show_id: str) -> bool:
    return False
