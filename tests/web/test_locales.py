"""Every message key exists in every language, with the same `{placeholders}` as English.

`scripts/test` runs this before anything else, so a key added to `i18n-en.js`
without its Spanish, Arabic and Chinese words fails at once, naming the key and
the language.
"""

from __future__ import annotations

import re

import pytest

from tests.support.i18n_tables import JS, REQUIRED_FORMS, dictionary, languages, problems

ENGLISH = dictionary("en")


def test_the_four_languages_are_there() -> None:
    assert languages() == ["en", "ar", "es", "zh"]
    assert set(languages()) == set(REQUIRED_FORMS)


def test_every_dictionary_is_served_to_the_pages() -> None:
    # i18n-messages.js imports each table and i18n.js offers each language.
    messages = (JS / "i18n-messages.js").read_text()
    offered = (JS / "i18n.js").read_text()
    for language in languages():
        assert f'from "./i18n-{language}.js"' in messages, language
    assert re.search(r'LANGUAGES = \["en", "zh-CN", "es", "ar"\]', offered)


@pytest.mark.parametrize("language", ["en", "zh", "es", "ar"])
def test_every_key_in_every_language(language: str) -> None:
    found = problems(ENGLISH, language, dictionary(language))
    assert not found, "\n".join(found)


@pytest.mark.parametrize("language", ["zh", "es", "ar"])
def test_translations_are_not_english_copies(language: str) -> None:
    # Words a translation keeps as they are: codes, brands, formats, and words that are
    # the same in Spanish ("Total", "ERROR"); bare placeholders and page titles pass too.
    kept = {"SKU", "JSON", "Stripe", "https://", "ERROR", "Mod", "Total"}
    table = dictionary(language)
    copies = [
        key
        for key, text in ENGLISH.items()
        if table.get(key) == text
        and re.sub(r"\{\w+\}|[\s·\u00d7:()✓●]|livesale", "", text)
        and text not in kept
    ]
    assert not copies, f"i18n-{language}.js keeps the English words of {copies}"


def test_a_missing_key_is_named_with_its_language() -> None:
    spanish = dictionary("es")
    del spanish["checkout.title"]
    spanish["card.from"] = "desde {precio}"
    found = problems(ENGLISH, "es", spanish)
    assert "i18n-es.js lacks 'checkout.title' (English: 'Checkout')" in found
    assert any("'card.from' has placeholders ['precio']" in line for line in found), found


def test_a_missing_plural_form_is_named() -> None:
    arabic = dictionary("ar")
    del arabic["cards.watching.two"]
    arabic["cards.watching.few"] = "مشاهدين"  # lost its {count}: only zero, one, two may
    arabic["cards.watching.sing"] = "x"
    found = problems(ENGLISH, "ar", arabic)
    assert "i18n-ar.js lacks the plural form 'cards.watching.two'" in found
    assert any("'cards.watching.few' has placeholders []" in line for line in found), found
    assert "i18n-ar.js has 'cards.watching.sing', which English does not" in found


def test_a_stray_key_is_named() -> None:
    chinese = dictionary("zh")
    chinese["checkout.titel"] = "结账"
    found = problems(ENGLISH, "zh", chinese)
    assert found == ["i18n-zh.js has 'checkout.titel', which English does not"]
