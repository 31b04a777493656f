"""A creator's bans and moderators as the HTTP API returns them."""

from __future__ import annotations

from typing import Any

from livesale.live.moderation import Ban, NamedModerator


def ban_json(ban: Ban) -> dict[str, Any]:
    """One ban: the viewer, when, the addresses it holds and the other guests they caught."""
    return {
        "viewer_id": ban.viewer_id,
        "display_name": ban.display_name,
        "banned_at": ban.banned_at,
        "addresses_held": ban.addresses_held,
        "others_caught": ban.others_caught,
    }


def moderator_json(moderator: NamedModerator) -> dict[str, Any]:
    """One moderator: the viewer's id and name, and when they were named."""
    return {
        "id": moderator.id,
        "display_name": moderator.display_name,
        "added_at": moderator.added_at,
    }
