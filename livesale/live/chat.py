"""Sending a chat message: every rule, in order, then SQLite, then the room.

Order: text (empty, too long), ban, mute, blocked words, then another
guest's ban of the address, slow mode and the rate limits in one Redis
script, so a refused message never spends the sender's budget (and a
flood costs one Redis call a message). Bans, mutes and the rate limit follow
the person, not the cookie: a ban or mute also holds the address the guest
was last seen at, and each address has a rate of its own in each show,
whichever guests it chats as. The creator is exempt from all but the text
rules, a moderator from slow mode and from other guests' bans and mutes of
its address. Roles are looked up per message, so naming or removing a
moderator takes effect at once.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from livesale import metrics
from livesale.config import ChatSettings
from livesale.domain.chat import (
    ChatMessage,
    Participant,
    Role,
    check_blocked_words,
    clean_chat_text,
)
from livesale.domain.errors import (
    ChatBanned,
    ChatMuted,
    ChatRateLimited,
    ChatRejected,
    ChatSlowMode,
    ViewerRequired,
)
from livesale.domain.person import UNKNOWN_ADDRESS
from livesale.live.events import chat_message
from livesale.live.name_guard import CreatorNameGuard
from livesale.storage.address_bans import AddressBans, banned_at_key
from livesale.storage.chat import ChatRepository, ModerationRepository
from livesale.storage.room_redis import ChatLimits

Publish = Callable[[str, dict[str, Any]], Awaitable[None]]


class ChatService:
    """Validates, rate-limits, stores and publishes chat messages."""

    def __init__(
        self,
        settings: ChatSettings,
        messages: ChatRepository,
        moderation: ModerationRepository,
        address_bans: AddressBans,
        limits: ChatLimits,
        publish: Publish,
        clock: Callable[[], float] = time.time,
        names: CreatorNameGuard | None = None,
    ) -> None:
        self._names = names
        self._settings = settings
        self._messages = messages
        self._moderation = moderation
        self._address_bans = address_bans
        self._limits = limits
        self._publish = publish
        self._clock = clock

    async def send(
        self,
        show_id: str,
        creator_id: str | None,
        who: Participant,
        text: object,
        address: str = UNKNOWN_ADDRESS,
    ) -> ChatMessage:
        """Post `text` as `who` (from `address`) in the show; raises a ChatRejected (or
        ViewerRequired)."""
        if who.role == Role.ANONYMOUS or who.id is None or who.display_name is None:
            metrics.ROOM_CHAT_REJECTED.labels(ViewerRequired.code).inc()
            raise ViewerRequired("choose a display name to chat")
        try:
            cleaned = clean_chat_text(text, self._settings.max_length)
            role = await self._role(creator_id, who)
            if self._names is not None:
                await self._names.check(creator_id, who)  # ChatNameReserved
            if role != Role.CREATOR:
                await self._check_viewer(show_id, creator_id, who.id, address, role, cleaned)
        except ChatRejected as exc:
            metrics.ROOM_CHAT_REJECTED.labels(exc.code).inc()
            raise
        message = await self._messages.add(show_id, who.id, who.display_name, role, cleaned)
        await self._publish(show_id, chat_message(message))
        metrics.ROOM_CHAT_MESSAGES.inc()
        return message

    async def history(self, show_id: str) -> list[ChatMessage]:
        """The show's last `chat.history` messages, oldest first."""
        return await self._messages.recent(show_id, self._settings.history)

    async def _role(self, creator_id: str | None, who: Participant) -> Role:
        if who.role == Role.CREATOR or creator_id is None or who.id is None:
            return who.role
        if await self._moderation.is_moderator(creator_id, who.id):
            return Role.MODERATOR
        return Role.VIEWER

    async def _check_viewer(
        self,
        show_id: str,
        creator_id: str | None,
        viewer_id: str,
        address: str,
        role: Role,
        text: str,
    ) -> None:
        words: list[str] = list(self._settings.blocked_words)
        # A moderator sharing an address with a banned or muted guest keeps its voice.
        held_address = address if role == Role.VIEWER else None
        if creator_id is not None:
            if await self._moderation.is_banned(creator_id, viewer_id):
                raise ChatBanned("you are banned from this creator's shows")
            words += await self._moderation.blocked_words(creator_id)
        mute = await self._limits.mute_of(show_id, viewer_id, held_address)
        if mute is not None and mute.by_address:
            metrics.ROOM_ADDRESS_LIMITED.labels("mute").inc()
            raise ChatMuted(
                "your address is muted in this show", muted_until=mute.until, reason="address"
            )
        if mute is not None:
            raise ChatMuted("you are muted in this show", muted_until=mute.until)
        check_blocked_words(text, words)
        now_ms = int(self._clock() * 1000)
        admission = await self._limits.admit(
            show_id,
            viewer_id,
            address,
            now_ms,
            address_ban_key=(
                banned_at_key(creator_id, held_address)
                if creator_id is not None and held_address is not None
                else None
            ),
            window_ms=int(self._settings.rate_window_seconds * 1000),
            max_messages=self._settings.rate_messages,
            address_window_ms=int(self._settings.address_rate_window_seconds * 1000),
            address_max_messages=self._settings.address_rate_messages,
            slow_mode=role == Role.VIEWER,
            rate_limit=True,
        )
        if admission.verdict == "banned" and creator_id is not None:
            await self._address_bans.record_catch(creator_id, admission.scope, viewer_id)
            metrics.ROOM_ADDRESS_LIMITED.labels("ban").inc()
            raise ChatBanned(
                "chat is closed to your address in this creator's shows", reason="address"
            )
        if admission.verdict == "slow":
            raise ChatSlowMode(
                "slow mode is on: wait before sending again",
                retry_after_ms=admission.retry_after_ms,
            )
        if admission.verdict == "rate":
            if admission.scope == "address":
                metrics.ROOM_ADDRESS_LIMITED.labels("chat").inc()
            raise ChatRateLimited(
                "too many messages: wait before sending again",
                retry_after_ms=admission.retry_after_ms,
                reason=admission.scope,
            )
