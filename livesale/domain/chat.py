"""Chat in a show's room: messages, roles, text rules and blocked words (pure, no I/O)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from livesale.domain.errors import ChatBlockedWord, ChatEmpty, ChatTooLong, ValidationFailed
from livesale.domain.text_safety import (
    is_unspaced,
    name_key,
    strip_invisible,
    word_character_class,
)

MAX_BLOCKED_WORDS = 500
MAX_BLOCKED_WORD_LENGTH = 50
# What may not stand right before or after a whole-word match (see `blocked_word_in`).
_WORD_CHARACTER = word_character_class()
_TOKEN = re.compile(f"{_WORD_CHARACTER}+")


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


def clean_chat_text(text: object, max_length: int) -> str:
    """Stripped chat text, or ChatEmpty / ChatTooLong.

    NFC so that limits and blocked words see the same characters whichever
    keyboard typed them. Invisible, direction-control and control characters
    are dropped (line breaks become spaces), so a message shows all it holds
    and cannot reverse what follows it. The text is stored and sent verbatim
    otherwise: pages render it as text, never as HTML.
    """
    if not isinstance(text, str):
        raise ChatEmpty("chat text must be a string")
    cleaned = unicodedata.normalize("NFC", text)
    if not (cleaned.isascii() and cleaned.isprintable()):
        cleaned = strip_invisible(cleaned)
    cleaned = cleaned.strip()
    if not cleaned:
        raise ChatEmpty("the message is empty")
    if len(cleaned) > max_length:
        raise ChatTooLong(
            f"a message is at most {max_length} characters",
            max_length=max_length,
            length=len(cleaned),
        )
    return cleaned


def normalise_blocked_words(words: Sequence[str]) -> list[str]:
    """A creator's blocked-word list: distinct, case-folded, stripped; ValidationFailed else.

    Words are stored as typed (less invisible characters) so the creator reads
    their own list; two words that fold alike (`text_safety.name_key`) count once.
    """
    cleaned: list[str] = []
    keys: set[str] = set()
    for word in words:
        folded = strip_invisible(unicodedata.normalize("NFC", word)).strip().casefold()
        if not 1 <= len(folded) <= MAX_BLOCKED_WORD_LENGTH:
            raise ValidationFailed(
                f"each word must be 1 to {MAX_BLOCKED_WORD_LENGTH} characters",
                field="words",
                reason="too_long" if folded else "required",
                max=MAX_BLOCKED_WORD_LENGTH,
            )
        key = name_key(folded)
        if key and key not in keys:
            keys.add(key)
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
    """The first of `words` found in `text` once both are folded, or None.

    Both sides are compared by `text_safety.name_key`: NFKC, case folding,
    invisible characters removed, then Unicode TR39 confusable skeletons, so
    "spam" in Cyrillic look-alikes, in fullwidth letters or with a zero-width
    space inside is still "spam". A word in a script written with spaces
    matches whole words only ("ass" does not block "class"; Chinese or
    Japanese characters around it count as a boundary); a word with Chinese,
    Japanese, Thai... characters matches anywhere, because those scripts put
    no spaces between words.
    """
    matcher = _matcher(tuple(words))
    return None if matcher is None else matcher.find(name_key(text))


def check_blocked_words(text: str, words: Iterable[str]) -> None:
    """Raise ChatBlockedWord if `text` contains one of `words`."""
    if blocked_word_in(text, words) is not None:
        # The word itself is not echoed: the sender knows what they wrote.
        raise ChatBlockedWord("the message contains a blocked word")


class _Matcher:
    """A folded word list, split by how each word is matched, for fast searches."""

    def __init__(self, word_of: dict[str, str]) -> None:
        self.word_of = word_of
        # Longest first: of two words starting at one place the longer is tried first.
        keys = sorted(word_of, key=len, reverse=True)
        # A whole word that is one token is found by looking each token of the text up.
        self.tokens = {k for k in keys if not is_unspaced(word_of[k]) and _TOKEN.fullmatch(k)}
        phrases = [k for k in keys if not is_unspaced(word_of[k]) and k not in self.tokens]
        anywhere = [k for k in keys if is_unspaced(word_of[k])]
        self.phrases = _alternatives(phrases, whole_words=True)
        self.anywhere = _alternatives(anywhere, whole_words=False)

    def find(self, folded: str) -> str | None:
        """The word found in the folded text, or None."""
        for token in _TOKEN.findall(folded):
            if token in self.tokens:
                return self.word_of[token]
        for pattern in (self.phrases, self.anywhere):
            found = None if pattern is None else pattern.search(folded)
            if found is not None:
                return self.word_of[found.group(0)]
        return None


def _alternatives(keys: list[str], *, whole_words: bool) -> re.Pattern[str] | None:
    if not keys:
        return None
    either = "|".join(re.escape(key) for key in keys)
    if whole_words:
        return re.compile(rf"(?<!{_WORD_CHARACTER})(?:{either})(?!{_WORD_CHARACTER})")
    return re.compile(either)


@lru_cache(maxsize=256)
def _matcher(words: tuple[str, ...]) -> _Matcher | None:
    """The matcher of a word list (lists are cached as given: rules, then the creator's)."""
    word_of: dict[str, str] = {}
    for word in words:
        word_of.setdefault(name_key(word), word)
    word_of.pop("", None)
    return _Matcher(word_of) if word_of else None
