"""The pages' message dictionaries (`static/js/i18n-<language>.js`), read from the JS; checks."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
JS = ROOT / "static" / "js"
# `"key": "value",` lines of an `export const xx = {...}` dictionary.
_ENTRY = re.compile(r'^\s*"([^"\\]+)":\s*("(?:[^"\\]|\\.)*"),?\s*$')
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
# The CLDR plural categories, as key suffixes: "cards.watching.one", "cards.watching.other".
PLURAL_FORMS = ("zero", "one", "two", "few", "many", "other")
# The forms each language's plural keys must have (CLDR's categories for integers that
# `Intl.PluralRules` picks; a missing form falls back to "other", so these are the ones a
# reader would otherwise see wrongly worded). A new language adds its line here.
REQUIRED_FORMS: dict[str, frozenset[str]] = {
    "en": frozenset({"one", "other"}),
    "zh": frozenset({"other"}),
    "es": frozenset({"one", "other"}),
    "ar": frozenset(PLURAL_FORMS),
}
# The forms that may say the number in words ("مشاهدان", two viewers) instead of `{count}`.
_COUNT_IN_WORDS = frozenset({"zero", "one", "two"})


def languages() -> list[str]:
    """Every `i18n-<language>.js` dictionary beside the pages (en first)."""
    found = sorted(
        path.stem.removeprefix("i18n-")
        for path in JS.glob("i18n-*.js")
        if path.stem != "i18n-messages"
    )
    return sorted(found, key=lambda language: language != "en")


def dictionary(language: str) -> dict[str, str]:
    """The `static/js/i18n-<language>.js` table, parsed line by line."""
    entries: dict[str, str] = {}
    for line in (JS / f"i18n-{language}.js").read_text(encoding="utf-8").splitlines():
        match = _ENTRY.match(line)
        if match:
            key, value = match.groups()
            assert key not in entries, f"{key} is listed twice in i18n-{language}.js"
            entries[key] = json.loads(value)
    return entries


def placeholders(text: str) -> set[str]:
    """The `{name}` placeholders of a message."""
    return set(_PLACEHOLDER.findall(text))


def plural_base(key: str) -> str | None:
    """ "cards.watching" for "cards.watching.few"; None for a key that is not a plural form."""
    base, _, form = key.rpartition(".")
    return base if base and form in PLURAL_FORMS else None


def problems(english: dict[str, str], language: str, table: dict[str, str]) -> list[str]:
    """Every way `table` (language `language`) differs from the English keys and placeholders."""
    found: list[str] = []
    plural_bases = {
        base for key in english if (base := plural_base(key)) and f"{base}.other" in english
    }
    required = REQUIRED_FORMS.get(language)
    if required is None:
        return [f"i18n-{language}.js: no plural forms listed for {language!r} in REQUIRED_FORMS"]
    for key, text in english.items():
        if plural_base(key) in plural_bases:
            continue
        if key not in table:
            found.append(f"i18n-{language}.js lacks {key!r} (English: {text!r})")
        elif placeholders(table[key]) != placeholders(text):
            found.append(
                f"i18n-{language}.js {key!r} has placeholders {sorted(placeholders(table[key]))},"
                f" English has {sorted(placeholders(text))}"
            )
    for base in sorted(plural_bases):
        wanted = placeholders(english[f"{base}.other"])
        for form in sorted(required, key=PLURAL_FORMS.index):
            key = f"{base}.{form}"
            if key not in table:
                found.append(f"i18n-{language}.js lacks the plural form {key!r}")
                continue
            have = placeholders(table[key])
            in_words = form in _COUNT_IN_WORDS and have == wanted - {"count"}
            if have != wanted and not in_words:
                found.append(
                    f"i18n-{language}.js {key!r} has placeholders {sorted(have)},"
                    f" English has {sorted(wanted)}"
                )
    for key in table:
        base = plural_base(key)
        if key in english or (base in plural_bases and key.rpartition(".")[2] in required):
            continue
        found.append(f"i18n-{language}.js has {key!r}, which English does not")
    return found
