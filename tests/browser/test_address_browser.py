"""static/js/address.js in real Chromium: each country's order, the page's language."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import Browser, Page

from tests.browser.helpers import collect_errors

ADDRESSES: dict[str, dict[str, str]] = {
    "US": {"line1": "600 Main St", "line2": "Apt 4", "city": "Springfield", "region": "IL",
           "postal_code": "62701", "country": "US"},
    "GB": {"line1": "10 Downing Street", "city": "London", "postal_code": "SW1A 2AA",
           "country": "GB"},
    "DE": {"line1": "Unter den Linden 1", "city": "Berlin", "postal_code": "10117",
           "country": "DE"},
    "CN": {"line1": "建国路 88 号", "line2": "3 单元 502", "city": "朝阳区", "region": "北京市",
           "postal_code": "100022", "country": "CN"},
    "JP": {"line1": "千代田 1-1", "city": "千代田区", "region": "東京都", "postal_code": "100-0001",
           "country": "JP"},
    "NO_REGION": {"line1": "1 Market Street", "city": "Springfield", "postal_code": "12345",
                  "country": "US"},
}  # fmt: skip

CASES: list[tuple[str, str, str, list[str]]] = [
    ("US", "en", "Ann Lee",
     ["Ann Lee", "600 Main St", "Apt 4", "Springfield, IL 62701", "United States"]),
    # No region: no dangling comma.
    ("NO_REGION", "en", "Mia", ["Mia", "1 Market Street", "Springfield 12345", "United States"]),
    # The UK postcode sits on its own line.
    ("GB", "en", "Sam Jones",
     ["Sam Jones", "10 Downing Street", "London", "SW1A 2AA", "United Kingdom"]),
    ("DE", "en", "Jana Beck", ["Jana Beck", "Unter den Linden 1", "10117 Berlin", "Germany"]),
    ("DE", "zh-CN", "Jana Beck", ["Jana Beck", "Unter den Linden 1", "10117 Berlin", "德国"]),
    # A Chinese address on an English page: small to big, the country last.
    ("CN", "en", "李雷",
     ["李雷", "建国路 88 号", "3 单元 502", "朝阳区", "北京市, 100022", "China"]),
    # ... and on a Chinese page: big to small, the country first.
    ("CN", "zh-CN", "李雷", ["中国 北京市 朝阳区", "建国路 88 号", "3 单元 502", "100022", "李雷"]),
    ("JP", "en", "Taro Yamada",
     ["Taro Yamada", "千代田 1-1", "千代田区, 東京都", "100-0001", "Japan"]),
    ("JP", "zh-CN", "山田太郎",
     ["日本", "〒100-0001", "東京都 千代田区", "千代田 1-1", "山田太郎"]),
    # The US order holds on a Chinese page too (only CJK countries turn around).
    ("US", "zh-CN", "Ann Lee",
     ["Ann Lee", "600 Main St", "Apt 4", "Springfield, IL 62701", "美国"]),
]  # fmt: skip


async def _module_page(browser: Browser, base_url: str, errors: list[str]) -> Page:
    page = await browser.new_page()
    collect_errors(page, errors)
    # Any document of the origin can import the module; a JSON one has no favicon of its own.
    await page.route("**/favicon.ico", lambda route: route.fulfill(status=204))
    await page.goto(f"{base_url}/healthz")
    return page


@pytest.mark.browser
async def test_addresses_follow_their_country_and_the_page_language(
    base_url: str, browser: Browser
) -> None:
    errors: list[str] = []
    page = await _module_page(browser, base_url, errors)
    got: list[Any] = await page.evaluate(
        """async ([addresses, cases]) => {
            const { addressLines } = await import("/static/js/address.js");
            return cases.map(([key, lang, name]) => addressLines(addresses[key], { name, lang }));
        }""",
        [ADDRESSES, [case[:3] for case in CASES]],
    )
    for (key, lang, _name, expected), lines in zip(CASES, got, strict=True):
        assert lines == expected, (key, lang)
    assert not errors, errors


@pytest.mark.browser
async def test_the_page_language_is_the_default_and_the_element_is_text(
    base_url: str, browser: Browser
) -> None:
    errors: list[str] = []
    page = await _module_page(browser, base_url, errors)
    got = await page.evaluate(
        """async (address) => {
            const i18n = await import("/static/js/i18n.js");
            const { addressElement, addressLines } = await import("/static/js/address.js");
            i18n.setLanguage("en");
            const english = addressLines(address, { name: "<b>Li</b>" });
            i18n.setLanguage("zh-CN");
            const chinese = addressLines(address, { name: "<b>Li</b>" });
            const node = addressElement(address, { name: "<b>Li</b>" });
            return { english, chinese, tag: node.tagName, html: node.innerHTML,
                     bold: node.querySelectorAll("b").length };
        }""",
        ADDRESSES["CN"],
    )
    assert got["english"][-1] == "China"
    assert got["chinese"][0] == "中国 北京市 朝阳区"
    assert got["chinese"][-1] == "<b>Li</b>"
    assert got["tag"] == "ADDRESS"
    assert got["bold"] == 0  # the name stays text
    assert got["html"].startswith("中国 北京市 朝阳区<br>")
    assert "&lt;b&gt;Li&lt;/b&gt;" in got["html"]
    assert not errors, errors
