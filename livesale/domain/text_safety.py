"""Text that cannot impersonate: invisible characters and confusable folding (pure).

Unicode's own rules, through ICU (PyICU): NFKC_Casefold (compatibility forms,
case and default-ignorable code points folded away) and the confusable
skeletons of Unicode TR39 (UTS #39), so that "Alice" in fullwidth letters,
with a Cyrillic "a" or followed by a zero-width space folds to the same key
as "Alice".
"""

from __future__ import annotations

import re
from typing import Literal

import icu  # type: ignore[import-untyped]


def _frozen(pattern: str) -> icu.UnicodeSet:
    """A UnicodeSet of `pattern`, frozen so that lookups are fast and thread-safe."""
    found = icu.UnicodeSet(pattern)
    found.freeze()
    return found


def _character_class(characters: icu.UnicodeSet) -> str:
    """A class of `re` holding the same characters."""
    return "[" + "".join(_class_range(ord(a), ord(b)) for a, b in characters.ranges()) + "]"


def _class_range(low: int, high: int) -> str:
    first, last = re.escape(chr(low)), re.escape(chr(high))
    return first if low == high else f"{first}-{last}"


# NFKC + case folding + removal of default-ignorable code points, in one pass.
_NFKC_CASEFOLD = icu.Normalizer2.getNFKCCasefoldInstance()
_SPOOF = icu.SpoofChecker()
# Default-ignorables (zero-width spaces and joiners, word joiner, soft hyphen,
# Hangul fillers, variation selectors, tags...), direction controls (LRM, RLM,
# embeddings, overrides, isolates) and the other format characters (Cf): none
# shows a glyph of its own, each can make two strings look the same.
_INVISIBLE = _frozen("[[:Default_Ignorable_Code_Point:][:Bidi_Control:][:Cf:]]")
# Controls, surrogates, line and paragraph separators.
_CONTROL = _frozen("[[:Cc:][:Cs:][:Zl:][:Zp:]]")
_UNASSIGNED = _frozen("[:Cn:]")
# Anything `strip_invisible` may drop or change, found in one pass of `re`.
# (Lone surrogates are named apart: `_is_control` says why.)
_SUSPECT = re.compile(
    _character_class(
        _frozen("[[:Cc:][:Zl:][:Zp:][:Default_Ignorable_Code_Point:][:Bidi_Control:][:Cf:]]")
    )
    + "|[\ud800-\udfff]"
)
# Emoji sequences are the one visible use of invisible joiners: 👩‍💻 is
# 👩 ZWJ 💻, ❤️ is ❤ VS16, 1️⃣ is 1 VS16 keycap. Those are kept inside emoji only.
_PICTOGRAPHIC = _frozen("[[:Extended_Pictographic:][:Emoji_Modifier:]]")
_KEYCAP_BASES = frozenset("0123456789#*")
_KEYCAP = "\u20e3"
_ZWJ = "\u200d"
_VARIATION_SELECTORS = frozenset("\ufe0e\ufe0f")
_LINE_BREAKS = frozenset("\t\n\r\x0b\x0c\x85\u2028\u2029")
# Scripts written without spaces between words: a blocked word in them is
# matched anywhere in the text, not as a whole word (see `blocked_word_in`).
_UNSPACED_SCRIPTS = (
    "[:sc=Han:][:sc=Hiragana:][:sc=Katakana:][:sc=Thai:][:sc=Lao:][:sc=Khmer:]"
    "[:sc=Myanmar:][:sc=Tibetan:]"
)
_UNSPACED = _frozen(f"[{_UNSPACED_SCRIPTS}]")
# Letters, digits and marks of the scripts that separate words with spaces.
_WORD = _frozen(f"[[[:L:][:N:][:M:]]-[{_UNSPACED_SCRIPTS}]]")

# Names nobody may take, in any shop: they would pass for the staff or the
# software (compared by `name_key`, so "admin" with a Cyrillic "a" is taken too).
RESERVED_NAMES = (
    "admin",
    "administrator",
    "host",
    "livesale",
    "moderator",
    "official",
    "staff",
    "support",
    "system",
    "主播",
    "官方",
    "客服",
    "房管",
    "管理员",
    "系统",
)

Refusal = Literal["invisible_characters", "bad_characters"]


def fold(text: str) -> str:
    """The TR39 skeleton of NFKC_Casefold(`text`): equal for strings that look alike."""
    return str(_SPOOF.getSkeleton(0, _NFKC_CASEFOLD.normalize(text)))


def casefold(text: str) -> str:
    """NFKC_Casefold(`text`): compatibility forms, letter case and default-ignorables folded."""
    return str(_NFKC_CASEFOLD.normalize(text))


def name_key(name: str) -> str:
    """How names are compared: folded, runs of spaces as one."""
    return " ".join(fold(name).split())


_RESERVED_KEYS = frozenset(name_key(name) for name in RESERVED_NAMES)


def is_reserved_name(name: str) -> bool:
    """True if `name` looks like one of RESERVED_NAMES."""
    return name_key(name) in _RESERVED_KEYS


def refusal(text: str) -> Refusal | None:
    """Why `text` cannot be a name or title: invisible or control characters, or None."""
    found: Refusal | None = None
    for index, ch in enumerate(text):
        if _is_control(ch) or _UNASSIGNED.contains(ch):
            return "bad_characters"
        if _INVISIBLE.contains(ch) and not _joins_emoji(text, index):
            found = "invisible_characters"
    return found


def strip_invisible(text: str) -> str:
    """`text` without invisible and control characters; line breaks and tabs become spaces.

    Joiners inside emoji sequences stay, and so do unassigned code points (an
    emoji newer than this server's Unicode data is not hidden by being new).
    """
    if not _SUSPECT.search(text):
        return text  # the usual message: nothing to drop, no walk through it
    kept = []
    for index, ch in enumerate(text):
        if ch in _LINE_BREAKS:
            kept.append(" ")
        elif _is_control(ch):
            continue
        elif not _INVISIBLE.contains(ch) or _joins_emoji(text, index):
            kept.append(ch)
    return "".join(kept)


def is_unspaced(word: str) -> bool:
    """True if `word` has a character of a script written without spaces (Chinese, Thai...)."""
    return any(_UNSPACED.contains(ch) for ch in word)


def word_character_class() -> str:
    """A regular-expression class of `_WORD`: what may not touch a whole-word match.

    Only characters up to U+FFFF: `re` makes a fast table of a class only when
    all of it is there, and letters past it (historic scripts; mathematical
    letters are folded to ASCII before) are rare enough to count as a boundary.
    """
    parts = []
    for first, last in _WORD.ranges():
        low, high = ord(first), ord(last)
        if low <= 0xFFFF:
            parts.append(_class_range(low, min(high, 0xFFFF)))
    return f"[{''.join(parts)}]"


def _is_control(ch: str) -> bool:
    # A lone surrogate cannot cross into ICU's UTF-16 intact, so it is caught here.
    return "\ud800" <= ch <= "\udfff" or bool(_CONTROL.contains(ch))


def _joins_emoji(text: str, index: int) -> bool:
    """A ZWJ between two emoji, or a variation selector right after one (or a keycap's base)."""
    ch = text[index]
    before = text[index - 1] if index > 0 else ""
    after = text[index + 1] if index + 1 < len(text) else ""
    if ch in _VARIATION_SELECTORS:
        if before in _KEYCAP_BASES:
            return after == _KEYCAP
        return bool(before) and bool(_PICTOGRAPHIC.contains(before))
    if ch == _ZWJ and before and after:
        if before in _VARIATION_SELECTORS and index > 1:
            before = text[index - 2]
        return bool(_PICTOGRAPHIC.contains(before)) and bool(_PICTOGRAPHIC.contains(after))
    return False
