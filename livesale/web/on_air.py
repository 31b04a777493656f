"""Whether a show's video is on air, and stopping it, wherever the video is relayed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from redis.asyncio import Redis

from livesale.live.lifecycle import publisher_key

if TYPE_CHECKING:
    from livesale.media.service import MediaService
    from livesale.web.media_proxy import MediaProxy


class OnAir(Protocol):
    """The show API's view of the video relay."""

    async def is_live(self, show_id: str) -> bool:
        """True while a publisher sends the show's video."""

    async def end_broadcast(self, show_id: str) -> None:
        """Hang up the show's publisher and viewers."""

    async def disconnect_publisher(self, show_id: str) -> bool:
        """Hang up the show's publisher, keeping its viewers; whether there was one."""


class LocalOnAir:
    """The video is relayed in this process."""

    def __init__(self, media: MediaService) -> None:
        self._media = media

    async def is_live(self, show_id: str) -> bool:
        """Asks the relay itself."""
        return self._media.is_live(show_id)

    async def end_broadcast(self, show_id: str) -> None:
        """Ends the broadcast here."""
        await self._media.end_broadcast(show_id)

    async def disconnect_publisher(self, show_id: str) -> bool:
        """Hangs up the publisher here."""
        return await self._media.disconnect_publisher(show_id)


class RemoteOnAir:
    """The video is relayed by the media process (a shop process of `livesale serve`)."""

    def __init__(self, redis: Redis, proxy: MediaProxy) -> None:
        self._redis = redis
        self._proxy = proxy

    async def is_live(self, show_id: str) -> bool:
        """The publisher key the media process's lifecycle keeps alive in Redis.

        It outlives a lost publisher by up to the key's TTL (10 s), which a
        show list can afford; asking the media process would put every page
        load of a busy sale on the video's event loop.
        """
        return bool(await self._redis.exists(publisher_key(show_id)))

    async def end_broadcast(self, show_id: str) -> None:
        """Asks the media process to end the broadcast (503 while it is down)."""
        await self._proxy.end_broadcast(show_id)

    async def disconnect_publisher(self, show_id: str) -> bool:
        """Asks the media process to hang up the publisher (503 while it is down)."""
        return await self._proxy.disconnect_publisher(show_id)
