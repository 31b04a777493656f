"""Security headers on pages, API answers and errors; uploads keep their own stricter policy."""

from __future__ import annotations

import io

from PIL import Image

from tests.support.clients import Client, origin


def _directives(policy: str) -> dict[str, str]:
    return {
        part.strip().split(" ", 1)[0]: part.strip().partition(" ")[2]
        for part in policy.split(";")
        if part.strip()
    }


async def test_pages_forbid_inline_script_and_framing_by_others(app_client: Client) -> None:
    for path in ("/", "/console", "/watch/abc", "/host/abc", "/orders/ord_x"):
        response = await app_client.get(path)
        assert response.status == 200, path
        policy = _directives(response.headers["Content-Security-Policy"])
        assert "'unsafe-inline'" not in policy["script-src"]
        assert "'unsafe-eval'" not in policy["script-src"]
        assert policy["script-src"].startswith("'self'")
        assert policy["frame-ancestors"] == "'self'"
        assert policy["object-src"] == "'none'"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


async def test_errors_and_api_answers_carry_them_too(app_client: Client) -> None:
    missing = await app_client.get("/api/shows/nope")
    assert missing.status == 404
    assert missing.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'self'" in missing.headers["Content-Security-Policy"]
    unknown = await app_client.get("/no/such/route")
    assert unknown.status == 404
    assert unknown.headers["X-Content-Type-Options"] == "nosniff"


async def test_an_answer_with_its_own_policy_keeps_it(alice: Client) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 200, 30)).save(buffer, format="PNG")
    uploaded = await alice.post(
        "/api/images",
        data=buffer.getvalue(),
        headers={**origin(alice), "Content-Type": "image/png"},
    )
    assert uploaded.status == 201, await uploaded.text()
    image = await alice.get((await uploaded.json())["image"]["url"])
    assert image.status == 200
    # Opened directly, an uploaded image may not run or load anything.
    assert image.headers["Content-Security-Policy"] == "default-src 'none'"
    assert image.headers["X-Content-Type-Options"] == "nosniff"
