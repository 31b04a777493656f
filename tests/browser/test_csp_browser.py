"""Real Chromium: the pages' Content-Security-Policy blocks injected inline script."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser


@pytest.mark.browser
@pytest.mark.timeout(60)
async def test_an_injected_inline_script_does_not_run(base_url: str, browser: Browser) -> None:
    page = await browser.new_page()
    await page.goto(f"{base_url}/")
    outcome = await page.evaluate(
        """() => new Promise((resolve) => {
            document.addEventListener('securitypolicyviolation', (event) =>
                resolve({ran: window.injected === true, blocked: event.violatedDirective}));
            const script = document.createElement('script');
            script.textContent = 'window.injected = true;';
            document.body.append(script);
            setTimeout(() => resolve({ran: window.injected === true, blocked: null}), 2000);
        })"""
    )
    assert outcome == {"ran": False, "blocked": "script-src-elem"}
    await page.close()
