"""The interface languages and picking one from `Accept-Language` (RFC 9110 §12.5.4)."""

from __future__ import annotations

import re
from dataclasses import dataclass

# The page's languages, as `static/js/i18n.js` names them; the first is the default.
LANGUAGES = ("en", "zh-CN", "es", "ar")
DEFAULT_LANGUAGE = LANGUAGES[0]
RIGHT_TO_LEFT = frozenset({"ar"})
# A header longer than this is someone else's problem: read only its start.
_MAX_HEADER = 1024
_MAX_RANGES = 32
# A language range: `*`, or a primary tag and subtags of ASCII letters and digits.
_RANGE = re.compile(r"\*|[A-Za-z]{1,8}(?:[-_][A-Za-z0-9]{1,8})*")


@dataclass(frozen=True, slots=True)
class LanguageRange:
    """One `tag;q=weight` of an `Accept-Language` header."""

    tag: str
    weight: float


def _weight(params: list[str]) -> float | None:
    """The `q=` of a range's parameters (1 without one), or None when it is malformed."""
    for param in params:
        name, _, value = param.strip().partition("=")
        if name.strip().lower() != "q":
            continue
        try:
            weight = float(value.strip())
        except ValueError:
            return None
        return weight if 0.0 <= weight <= 1.0 else None
    return 1.0


def parse_accept_language(header: str | None) -> list[LanguageRange]:
    """The header's ranges, most wanted first (ties keep their order), malformed ones left out."""
    ranges: list[LanguageRange] = []
    for part in (header or "")[:_MAX_HEADER].split(",")[:_MAX_RANGES]:
        tag, *params = part.split(";")
        tag = tag.strip()
        weight = _weight(params)
        if weight is not None and _RANGE.fullmatch(tag):
            ranges.append(LanguageRange(tag, weight))
    return sorted(ranges, key=lambda r: -r.weight)


def language_of(tag: str) -> str | None:
    """The language we speak for a tag ("es-MX" -> "es", any zh -> "zh-CN"), or None."""
    primary = tag.lower().replace("_", "-").split("-")[0]
    if primary == "zh":
        return "zh-CN"
    return primary if primary in LANGUAGES else None


def negotiate(header: str | None) -> str:
    """The language to answer an `Accept-Language` header in (English when none fits)."""
    for wanted in parse_accept_language(header):
        if wanted.weight == 0:
            break
        spoken = language_of(wanted.tag) if wanted.tag != "*" else DEFAULT_LANGUAGE
        if spoken:
            return spoken
    return DEFAULT_LANGUAGE


def chosen_language(remembered: str | None, accept_language: str | None) -> str:
    """The reader's remembered choice when it is one of ours, else the header's."""
    if remembered in LANGUAGES:
        return remembered
    return negotiate(accept_language)


def direction(language: str) -> str:
    """`rtl` or `ltr`, for `<html dir>`."""
    return "rtl" if language in RIGHT_TO_LEFT else "ltr"
