"""Log formatting: text and JSON lines carry the request id."""

from __future__ import annotations

import json
import logging

import pytest

from livesale.config import ConfigError, LogSettings
from livesale.logging_setup import JsonFormatter, RequestIdFilter, configure_logging, request_id_var


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
