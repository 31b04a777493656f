"""Log formatting: text and JSON lines carry the request id."""

from __future__ import annotations

import json
import logging

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from livesale.config import ConfigError, LogSettings
from livesale.logging_setup import (
    JsonFormatter,
    RequestIdFilter,
    configure_logging,
    request_id_var,
    show_id_var,
)
from livesale.web.middleware import request_id_middleware


def _record(message: str) -> logging.LogRecord:
    record = logging.LogRecord("livesale.test", logging.INFO, __file__, 1, message, (), None)
    RequestIdFilter().filter(record)
    return record


def test_json_line_has_request_id() -> None:
    token = request_id_var.set("rid-1")
    try:
        line = JsonFormatter().format(_record("hello"))
    finally:
        request_id_var.reset(token)
    entry = json.loads(line)
    assert entry["message"] == "hello"
    assert entry["request_id"] == "rid-1"
    assert entry["level"] == "INFO"


def test_json_line_without_request() -> None:
    assert "request_id" not in json.loads(JsonFormatter().format(_record("x")))


@pytest.mark.parametrize("settings", [LogSettings(level="LOUD"), LogSettings(format="xml")])
def test_bad_log_settings(settings: LogSettings) -> None:
    with pytest.raises(ConfigError):
        configure_logging(settings)


async def test_records_made_for_a_show_carry_its_id() -> None:
    async def handler(request: web.Request) -> web.Response:
        record = _record("inside")
        return web.json_response({"show_id": getattr(record, "show_id", None)})

    app = web.Application(middlewares=[request_id_middleware])
    app.router.add_get("/api/shows/{show_id}/thing", handler)
    app.router.add_get("/healthz", handler)
    async with TestClient(TestServer(app)) as client:
        about_show = await (await client.get("/api/shows/s42/thing")).json()
        elsewhere = await (await client.get("/healthz")).json()
    assert about_show == {"show_id": "s42"}
    assert elsewhere == {"show_id": "-"}
    token = show_id_var.set("s42")
    try:
        entry = json.loads(JsonFormatter().format(_record("about a show")))
    finally:
        show_id_var.reset(token)
    assert entry["show_id"] == "s42"
    assert "show_id" not in json.loads(JsonFormatter().format(_record("plain")))
