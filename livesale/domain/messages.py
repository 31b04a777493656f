"""Direct messages between a viewer and a shop: who may write, sides, references (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from livesale.domain.accounts import ViewerAccount
from livesale.domain.chat import clean_chat_text


class Side(StrEnum):
    """Which end of a conversation wrote or acts: the viewer, or the shop (creator or moderator)."""

    VIEWER = "viewer"
    SHOP = "shop"

    @property
    def other(self) -> Side:
        """The side across the conversation."""
        return Side.SHOP if self is Side.VIEWER else Side.VIEWER


class RefKind(StrEnum):
    """What a message may be about."""

    ORDER = "order"
    PRODUCT = "product"


@dataclass(frozen=True, slots=True)
class Reference:
    """An order or product a message is about (shown as a card)."""

    kind: RefKind
    id: str


@dataclass(frozen=True, slots=True)
class Conversation:
    """The one conversation between a viewer and a shop, with each side's read and block state."""

    id: str
    viewer_id: str
    creator_id: str
    created_at: float
    last_message_at: float
    viewer_read_id: int
    shop_read_id: int
    viewer_blocked: bool
    shop_blocked: bool

    @property
    def blocked(self) -> bool:
        """Whether either side blocked the other (then nobody may send)."""
        return self.viewer_blocked or self.shop_blocked

    def read_id(self, side: Side) -> int:
        """The last message id `side` has read."""
        return self.viewer_read_id if side is Side.VIEWER else self.shop_read_id

    def blocked_by(self, side: Side) -> bool:
        """Whether `side` blocked the other side."""
        return self.viewer_blocked if side is Side.VIEWER else self.shop_blocked


@dataclass(frozen=True, slots=True)
class DirectMessage:
    """One stored message; `author_id` is a viewer id or, for the shop, a creator or moderator."""

    id: int
    conversation_id: str
    side: Side
    author_id: str
    text: str
    reference: Reference | None
    created_at: float


@dataclass(frozen=True, slots=True)
class InboxEntry:
    """A conversation as an inbox lists it: the last message and how many are unread."""

    conversation: Conversation
    last: DirectMessage | None
    unread: int


def may_message(viewer_id: str | None, account: ViewerAccount | None) -> bool:
    """Whether this person may write to shops: a viewer with an account of their own.

    An account (email and password, or passkeys) is a person a shop can hold to
    their words across devices; a bare guest cookie is not. Moderators answering
    for a shop are not asked this: the creator chose them by name.
    """
    return viewer_id is not None and account is not None and account.viewer_id == viewer_id


def clean_message_text(text: object, max_length: int) -> str:
    """A message's text cleaned as chat is (NFC, invisible characters dropped, length capped)."""
    return clean_chat_text(text, max_length)
