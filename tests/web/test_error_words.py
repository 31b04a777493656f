"""Every error code the server can send, and every field-error reason, has words in both languages.

A new error class, a new code sent over the room, or a new `details.reason`
without an `error.<code>` / `reason.<reason>` entry in `static/js/i18n-en.js`
and `i18n-zh.js` fails here, so people never see a bare code or the server's
English in the Chinese interface.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import livesale
from livesale.domain.errors import FIELD_REASONS, LivesaleError
from livesale.web.middleware import _HTTP_CODES

ROOT = Path(__file__).resolve().parents[2]
SOURCE = Path(livesale.__file__).resolve().parent
# `"key": "value",` lines of an `export const xx = {...}` dictionary.
_ENTRY = re.compile(r'^\s*"([^"\\]+)":\s*("(?:[^"\\]|\\.)*"),?\s*$')
# Functions and classes that send an error code to clients, and where the code is among their
# arguments: `error_event(code, message)`, `error_response(status, code, message)`.
_CODE_SENDERS = {"error_event": 0, "BadCommand": 0, "error_response": 1}
# Codes the front end makes itself when no server answered.
_CLIENT_CODES = {"network_error", "aborted"}


def dictionary(language: str) -> dict[str, str]:
    """The `static/js/i18n-<language>.js` table, parsed line by line."""
    entries: dict[str, str] = {}
    for line in (ROOT / "static" / "js" / f"i18n-{language}.js").read_text().splitlines():
        match = _ENTRY.match(line)
        if match:
            key, value = match.groups()
            assert key not in entries, f"{key} is listed twice in i18n-{language}.js"
            entries[key] = json.loads(value)
    return entries


def _subclasses(cls: type[LivesaleError]) -> Iterator[type[LivesaleError]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _codes_sent_elsewhere() -> set[str]:
    """String codes passed to `error_event(...)`, `BadCommand(...)` or `error_response(...)`."""
    codes: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            position = _CODE_SENDERS.get(str(name))
            if position is None or len(node.args) <= position:
                continue
            arg = node.args[position]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                codes.add(arg.value)
    return codes


def every_code() -> set[str]:
    """Every error code a client can receive from this server, or make itself."""
    classes = {cls.code for cls in _subclasses(LivesaleError)} | {LivesaleError.code}
    return classes | set(_HTTP_CODES.values()) | _codes_sent_elsewhere() | _CLIENT_CODES


def test_the_dictionaries_parse_whole() -> None:
    for language in ("en", "zh"):
        text = (ROOT / "static" / "js" / f"i18n-{language}.js").read_text()
        quoted_lines = [line for line in text.splitlines() if line.strip().startswith('"')]
        assert len(dictionary(language)) == len(quoted_lines) > 300


def test_the_code_list_finds_codes_from_every_source() -> None:
    codes = every_code()
    # One from each source: a class, aiohttp's statuses, the room's parser, the middleware.
    assert {"validation_failed", "method_not_allowed", "malformed_message"} <= codes
    assert {"message_too_large", "unknown_message_type", "internal_error"} <= codes


@pytest.mark.parametrize("language", ["en", "zh"])
def test_every_error_code_has_words(language: str) -> None:
    table = dictionary(language)
    missing = sorted(code for code in every_code() if not table.get(f"error.{code}", "").strip())
    assert not missing, f"i18n-{language}.js has no error.<code> for {missing}"


@pytest.mark.parametrize("language", ["en", "zh"])
def test_every_field_reason_has_words(language: str) -> None:
    table = dictionary(language)
    missing = sorted(r for r in FIELD_REASONS if not table.get(f"reason.{r}", "").strip())
    assert not missing, f"i18n-{language}.js has no reason.<reason> for {missing}"


def test_field_words_use_only_the_numbers_the_server_sends() -> None:
    # {field} and the names field-errors.js fills from details; anything else would stay "{x}".
    allowed = {"field", "min", "max", "limit", "currency", "other"}
    for language in ("en", "zh", "es", "ar"):
        for key, text in dictionary(language).items():
            if key.startswith(("reason.", "fielderror.")) and key != "fielderror.in_row":
                used = set(re.findall(r"\{(\w+)\}", text))
                assert used <= allowed, (language, key, used - allowed)


def test_no_words_name_api_fields_or_codes() -> None:
    # People read these: no snake_case API names ("variant_id", "pin_id", "validation_failed").
    snake = re.compile(r"\b[a-z]+_[a-z_]+\b")
    for language in ("en", "zh", "es", "ar"):
        for key, text in dictionary(language).items():
            assert not snake.search(text), (language, key, text)
