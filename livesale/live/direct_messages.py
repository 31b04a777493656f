"""Direct messages: who may read and write a conversation, sending (a shop's answer is a
notification for the person), blocking, reporting."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

from redis.asyncio import Redis

from livesale import metrics
from livesale.config import MessageSettings
from livesale.domain.accounts import Creator, Viewer
from livesale.domain.errors import (
    AccountRequired,
    ConversationNotFound,
    DmBlocked,
    OrderNotFound,
    ProductNotFound,
    ValidationFailed,
    ViewerRequired,
)
from livesale.domain.messages import (
    Conversation,
    DirectMessage,
    InboxEntry,
    Reference,
    RefKind,
    Side,
    clean_message_text,
    may_message,
)
from livesale.live.notifier import Notifier
from livesale.storage.chat import ModerationRepository
from livesale.storage.creators import CreatorRepository
from livesale.storage.messages import MessageRepository
from livesale.storage.orders import OrderRepository
from livesale.storage.products import ProductRepository
from livesale.storage.rate_limits import RateLimiter
from livesale.storage.viewer_accounts import ViewerAccounts

logger = logging.getLogger(__name__)

THREAD_PAGE = 50
MAX_REPORT_LENGTH = 500


def viewer_channel(viewer_id: str) -> str:
    """The pub/sub channel of one person's direct messages."""
    return f"livesale:dm:viewer:{viewer_id}"


def shop_channel(creator_id: str) -> str:
    """The pub/sub channel of one shop's direct messages (its creator and moderators)."""
    return f"livesale:dm:shop:{creator_id}"


@dataclass(frozen=True, slots=True)
class Caller:
    """Who makes a request: the signed-in creator and the guest viewer, either may be absent."""

    creator: Creator | None
    viewer: Viewer | None


@dataclass(frozen=True, slots=True)
class Seat:
    """The side a caller holds in one conversation, and the id they write under."""

    conversation: Conversation
    side: Side
    author_id: str


class DirectMessages:
    """Conversations between a viewer and a shop; the creator and their moderators answer."""

    def __init__(
        self,
        repo: MessageRepository,
        moderation: ModerationRepository,
        orders: OrderRepository,
        products: ProductRepository,
        limiter: RateLimiter,
        redis: Redis,
        settings: MessageSettings,
        *,
        accounts: ViewerAccounts,
        creators: CreatorRepository,
        notifier: Notifier,
    ) -> None:
        self.repo = repo
        self._moderation = moderation
        self._orders = orders
        self._products = products
        self._limiter = limiter
        self._redis = redis
        self._settings = settings
        self._accounts = accounts
        self._creators = creators
        self._notifier = notifier

    async def seat(self, caller: Caller, conversation_id: str) -> Seat:
        """The caller's side of the conversation; ConversationNotFound if they have none.

        Not 403: a stranger learns nothing, not even that the conversation exists.
        """
        conversation = await self.repo.get(conversation_id)
        creator, viewer = caller.creator, caller.viewer
        if creator is not None and creator.id == conversation.creator_id:
            return Seat(conversation, Side.SHOP, creator.id)
        if viewer is not None and viewer.id == conversation.viewer_id:
            return Seat(conversation, Side.VIEWER, viewer.id)
        if viewer is not None and await self._moderation.is_moderator(
            conversation.creator_id, viewer.id
        ):
            return Seat(conversation, Side.SHOP, viewer.id)
        raise ConversationNotFound("no conversation has this id", id=conversation_id)

    async def may_answer_for(self, caller: Caller, creator_id: str) -> str | None:
        """The id the caller answers for this shop under (creator or moderator), or None."""
        if caller.creator is not None and caller.creator.id == creator_id:
            return caller.creator.id
        viewer = caller.viewer
        if viewer is not None and await self._moderation.is_moderator(creator_id, viewer.id):
            return viewer.id
        return None

    async def start(
        self, viewer: Viewer | None, creator_id: str, text: object, reference: Reference | None
    ) -> tuple[Conversation, DirectMessage]:
        """A viewer with an account writes to a shop: their conversation (opened if new)
        and the message."""
        if viewer is None:
            raise ViewerRequired(
                "writing to shops needs an account: choose a display name (PUT /api/viewer),"
                " then make one"
            )
        existing = await self.repo.find(viewer.id, creator_id)
        if existing is not None:
            seat = Seat(existing, Side.VIEWER, viewer.id)
            return existing, await self.send(seat, text, reference)  # asks for the account
        await self._require_account(viewer.id)
        # Checked before the conversation exists, so a refused message leaves nothing behind.
        cleaned = clean_message_text(text, self._settings.max_length)
        await self._check_reference(reference, viewer.id, creator_id)
        await self._limit(viewer.id)
        conversation = await self.repo.open(viewer.id, creator_id)
        seat = Seat(conversation, Side.VIEWER, viewer.id)
        return conversation, await self._store(seat, cleaned, reference)

    async def send(self, seat: Seat, text: object, reference: Reference | None) -> DirectMessage:
        """Send from the seat's side; DmBlocked when either side blocked the other.

        The viewer side needs an account; a shop's answer is a notification for the viewer.
        """
        conversation = seat.conversation
        if seat.side is Side.VIEWER:
            await self._require_account(seat.author_id)
        if conversation.blocked:
            metrics.DIRECT_MESSAGES_REFUSED.inc()
            raise DmBlocked("this conversation is blocked", id=conversation.id)
        cleaned = clean_message_text(text, self._settings.max_length)
        await self._check_reference(reference, conversation.viewer_id, conversation.creator_id)
        await self._limit(seat.author_id)
        message = await self._store(seat, cleaned, reference)
        if seat.side is Side.SHOP:
            await self._notify_viewer(conversation)
        return message

    async def thread(
        self, seat: Seat, before_id: int | None = None
    ) -> tuple[Conversation, list[DirectMessage]]:
        """A page of the conversation's messages; the seat's side has now read them."""
        messages = await self.repo.messages(seat.conversation.id, THREAD_PAGE, before_id)
        if messages and messages[-1].id > seat.conversation.read_id(seat.side):
            await self.repo.mark_read(seat.conversation.id, seat.side, messages[-1].id)
        return await self.repo.get(seat.conversation.id), messages

    async def set_blocked(self, seat: Seat, blocked: bool) -> Conversation:
        """The seat's side blocks or unblocks the other side."""
        await self.repo.set_blocked(seat.conversation.id, seat.side, blocked)
        conversation = await self.repo.get(seat.conversation.id)
        await self._announce(conversation, {"type": "block", "conversation_id": conversation.id})
        return conversation

    async def report(self, seat: Seat, reason: object, message_id: object) -> int:
        """Keep a report of the conversation (or one message of it) for the operator."""
        if not isinstance(reason, str) or not reason.strip():
            raise ValidationFailed("a reason is required", field="reason", reason="required")
        cleaned = clean_message_text(reason, MAX_REPORT_LENGTH)
        if message_id is not None and (
            isinstance(message_id, bool) or not isinstance(message_id, int)
        ):
            raise ValidationFailed(
                "message_id must be an integer", field="message_id", reason="wrong_type"
            )
        if message_id is not None and not await self.repo.holds(seat.conversation.id, message_id):
            raise ValidationFailed(
                "this conversation has no such message", field="message_id", reason="not_found"
            )
        await self._limit(seat.author_id)
        report_id = await self.repo.report(
            seat.conversation.id, seat.side, seat.author_id, cleaned, message_id
        )
        metrics.DIRECT_MESSAGE_REPORTS.inc()
        logger.info("direct message report %s on conversation %s", report_id, seat.conversation.id)
        return report_id

    async def inbox_of_viewer(self, viewer: Viewer) -> list[InboxEntry]:
        """The viewer's conversations, newest first."""
        return await self.repo.inbox_of_viewer(viewer.id)

    async def inbox_of_shop(self, creator_id: str) -> list[InboxEntry]:
        """The shop's conversations, unread first."""
        return await self.repo.inbox_of_shop(creator_id)

    async def _require_account(self, viewer_id: str) -> None:
        """AccountRequired unless this viewer may write to shops (`may_message`)."""
        if not may_message(viewer_id, await self._accounts.account(viewer_id)):
            raise AccountRequired(
                "make an account to write to shops",
                create_with=["POST /api/viewer/account", "POST /api/viewer/passkeys"],
            )

    async def _notify_viewer(self, conversation: Conversation) -> None:
        """Tell the viewer (bell and push, per their settings) that the shop answered."""
        try:
            shop = await self._creators.get(conversation.creator_id)
            await self._notifier.message_arrived(
                conversation.viewer_id, shop.display_name, conversation.id
            )
        except Exception:
            # The message is stored and on its way to open pages: a failed notice must
            # not read as a failed send (the shop would send it again).
            logger.exception("direct message notice for %s failed", conversation.id)

    async def _store(self, seat: Seat, text: str, reference: Reference | None) -> DirectMessage:
        message = await self.repo.add(
            seat.conversation.id, seat.side, seat.author_id, text, reference
        )
        metrics.DIRECT_MESSAGES.labels(seat.side.value).inc()
        await self._announce(
            seat.conversation,
            {
                "type": "message",
                "conversation_id": message.conversation_id,
                "message_id": message.id,
            },
        )
        return message

    async def announce_gone(self, conversation_id: str, viewer_id: str, creator_id: str) -> None:
        """Tell both sides' open pages that a conversation was deleted (its person erased)."""
        event = json.dumps({"type": "resync", "conversation_id": conversation_id})
        for channel in (viewer_channel(viewer_id), shop_channel(creator_id)):
            await self._redis.publish(channel, event)

    async def _announce(self, conversation: Conversation, news: dict[str, object]) -> None:
        """Tell both sides' open pages, on every process, that the conversation changed.

        Only ids travel: each page reads the conversation as its own side sees it.
        """
        event = json.dumps(news)
        for channel in (
            viewer_channel(conversation.viewer_id),
            shop_channel(conversation.creator_id),
        ):
            await self._redis.publish(channel, event)

    async def _limit(self, author_id: str) -> None:
        await self._limiter.check(
            f"dm:{author_id}",
            self._settings.rate_messages,
            self._settings.rate_window_seconds,
            "direct messages",
        )

    async def _check_reference(
        self, reference: Reference | None, viewer_id: str, creator_id: str
    ) -> None:
        """An order must be this viewer's at this shop; a product must be this shop's."""
        if reference is None:
            return
        if reference.kind is RefKind.ORDER:
            order = await self._orders.get(reference.id)
            if order is None or order.viewer_id != viewer_id or order.creator_id != creator_id:
                raise OrderNotFound("no order of yours at this shop has this id", id=reference.id)
            return
        product = await self._products.get(reference.id)
        if product.creator_id != creator_id:
            raise ProductNotFound("this shop has no product with this id", id=reference.id)
