"""The first render's language: `Accept-Language` with q-values, or the remembered cookie."""

from __future__ import annotations

import pytest

from livesale.domain.languages import (
    LanguageRange,
    chosen_language,
    direction,
    negotiate,
    parse_accept_language,
)
from tests.support.clients import Client


def test_ranges_are_ordered_by_weight_and_ties_keep_their_order() -> None:
    header = "fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5, es"
    assert parse_accept_language(header) == [
        LanguageRange("fr-CH", 1.0),
        LanguageRange("es", 1.0),
        LanguageRange("fr", 0.9),
        LanguageRange("en", 0.8),
        LanguageRange("de", 0.7),
        LanguageRange("*", 0.5),
    ]


def test_malformed_ranges_are_left_out() -> None:
    header = "ar;q=2, es;q=abc, <script>, zh-Hant-TW;q=0.3, ;q=1, en;q=0.001, x" + "y" * 20
    assert parse_accept_language(header) == [
        LanguageRange("zh-Hant-TW", 0.3),
        LanguageRange("en", 0.001),
    ]
    assert parse_accept_language(None) == []
    assert parse_accept_language("") == []


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("es-MX,es;q=0.9,en;q=0.8", "es"),
        ("fr-FR, ar-EG;q=0.8, en;q=0.5", "ar"),
        ("zh-TW", "zh-CN"),
        ("de, en-GB;q=0.2, es;q=0.9", "es"),  # weight, not position, decides
        ("ar;q=0, es;q=0.1", "es"),
        ("ar;q=0", "en"),  # q=0 means "not this one"
        ("fr, *;q=0.1", "en"),
        ("de-DE", "en"),
        (None, "en"),
        ("es;q=0.5, ar;q=0.5", "es"),
    ],
)
def test_negotiate(header: str | None, language: str) -> None:
    assert negotiate(header) == language


def test_the_remembered_choice_wins_when_it_is_one_of_ours() -> None:
    assert chosen_language("ar", "es") == "ar"
    assert chosen_language("zh-CN", None) == "zh-CN"
    assert chosen_language("klingon", "es-AR") == "es"
    assert chosen_language(None, "es-AR") == "es"
    assert direction("ar") == "rtl"
    assert direction("es") == "ltr"


@pytest.mark.parametrize(
    "path", ["/", "/watch/abc", "/host/abc", "/orders/ord_x", "/console", "/creators/nobody"]
)
async def test_an_arabic_browser_gets_a_right_to_left_page(app_client: Client, path: str) -> None:
    response = await app_client.get(path, headers={"Accept-Language": "ar-SA,ar;q=0.9,en;q=0.5"})
    html = await response.text()
    assert response.status in (200, 404), path
    assert '<html lang="ar" dir="rtl">' in html
    assert response.headers["Content-Language"] == "ar"
    # A cache between must not hand this page to a reader of another language.
    assert {v.strip() for v in response.headers["Vary"].split(",")} >= {"Accept-Language", "Cookie"}


async def test_english_pages_are_served_as_written(app_client: Client) -> None:
    response = await app_client.get("/", headers={"Accept-Language": "de-DE, en;q=0.5"})
    html = await response.text()
    assert '<html lang="en">' in html
    assert "dir=" not in html.split(">", 2)[1]
    assert response.headers["Content-Language"] == "en"


async def test_the_cookie_wins_over_the_header(app_client: Client) -> None:
    app_client.session.cookie_jar.update_cookies({"livesale_lang": "es"})
    spanish = await app_client.get("/watch/abc", headers={"Accept-Language": "ar"})
    assert '<html lang="es" dir="ltr">' in await spanish.text()
    app_client.session.cookie_jar.update_cookies({"livesale_lang": 'zz"><script>'})
    arabic = await app_client.get("/watch/abc", headers={"Accept-Language": "ar"})
    text = await arabic.text()
    assert '<html lang="ar" dir="rtl">' in text
    assert "<script>" not in text.split("</head>")[0].split("<html", 1)[1].split(">")[0]
