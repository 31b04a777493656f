"""Who may moderate a show, and the moderation actions themselves.

The show's creator may do everything. A moderator the creator named may
delete messages, mute and ban (but not mute or ban another moderator) in that
creator's shows only. Slow mode, the moderator list and blocked words are the
creator's alone. Bans and moderators span the creator's whole channel; mutes
are per show and expire by themselves. A ban or mute also holds the address
the guest was last seen at in a room (for `chat.address_ban_seconds`, or the
mute's length), so dropping the cookie does not bring the guest back.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from livesale import metrics
from livesale.config import ChatSettings
from livesale.domain.accounts import Creator, Viewer
from livesale.domain.chat import Role, normalise_blocked_words
from livesale.domain.errors import (
    NotModerator,
    NotOwner,
    NotSignedIn,
)
from livesale.domain.shows import Show
from livesale.domain.validation import check_whole_number
from livesale.live.events import chat_deleted_message, slow_mode_message
from livesale.storage.address_bans import AddressBans
from livesale.storage.chat import ChatRepository, ModerationRepository
from livesale.storage.room_redis import ChatLimits
from livesale.storage.shows import ShowRepository

Publish = Callable[[str, dict[str, Any]], Awaitable[None]]
Kick = Callable[[str, str], Awaitable[None]]
ShowState = Callable[[str], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class Moderator:
    """Someone allowed to moderate a show: the creator, or a named moderator."""

    id: str
    role: Role
    show: Show
    creator_id: str


@dataclass(frozen=True, slots=True)
class Ban:
    """A creator's ban of a viewer, with the addresses it holds and the guests they caught."""

    viewer_id: str
    display_name: str
    banned_at: float
    addresses_held: int
    others_caught: int


@dataclass(frozen=True, slots=True)
class NamedModerator:
    """A viewer the creator named moderator of their shows."""

    id: str
    display_name: str
    added_at: float


class ModerationService:
    """Deletes, mutes, bans, slow mode, moderators and blocked words."""

    def __init__(
        self,
        settings: ChatSettings,
        shows: ShowRepository,
        messages: ChatRepository,
        moderation: ModerationRepository,
        address_bans: AddressBans,
        limits: ChatLimits,
        publish: Publish,
        kick: Kick,
        show_state: ShowState,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._settings = settings
        self._shows = shows
        self._messages = messages
        self._moderation = moderation
        self._address_bans = address_bans
        self._limits = limits
        self._publish = publish
        self._kick = kick
        self._show_state = show_state
        self._clock = clock

    @property
    def max_mute_seconds(self) -> int:
        """The longest mute a moderator may give."""
        return self._settings.max_mute_seconds

    @property
    def max_slow_mode_seconds(self) -> int:
        """The longest wait slow mode may put between one viewer's messages."""
        return self._settings.max_slow_mode_seconds

    async def authorize(
        self, show_id: str, creator: Creator | None, viewer: Viewer | None, *, creator_only: bool
    ) -> Moderator:
        """The caller as a moderator of the show; NotSignedIn, NotOwner or NotModerator else."""
        show = await self._shows.get(show_id)
        owner = show.creator_id
        if creator is not None and owner is not None and creator.id == owner:
            return Moderator(creator.id, Role.CREATOR, show, owner)
        if creator is None and viewer is None:
            raise NotSignedIn("sign in, or choose a display name, to moderate")
        if creator_only or owner is None:
            raise NotOwner("only the show's creator may do this")
        if viewer is not None and await self._moderation.is_moderator(owner, viewer.id):
            return Moderator(viewer.id, Role.MODERATOR, show, owner)
        raise NotModerator("only the show's creator or their moderators may do this")

    async def delete_message(self, actor: Moderator, message_id: int) -> None:
        """Delete a message of the show and tell every viewer."""
        await self._messages.delete(actor.show.id, message_id, actor.id)
        await self._publish(actor.show.id, chat_deleted_message(message_id))
        _count("delete")

    async def mute(self, actor: Moderator, viewer_id: str, seconds: int) -> tuple[float, bool]:
        """Mute a viewer (and its last address) in the show for `seconds`; returns until when
        (epoch seconds) and whether an address is held too."""
        target = await self._target(actor, viewer_id)
        check_whole_number(seconds, "seconds", 1, self._settings.max_mute_seconds)
        until_ms = int((self._clock() + seconds) * 1000)
        address = await self._limits.last_address(target)
        await self._limits.mute(actor.show.id, target, address, until_ms, seconds)
        _count("mute")
        return until_ms / 1000, address is not None

    async def ban(self, actor: Moderator, viewer_id: str) -> bool:
        """Ban a viewer (and its last address) from the creator's shows and close their open
        rooms; returns whether an address is held too."""
        target = await self._target(actor, viewer_id)
        await self._moderation.ban(actor.creator_id, target, actor.id)
        address = await self._limits.last_address(target)
        if address is not None:
            await self._address_bans.hold(actor.creator_id, target, address)
        _count("ban")
        await self._kick(actor.creator_id, target)
        return address is not None

    async def unban(self, actor: Moderator, viewer_id: str) -> bool:
        """Lift a ban and every address it holds; False if the viewer was not banned."""
        lifted = await self._moderation.unban(actor.creator_id, viewer_id)
        await self._address_bans.lift(actor.creator_id, viewer_id)
        if lifted:
            _count("unban")
        return lifted

    async def bans(self, creator: Creator) -> list[Ban]:
        """The creator's bans, with the addresses each holds and whom they caught."""
        rows = await self._moderation.bans(creator.id)
        ids = [viewer_id for viewer_id, _name, _at in rows]
        held = await self._address_bans.addresses_held(creator.id, ids)
        caught = await self._address_bans.caught(creator.id, ids)
        return [
            Ban(viewer_id, name, at, held[viewer_id], caught[viewer_id])
            for viewer_id, name, at in rows
        ]

    async def set_slow_mode(self, actor: Moderator, seconds: int) -> int:
        """Set the show's slow mode (0 = off) and tell every viewer."""
        check_whole_number(seconds, "seconds", 0, self._settings.max_slow_mode_seconds)
        await self._limits.set_slow_mode(actor.show.id, seconds)
        _count("slow_mode")
        state = await self._show_state(actor.show.id)
        await self._publish(actor.show.id, slow_mode_message(state, seconds))
        return seconds

    async def moderators(self, creator: Creator) -> list[NamedModerator]:
        """The creator's moderators."""
        rows = await self._moderation.moderators(creator.id)
        return [NamedModerator(vid, name, at) for vid, name, at in rows]

    async def add_moderator(self, creator: Creator, viewer_id: str) -> None:
        """Name a viewer moderator of all of the creator's shows."""
        await self._moderation.add_moderator(creator.id, viewer_id)
        _count("add_moderator")

    async def remove_moderator(self, creator: Creator, viewer_id: str) -> bool:
        """Remove a moderator; False if they were not one."""
        removed = await self._moderation.remove_moderator(creator.id, viewer_id)
        if removed:
            _count("remove_moderator")
        return removed

    async def blocked_words(self, creator: Creator) -> list[str]:
        """The creator's own blocked words."""
        return await self._moderation.blocked_words(creator.id)

    async def set_blocked_words(self, creator: Creator, words: Sequence[str]) -> list[str]:
        """Replace the creator's blocked words; returns the stored list."""
        cleaned = normalise_blocked_words(words)
        before = set(await self._moderation.blocked_words(creator.id))
        await self._moderation.set_blocked_words(creator.id, cleaned)
        # The list is replaced whole: each word it gains or loses is one action.
        _count("block_word", len(set(cleaned) - before))
        _count("unblock_word", len(before - set(cleaned)))
        return sorted(cleaned)

    async def _target(self, actor: Moderator, viewer_id: str) -> str:
        await self._moderation.viewer_name(viewer_id)  # ViewerNotFound
        if actor.role != Role.CREATOR and await self._moderation.is_moderator(
            actor.creator_id, viewer_id
        ):
            raise NotOwner("only the creator may mute or ban a moderator")
        return viewer_id


def _count(action: metrics.ModerationAction, times: int = 1) -> None:
    """Count moderation actions that took effect."""
    if times:
        metrics.count_moderation(action, times)
