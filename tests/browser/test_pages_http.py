"""The page routes serve the right HTML, never cached stale (no browser needed)."""

from __future__ import annotations

import pytest

from tests.support.clients import Client


@pytest.mark.parametrize(
    ("path", "script"),
    [
        ("/", "/static/js/index.js"),
        ("/watch/abc123", "/static/js/watch.js"),
        ("/host/abc123", "/static/js/host.js"),
        ("/console", "/static/js/console.js"),
        ("/console/shows/abc123", "/static/js/console.js"),
        ("/console/products/new", "/static/js/console.js"),
    ],
)
async def test_pages_are_served_uncached(app_client: Client, path: str, script: str) -> None:
    response = await app_client.get(path)
    assert response.status == 200
    assert response.content_type == "text/html"
    assert response.headers["Cache-Control"] == "no-cache"
    assert f'src="{script}"' in await response.text()


async def test_every_page_script_is_served(app_client: Client) -> None:
    for name in ("index", "watch", "host", "console", "i18n", "i18n-en", "i18n-zh"):
        response = await app_client.get(f"/static/js/{name}.js")
        assert response.status == 200, name
        assert "javascript" in response.content_type
