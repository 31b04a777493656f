"""Process logging: human text or JSON lines, each tagged with the request and show ids."""

from __future__ import annotations

import json
import logging
import sys
import time
from contextvars import ContextVar

from livesale.config import ConfigError, LogSettings

# Set by the request-id middleware; read by every log record made while handling.
request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
# The show a request is about (from its route's `{show_id}`), for the same records.
show_id_var: ContextVar[str | None] = ContextVar("show_id", default=None)

# aiohttp's access line; the request id comes from the context like any other record.
ACCESS_LOG_FORMAT = '%a "%r" %s %b %Tfs "%{User-Agent}i"'
_TEXT_FORMAT = "%(asctime)s %(levelname)-7s %(name)s [%(request_id)s %(show_id)s] %(message)s"


class RequestIdFilter(logging.Filter):
    """Copies the current request and show ids onto each record ("-" when there is none)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Annotate and keep every record."""
        record.request_id = request_id_var.get() or "-"
        record.show_id = show_id_var.get() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log shippers."""

    def format(self, record: logging.LogRecord) -> str:
        """Render `record` as a JSON line."""
        entry: dict[str, object] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", "-")
        if request_id != "-":
            entry["request_id"] = request_id
        show_id = getattr(record, "show_id", "-")
        if show_id != "-":
            entry["show_id"] = show_id
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class _LivesaleHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Marks the handler we install, so reconfiguring replaces only ours."""


def configure_logging(settings: LogSettings) -> None:
    """Install one stderr handler on the root logger as `settings` asks."""
    level = logging.getLevelNamesMapping().get(settings.level.upper())
    if level is None:
        raise ConfigError(f"log.level: unknown level {settings.level!r}")
    if settings.format not in ("text", "json"):
        raise ConfigError(f"log.format: expected 'text' or 'json', got {settings.format!r}")
    handler = _LivesaleHandler(sys.stderr)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(
        JsonFormatter() if settings.format == "json" else logging.Formatter(_TEXT_FORMAT)
    )
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _LivesaleHandler)]:
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    root.setLevel(level)
    # aiohttp.access logs at INFO; keep it on even when the root level is higher
    # would hide it, so operators always see requests unless they ask for WARNING+.
    logging.getLogger("aiohttp.access").setLevel(level)
