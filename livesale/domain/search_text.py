"""Text as search sees it: the same words for what is indexed and what is asked (pure).

One function makes the terms for both engines, so SQLite and PostgreSQL match
the same things: invisible characters dropped, NFKC case folding (full-width
letters, ligatures, letter case), Latin accents folded to ASCII ("crème" and
"creme" are one word), then ICU's word break iterator, which finds words in
text written without spaces (Chinese, Japanese, Thai) from its dictionaries:
"哑光口红套装" is 哑 光 口红 套装, so a search for 口红 finds it. Inside each
word only letters, digits and marks are kept ("t-shirt" is t and shirt), so
neither engine's own tokenizer splits a term again.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import icu  # type: ignore[import-untyped]

from livesale.domain.text_safety import casefold, is_unspaced, strip_invisible

MAX_TERM_LENGTH = 64
MAX_QUERY_TERMS = 12
# A Latin prefix of one letter would match most of the index; one Chinese
# character is a whole word.
MIN_PREFIX_LENGTH = 2
_ACCENTS = icu.Transliterator.createInstance("Latin-ASCII")
_KEPT = frozenset("LNM")  # letters, numbers and marks (Thai vowels, Devanagari signs)


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """What a person typed, as terms; `prefix` when the last one may be the start of a word."""

    terms: tuple[str, ...]
    prefix: bool

    @property
    def empty(self) -> bool:
        """True when nothing searchable was typed (only spaces or punctuation)."""
        return not self.terms


def search_terms(text: str) -> list[str]:
    """The words of `text`, folded, in order (repeats kept)."""
    folded = str(_ACCENTS.transliterate(casefold(strip_invisible(text))))
    words = icu.BreakIterator.createWordInstance(icu.Locale.getRoot())
    words.setText(folded)
    terms: list[str] = []
    start = words.first()
    for end in words:
        terms.extend(_letter_runs(folded[start:end]))
        start = end
    return terms


def indexed_text(*texts: str) -> str:
    """Texts as one indexed column: their terms, one space between them."""
    return " ".join(term for text in texts for term in search_terms(text))


def parse_query(text: str) -> SearchQuery:
    """A typed query as terms (the last MAX_QUERY_TERMS, repeats dropped); the last one
    matches as a prefix unless a space follows it (the person has finished the word)."""
    typed = search_terms(text)
    terms = list(dict.fromkeys(typed))
    if typed and terms[-1] != typed[-1]:
        terms.remove(typed[-1])  # the word being typed stays last, where the prefix applies
        terms.append(typed[-1])
    terms = terms[-MAX_QUERY_TERMS:]
    finished = not text or text[-1].isspace()
    last = terms[-1] if terms else ""
    prefix = bool(last) and not finished and (len(last) >= MIN_PREFIX_LENGTH or is_unspaced(last))
    return SearchQuery(tuple(terms), prefix)


def _letter_runs(segment: str) -> list[str]:
    """The runs of letters, digits and marks in one segment, each cut to MAX_TERM_LENGTH."""
    runs: list[str] = []
    current: list[str] = []
    for ch in segment:
        if unicodedata.category(ch)[0] in _KEPT:
            current.append(ch)
        elif current:
            runs.append("".join(current)[:MAX_TERM_LENGTH])
            current = []
    if current:
        runs.append("".join(current)[:MAX_TERM_LENGTH])
    return runs
