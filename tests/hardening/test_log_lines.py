"""Log lines cannot be forged: a route's show id (and any value) is escaped in every line.

The request that broke it: `GET /api/shows/x%0A<a fake WARNING line>%0A/timeline`
wrote the fake line into the text log, looking exactly like a real one.
"""

from __future__ import annotations

import json
import logging
import sys
from urllib.parse import quote

import pytest

from livesale.logging_setup import TRACEBACK_MARGIN, RequestIdFilter, TextFormatter
from tests.support.polling import poll
from tests.support.processes import HOST
from tests.support.raw_http import exchange
from tests.support.stage import stage

# What an attacker wants the operator to read, as a line of its own.
FAKE_STAMP = "2026-01-01 00:00:00,000"
FAKE_LINE = f"{FAKE_STAMP} WARNING livesale.web.middleware [- -] payouts moved to IBAN XX00"


def _forging_request(port: int) -> bytes:
    # NUL, ESC (a terminal colour) and a Unicode line separator ride along with the newlines.
    show_id = "x\n" + FAKE_LINE + "\x00\x1b[31m\u2028\n"
    path = f"/api/shows/{quote(show_id, safe='')}/timeline"
    return f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nConnection: close\r\n\r\n".encode()


@pytest.mark.parametrize("log_format", ["text", "json"])
async def test_a_show_id_with_newlines_cannot_forge_a_log_line(log_format: str) -> None:
    async with stage(server__shop_processes="0", log__format=log_format) as running:
        answer = await exchange(HOST, running.port, _forging_request(running.port))
        assert answer.status == 404
        # The access line of that request names its path; wait for it to be written.
        await poll(lambda: "/timeline" in running.log_text(), 10, "the access line")
        lines = running.log_text().splitlines()

    mentions = [line for line in lines if "IBAN XX00" in line]
    assert mentions, "the request was not logged at all"
    for line in lines:
        assert not line.startswith(FAKE_STAMP), f"a forged line made it into the log: {line!r}"
        assert "\x00" not in line
        assert "\x1b" not in line
        assert "\u2028" not in line
    if log_format == "json":
        entries = [json.loads(line) for line in lines if line.startswith("{")]
        assert len(entries) == len([line for line in lines if line.strip()])
        forged = [e for e in entries if "IBAN XX00" in e.get("show_id", "")]
        assert forged
        assert all("\n" not in e["show_id"] for e in forged)
        assert all(e["show_id"].startswith("x\\n" + FAKE_STAMP) for e in forged)
    else:
        # The real line shows the id escaped, inside its brackets.
        assert any(f"x\\n{FAKE_STAMP} WARNING" in line for line in mentions)
        assert any("\\x00\\x1b[31m\\u2028\\n]" in line for line in mentions)


def test_a_traceback_cannot_carry_a_line_of_its_own() -> None:
    try:
        raise ValueError(f"bad value\n{FAKE_LINE}")
    except ValueError:
        record = logging.LogRecord("livesale.t", logging.ERROR, __file__, 1, "failed", (), None)
        record.exc_info = sys.exc_info()
    RequestIdFilter().filter(record)
    first, *rest = TextFormatter().format(record).split("\n")
    assert first.endswith("[- -] failed")
    assert rest
    assert all(line.startswith(TRACEBACK_MARGIN) for line in rest)
