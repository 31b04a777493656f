"""Giveaways: a free unit drawn among a show's viewers, provably fairly (pure, no I/O).

Fairness: at the start the server draws a secret random seed and publishes
`sha256(seed)`; entries get consecutive ids ("000001", "000002", ...); at the
draw the seed is revealed and the winner is the entry at index

    int(sha256(seed + ":" + "\\n".join(sorted(entry_ids))).hexdigest(), 16) % len(entry_ids)

of the sorted entry ids (the seed is the 64 hex digits as published, the
text UTF-8). Anyone holding the published entries and seed can recompute it,
and check the seed against the hash published before the first entry.
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from livesale.domain.errors import ValidationFailed
from livesale.domain.validation import check_whole_number

MIN_GIVEAWAY_SECONDS = 10
MAX_GIVEAWAY_SECONDS = 300
MAX_RULES_LENGTH = 500
# Most entries one client address may make in one giveaway (as other per-person limits).
MAX_ENTRIES_PER_ADDRESS = 10
ENTRY_ID_DIGITS = 6


class GiveawayState(StrEnum):
    """Where a giveaway is: taking entries (open), drawn, or claimed by its winner."""

    OPEN = "open"
    DRAWN = "drawn"
    CLAIMED = "claimed"


@dataclass(frozen=True, slots=True)
class GiveawayRequest:
    """A giveaway as the creator asks for it (checked by `check_request`)."""

    variant_id: str
    duration_seconds: int
    rules: str


@dataclass(frozen=True, slots=True)
class Entry:
    """One entry as published: its id and the entrant's display name (no viewer id)."""

    id: str
    name: str


@dataclass(frozen=True)
class Giveaway:
    """A giveaway as stored; `seed` stays secret until the draw (see `public_seed`)."""

    id: str
    show_id: str
    creator_id: str
    product_id: str
    variant_id: str
    title: str
    variant_name: str
    rules: str
    duration_seconds: int
    offset_ms: int  # when it started, in ms since the show went live (the timeline)
    started_at: float
    ends_at: float
    claim_by: float  # the winner claims before this (epoch seconds); the unit goes back after
    seed: str
    seed_hash: str
    state: GiveawayState
    hold_id: str
    entries: tuple[Entry, ...] = ()
    winner_entry_id: str | None = None
    winner_viewer_id: str | None = None
    winner_name: str | None = None
    drawn_at: float | None = None
    order_id: str | None = None

    @property
    def drawn(self) -> bool:
        """Whether the seed has been revealed (drawn or claimed)."""
        return self.state is not GiveawayState.OPEN

    @property
    def public_seed(self) -> str | None:
        """The seed once the draw revealed it; None before."""
        return self.seed if self.drawn else None


def new_seed() -> str:
    """A secret random seed: 32 random bytes as 64 hex digits."""
    return secrets.token_hex(32)


def seed_hash(seed: str) -> str:
    """The commitment published at the start: sha256 of the seed's text, in hex."""
    return hashlib.sha256(seed.encode()).hexdigest()


def entry_id(number: int) -> str:
    """The id of the `number`-th entry (1-based), zero-padded so text order is entry order."""
    return str(number).zfill(ENTRY_ID_DIGITS)


def winning_index(seed: str, entry_ids: Sequence[str]) -> int:
    """The index of the winner among the sorted entry ids (see the module's formula)."""
    if not entry_ids:
        raise ValueError("no entries to draw from")
    ordered = sorted(entry_ids)
    digest = hashlib.sha256((seed + ":" + "\n".join(ordered)).encode()).hexdigest()
    return int(digest, 16) % len(ordered)


def winning_entry(seed: str, entries: Sequence[Entry]) -> Entry | None:
    """The winning entry, or None without entries."""
    if not entries:
        return None
    ordered = sorted(entries, key=lambda entry: entry.id)
    return ordered[winning_index(seed, [entry.id for entry in ordered])]


def check_request(request: GiveawayRequest) -> GiveawayRequest:
    """The request with its rules cleaned; ValidationFailed on a bad field."""
    check_whole_number(
        request.duration_seconds, "duration_seconds", MIN_GIVEAWAY_SECONDS, MAX_GIVEAWAY_SECONDS
    )
    return GiveawayRequest(request.variant_id, request.duration_seconds, clean_rules(request.rules))


def clean_rules(rules: str) -> str:
    """Rules text: NFC, trimmed, line breaks kept, no other control characters, at most 500."""
    cleaned = unicodedata.normalize("NFC", rules.replace("\r\n", "\n")).strip()
    if len(cleaned) > MAX_RULES_LENGTH:
        raise ValidationFailed(
            f"rules must be at most {MAX_RULES_LENGTH} characters",
            field="rules",
            reason="too_long",
            max=MAX_RULES_LENGTH,
        )
    if any(ch != "\n" and unicodedata.category(ch) in ("Cc", "Cf") for ch in cleaned):
        raise ValidationFailed(
            "rules must not contain control characters", field="rules", reason="bad_characters"
        )
    return cleaned
