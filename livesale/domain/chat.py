"""Chat in a show's room: messages, roles, text rules and blocked words (pure, no I/O)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Any

from livesale.domain.errors import ChatBlockedWord, ChatEmpty, ChatTooLong, ValidationFailed

MAX_BLOCKED_WORDS = 500
MAX_BLOCKED_WORD_LENGTH = 50
# ASCII-only entries match whole words; anything else (CJK has no spaces between
# words) matches as a substring. See `blocked_word_in`.
_ASCII_WORD = re.compile(r"[\x20-\x7e]+")


class Role(StrEnum):
    """Who someone is in a show's room."""

    ANONYMOUS = "anonymous"
    VIEWER = "viewer"
    MODERATOR = "moderator"
    CREATOR = "creator"


@dataclass(frozen=True)
class Participant:
    """Someone in a room: their id (viewer or creator id), name and role."""

    id: str | None
    display_name: str | None
    role: Role

    @property
    def can_moderate(self) -> bool:
        """Creator or a moderator the creator named."""
        return self.role in (Role.CREATOR, Role.MODERATOR)


@dataclass(frozen=True)
class ChatMessage:
    """One stored chat message."""

    id: int
    show_id: str
    author_id: str
    author_name: str
    author_role: Role
    text: str
    created_at: float

    def to_json(self) -> dict[str, Any]:
        """The message as the room sends it (`at` in epoch seconds)."""
        return {
            "id": self.id,
            "author": {"id": self.author_id, "name": self.author_name, "role": self.author_role},
            "text": self.text,
            "at": self.created_at,
        }


def clean_chat_text(text: object, max_length: int) -> str:
    """Stripped chat text, or ChatEmpty / ChatTooLong.

    NFC so that limits and blocked words see the same characters whichever
    keyboard typed them. The text is stored and sent verbatim otherwise: pages
    render it as text, never as HTML.
    """
    if not isinstance(text, str):
        raise ChatEmpty("chat text must be a string")
    cleaned = unicodedata.normalize("NFC", text).strip()
    if not cleaned:
        raise ChatEmpty("the message is empty")
    if len(cleaned) > max_length:
        raise ChatTooLong(
            f"a message is at most {max_length} characters",
            max_length=max_length,
            length=len(cleaned),
        )
    return cleaned


def normalise_blocked_words(words: object) -> list[str]:
    """A creator's blocked-word list: distinct, case-folded, stripped; ValidationFailed else."""
    if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
        raise ValidationFailed(
            "words must be a list of strings", field="words", reason="wrong_type"
        )
    cleaned: list[str] = []
    for word in words:
        folded = unicodedata.normalize("NFC", word).strip().casefold()
        if not 1 <= len(folded) <= MAX_BLOCKED_WORD_LENGTH:
            raise ValidationFailed(
                f"each word must be 1 to {MAX_BLOCKED_WORD_LENGTH} characters",
                field="words",
                reason="too_long" if folded else "required",
                max=MAX_BLOCKED_WORD_LENGTH,
            )
        if folded not in cleaned:
            cleaned.append(folded)
    if len(cleaned) > MAX_BLOCKED_WORDS:
        raise ValidationFailed(
            f"at most {MAX_BLOCKED_WORDS} blocked words",
            field="words",
            reason="too_many",
            max=MAX_BLOCKED_WORDS,
        )
    return cleaned


def blocked_word_in(text: str, words: Iterable[str]) -> str | None:
    """The first blocked word found in `text`, case-insensitively, or None.

    An entry made of ASCII characters matches whole words only ("ass" does not
    block "class"); any other entry matches anywhere, because Chinese and
    Japanese write words without spaces between them.
    """
    pattern = _pattern(tuple(sorted({w.casefold() for w in words if w.strip()})))
    if pattern is None:
        return None
    found = pattern.search(text.casefold())
    return None if found is None else found.group(0)


def check_blocked_words(text: str, words: Iterable[str]) -> None:
    """Raise ChatBlockedWord if `text` contains one of `words`."""
    if blocked_word_in(text, words) is not None:
        # The word itself is not echoed: the sender knows what they wrote.
        raise ChatBlockedWord("the message contains a blocked word")


@lru_cache(maxsize=256)
def _pattern(words: tuple[str, ...]) -> re.Pattern[str] | None:
    if not words:
        return None
    parts = []
    for word in words:
        escaped = re.escape(word)
        if _ASCII_WORD.fullmatch(word):
            # Lookarounds instead of \b: entries may start or end with punctuation.
            parts.append(rf"(?<![^\W_]){escaped}(?![^\W_])")
        else:
            parts.append(escaped)
    return re.compile("|".join(parts))
