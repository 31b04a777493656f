"""Malformed requests get a 4xx in the JSON error shape, never a 500, and no traceback in the log.

The requests that broke it: 100,000 nested `[`, a 5,000-digit integer and
`Content-Type: application/json; charset=bogus` each gave a 500 with a
traceback; aiohttp's own parser errors (a bad request line, a header over
8 KiB, broken chunking) were answered in text/plain quoting the attacker's
bytes, without the security headers, and logged with a traceback each.
"""

from __future__ import annotations

import logging

import pytest

from tests.support.clients import Client, origin
from tests.support.processes import HOST
from tests.support.raw_http import RawAnswer, exchange
from tests.support.stage import stage


def _error(answer: RawAnswer, status: int, code: str) -> dict[str, object]:
    assert answer.status == status, answer.body[:300]
    assert answer.headers["Content-Type"].startswith("application/json")
    error: dict[str, object] = answer.json()["error"]
    assert error["code"] == code
    return error


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code", "reason"),
    [
        (b"[" * 100_000, "application/json", 400, "invalid_json", "too_deep"),
        (b"[" * 40 + b"]" * 40, "application/json", 400, "invalid_json", "too_deep"),
        (b"9" * 5_000, "application/json", 400, "invalid_json", "number_too_long"),
        (b'{"email": 1' + b"0" * 30 + b"}", "application/json", 400, "invalid_json", None),
        (b'{"email": 1e999}', "application/json", 400, "invalid_json", "number_too_long"),
        (b'{"email": NaN}', "application/json", 400, "invalid_json", None),
        (b"{}", "application/json; charset=bogus", 415, "unsupported_media_type", None),
        (b"{}", "application/json; charset=latin-1", 415, "unsupported_media_type", None),
        (b'{"a": "\xff"}', "application/json", 400, "invalid_json", None),
    ],
)
async def test_bodies_out_of_bounds_are_refused_cleanly(
    app_client: Client,
    caplog: pytest.LogCaptureFixture,
    body: bytes,
    content_type: str,
    status: int,
    code: str,
    reason: str | None,
) -> None:
    caplog.set_level(logging.INFO)
    response = await app_client.post(
        "/api/auth/signup",
        data=body,
        headers={**origin(app_client), "Content-Type": content_type},
    )
    assert response.status == status, await response.text()
    error = (await response.json())["error"]
    assert error["code"] == code
    if reason is not None:
        assert error["details"]["reason"] == reason
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    # Nothing was created: the same client is still nobody.
    assert (await app_client.get("/api/auth/me")).status == 401


async def test_utf8_bodies_still_work(app_client: Client) -> None:
    for content_type in ("application/json", "application/json; charset=UTF-8"):
        response = await app_client.put(
            "/api/viewer",
            data='{"display_name": "Zoë 小明"}'.encode(),
            headers={**origin(app_client), "Content-Type": content_type},
        )
        assert response.status == 200, await response.text()
        assert (await response.json())["viewer"]["display_name"] == "Zoë 小明"


PROTOCOL_ERRORS = {
    "bad request line": b"GE\x00T / HTTP/1.1\r\nHost: x\r\n\r\n",
    "header over 8 KiB": b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n",
    "control character in a header": b"GET / HTTP/1.1\r\nHost: x\r\nUser-Agent: a\x1b[31m\r\n\r\n",
    "broken chunking": (
        b"POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"
    ),
}


@pytest.mark.parametrize("shop_processes", ["0", "1"])
async def test_protocol_errors_get_the_json_shape_and_one_log_line(shop_processes: str) -> None:
    async with stage(server__shop_processes=shop_processes) as running:
        for what, request in PROTOCOL_ERRORS.items():
            answer = await exchange(HOST, running.port, request)
            error = _error(answer, 400, "bad_request")
            # Security headers and a request id, like every other answer.
            assert answer.headers["X-Content-Type-Options"] == "nosniff", what
            assert "frame-ancestors 'self'" in answer.headers["Content-Security-Policy"], what
            assert answer.headers["X-Request-ID"], what
            # The offending bytes are not echoed back.
            assert b"aaaa" not in answer.body, what
            assert b"\x1b" not in answer.body, what
            assert error["message"], what
        # The server still serves.
        healthy = await exchange(
            HOST, running.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        assert healthy.status == 200
        log = running.log_text()
    assert "Traceback" not in log
    assert log.count("refused a malformed request") == len(PROTOCOL_ERRORS)
