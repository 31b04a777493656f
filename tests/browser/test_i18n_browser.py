"""Real Chromium: English or Chinese from the browser's languages, and the EN / 中文 switch."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.async_api import Browser

from tests.browser.helpers import Api, choose_language, collect_errors, sign_up
from tests.support.i18n_tables import dictionary, problems

STATIC = Path(__file__).resolve().parents[2] / "static"


@pytest.mark.browser
@pytest.mark.timeout(120)
async def test_the_switch_changes_the_language_and_is_remembered(
    base_url: str, browser: Browser
) -> None:
    errors: list[str] = []
    page = await (await browser.new_context(locale="en-US")).new_page()
    collect_errors(page, errors, allow_status=(401,))
    await page.goto(base_url)
    assert await page.text_content("#live-heading") == "Live now"
    assert await page.get_attribute("html", "lang") == "en"

    await choose_language(page, "zh-CN")
    assert await page.text_content("#live-heading") == "正在直播"
    assert await page.text_content("#upcoming-heading") == "即将开播"
    assert await page.get_attribute("html", "lang") == "zh-CN"
    assert await page.input_value("header.bar select.lang-switch") == "zh-CN"

    # Remembered across pages: the console comes up in Chinese.
    await page.goto(f"{base_url}/console")
    await page.wait_for_selector("#view-auth:not([hidden])")
    assert await page.text_content("#tab-login") == "登录"
    assert await page.get_attribute("#login-email", "type") == "email"

    await choose_language(page, "en")
    assert await page.text_content("#tab-login") == "Log in"
    assert await page.text_content("#tab-signup") == "Sign up"
    await page.goto(base_url)
    assert await page.text_content("#live-heading") == "Live now"
    assert not errors, errors


@pytest.mark.browser
@pytest.mark.timeout(120)
async def test_a_chinese_browser_gets_chinese(base_url: str, browser: Browser, api: Api) -> None:
    await sign_up(api, "li@example.com", "Li")
    show = (await api("POST", "/api/shows", json={"title": "新品"}, expect=201))["show"]
    errors: list[str] = []
    page = await (await browser.new_context(locale="zh-CN")).new_page()
    collect_errors(page, errors)
    await page.goto(base_url)
    assert await page.text_content("#live-heading") == "正在直播"
    await page.goto(f"{base_url}/watch/{show['id']}")
    await page.wait_for_selector("#name-form")
    assert await page.text_content("#chat-heading") == "直播聊天"
    assert await page.get_attribute("#chat-input", "placeholder") == "说点什么…"
    assert await page.text_content("#name-form button") == "加入聊天"
    await page.wait_for_selector('#state[data-state="offline"]')
    assert await page.text_content("#state") == "未开播"
    assert await page.text_content("#title") == "新品"
    assert not errors, errors


@pytest.mark.browser
@pytest.mark.timeout(60)
async def test_every_string_has_every_language(base_url: str, browser: Browser) -> None:
    page = await browser.new_page()
    await page.goto(base_url)
    tables = await page.evaluate("import('/static/js/i18n-messages.js').then((m) => m.MESSAGES)")
    assert set(tables) == {"en", "zh-CN", "es", "ar"}
    # The tables the page loads are the ones the key check reads from the files.
    for language, name in (("en", "en"), ("zh-CN", "zh"), ("es", "es"), ("ar", "ar")):
        assert tables[language] == dictionary(name), language
        assert not problems(tables["en"], name, tables[language])
    english = set(tables["en"]) | {key.rpartition(".")[0] for key in tables["en"]}
    used: set[str] = set()
    for html in STATIC.glob("*.html"):
        text = html.read_text()
        used |= set(re.findall(r'data-i18n="([^"]+)"', text))
        for pairs in re.findall(r'data-i18n-attr="([^"]+)"', text):
            used |= {pair.split(":")[1] for pair in pairs.split(";")}
    assert len(used) > 100
    assert used <= english, used - english
