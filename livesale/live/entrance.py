"""The room's entrance: who a connection is, what it is told about itself, who it counts as.

Everything a joining connection is checked against before it gets the
snapshot: a ban of the guest itself (refused before the upgrade), the role
it chats with, its mute (its own or its address's), and the audience key it
is counted under in the show's viewer count and analytics.
"""

from __future__ import annotations

from typing import Any

from livesale.config import RoomSettings
from livesale.domain.accounts import Creator, Viewer
from livesale.domain.analytics import audience_key
from livesale.domain.chat import Participant, Role
from livesale.domain.errors import ChatBanned, TooManyConnections
from livesale.domain.shows import Show
from livesale.live.fanout import Connection
from livesale.live.protocol import CLOSE_TOO_MANY_CONNECTIONS, dumps, error_event_of
from livesale.storage.chat import ModerationRepository
from livesale.storage.room_redis import ChatLimits


class Entrance:
    """Looks at each joining connection of every show's room."""

    def __init__(
        self, settings: RoomSettings, moderation: ModerationRepository, limits: ChatLimits
    ) -> None:
        self._settings = settings
        self._moderation = moderation
        self._limits = limits

    async def participant(
        self, show: Show, creator: Creator | None, viewer: Viewer | None
    ) -> Participant:
        """Who is connecting; ChatBanned for a viewer banned from the show's creator."""
        if creator is not None and show.creator_id == creator.id:
            return Participant(creator.id, creator.display_name, Role.CREATOR)
        if viewer is None:
            return Participant(None, None, Role.ANONYMOUS)
        if show.creator_id is not None:
            if await self._moderation.is_banned(show.creator_id, viewer.id):
                raise ChatBanned("you are banned from this creator's shows")
            if await self._moderation.is_moderator(show.creator_id, viewer.id):
                return Participant(viewer.id, viewer.display_name, Role.MODERATOR)
        return Participant(viewer.id, viewer.display_name, Role.VIEWER)

    async def you(self, show_id: str, who: Participant, address: str) -> dict[str, Any]:
        """The snapshot's `you`; notes where a guest watches from, for a later ban or mute."""
        muted_until = None
        if who.id is not None and who.role != Role.CREATOR:
            await self._limits.remember_address(who.id, address)
            # A moderator keeps its voice when its address is held by someone else's mute.
            address_too = address if who.role is Role.VIEWER else None
            mute = await self._limits.mute_of(show_id, who.id, address_too)
            muted_until = None if mute is None else mute.until
        return {
            "id": who.id,
            "display_name": who.display_name,
            "role": who.role.value,
            "muted_until": muted_until,
        }

    async def audience(
        self, show_id: str, who: Participant, visitor_id: str | None, address: str
    ) -> str:
        """Who the connection is among the show's audience: its own key while the address
        has been counted as fewer people than the cap, the address itself after (so an
        address is never more than the cap of unique viewers)."""
        key = audience_key(who.id, visitor_id)
        others = self._settings.max_counted_viewers_per_address - 1
        if await self._limits.counted_audience(show_id, address, key, others):
            return key
        return "address:" + address

    async def refuse_over_cap(self, conn: Connection) -> None:
        """Tell a connection its address holds too many already, then close it (4029)."""
        limit = self._settings.max_connections_per_address
        refusal = TooManyConnections("too many room connections from your address", limit=limit)
        await conn.send_raw(dumps(error_event_of(refusal)).encode())
        await conn.ws.close(code=CLOSE_TOO_MANY_CONNECTIONS, message=b"too many connections")
