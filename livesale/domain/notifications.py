"""What a person can be notified of, and the words a notification carries."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class NotificationKind(StrEnum):
    """The events a person is told about (each can be turned off on its own)."""

    LIVE = "live"  # a followed creator went live
    REMINDER_SOON = "reminder_soon"  # a reminded show starts within 15 minutes
    REMINDER_LIVE = "reminder_live"  # a reminded show went live
    SHIPPED = "shipped"  # one of the person's orders was shipped
    MESSAGE = "message"  # a direct message arrived (sent by the messages feature)
    OUTBID = "outbid"  # someone bid higher in an auction (sent by the auctions feature)


@dataclass(frozen=True, slots=True)
class Notification:
    """One notification of one person: `params` fill its words (show title, creator name)."""

    id: str
    kind: NotificationKind
    params: dict[str, Any]
    more: int
    created_at: float
    read: bool

    def json(self) -> dict[str, Any]:
        """As the API gives it."""
        return {
            "id": self.id,
            "kind": self.kind.value,
            "params": self.params,
            "more": self.more,
            "created_at": self.created_at,
            "read": self.read,
        }
