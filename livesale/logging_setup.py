"""Process logging: human text or JSON lines, each tagged with the request and show ids.

Log lines carry text from clients (a route's show id, a path, a header): every
value is escaped (control characters, NUL, CR/LF, ESC, line separators), so no
request can write something that looks like a line of its own, or colour or
clear an operator's terminal.
"""

from __future__ import annotations

import copy
import json
import logging
import re
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
# C0 controls (NUL, TAB, CR, LF, ESC ...), DEL, C1 controls (NEL ...) and the
# Unicode line and paragraph separators: what can end, fake or recolour a line.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# Lines of a traceback start with this, so none can pass for a log line of its own.
TRACEBACK_MARGIN = "  | "


def escape_log_text(text: str) -> str:
    """`text` with every control character written as a visible escape (`\\n`, `\\x1b`)."""
    if not _UNSAFE.search(text):
        return text  # the common case: no copy
    return _UNSAFE.sub(_escape_one, text)


def _escape_one(match: re.Match[str]) -> str:
    char = match.group()
    named = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(char)
    if named is not None:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def _escape_lines(text: str, margin: str) -> str:
    """A multi-line block (a traceback): each line escaped, with `margin` in front."""
    return "\n".join(margin + escape_log_text(line) for line in text.split("\n"))


class RequestIdFilter(logging.Filter):
    """Copies the current request and show ids onto each record ("-" when there is none)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Annotate and keep every record."""
        record.request_id = request_id_var.get() or "-"
        record.show_id = show_id_var.get() or "-"
        return True


class TextFormatter(logging.Formatter):
    """One line per record for people: the message and the ids escaped, tracebacks set in."""

    def __init__(self) -> None:
        super().__init__(_TEXT_FORMAT)

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 (logging's name)
        """The line, with every value that may come from a client escaped."""
        # A copy: other handlers (a test's log capture) get the record as it was.
        shown = copy.copy(record)
        shown.message = escape_log_text(record.message)
        shown.request_id = escape_log_text(str(getattr(record, "request_id", "-")))
        shown.show_id = escape_log_text(str(getattr(record, "show_id", "-")))
        return super().formatMessage(shown)

    def formatException(self, ei: logging._SysExcInfoType) -> str:  # noqa: N802
        """The traceback, every line escaped and behind the margin."""
        return _escape_lines(super().formatException(ei), TRACEBACK_MARGIN)

    def formatStack(self, stack_info: str) -> str:  # noqa: N802
        """A stack dump, like a traceback."""
        return _escape_lines(stack_info, TRACEBACK_MARGIN)


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log shippers; string values escaped as in text lines."""

    def format(self, record: logging.LogRecord) -> str:
        """Render `record` as a JSON line."""
        entry: dict[str, object] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            # Escaped before encoding: `jq -r .message` must not print a forged line either.
            "message": escape_log_text(record.getMessage()),
        }
        request_id = getattr(record, "request_id", "-")
        if request_id != "-":
            entry["request_id"] = escape_log_text(str(request_id))
        show_id = getattr(record, "show_id", "-")
        if show_id != "-":
            entry["show_id"] = escape_log_text(str(show_id))
        if record.exc_info:
            entry["exception"] = _escape_lines(self.formatException(record.exc_info), "")
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
    handler.setFormatter(JsonFormatter() if settings.format == "json" else TextFormatter())
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _LivesaleHandler)]:
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    root.setLevel(level)
    # aiohttp.access logs at INFO; keep it on even when the root level is higher
    # would hide it, so operators always see requests unless they ask for WARNING+.
    logging.getLogger("aiohttp.access").setLevel(level)
