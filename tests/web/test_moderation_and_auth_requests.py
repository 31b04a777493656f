"""The moderation and account request parsers: typed values, and each refusal's field and reason."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from livesale.domain.errors import ValidationFailed
from livesale.web.auth_requests import (
    GuestName,
    LogIn,
    SignUp,
    parse_guest_name,
    parse_log_in,
    parse_sign_up,
)
from livesale.web.moderation_requests import (
    Mute,
    parse_blocked_words,
    parse_mute,
    parse_slow_mode,
    parse_viewer,
)

Parse = Callable[[dict[str, Any]], object]
PASSWORD = "correct horse battery"


def refused(parse: Parse, body: dict[str, Any]) -> ValidationFailed:
    """The error `parse(body)` raises."""
    with pytest.raises(ValidationFailed) as caught:
        parse(body)
    return caught.value


def test_moderation_bodies_read_into_typed_values() -> None:
    assert parse_mute({"viewer_id": "v1", "seconds": 60}, 3600) == Mute("v1", 60)
    assert parse_viewer({"viewer_id": "v1"}) == "v1"
    assert parse_slow_mode({"seconds": 0}, 600) == 0
    assert parse_blocked_words({"words": ["spam", "Scam"]}) == ["spam", "Scam"]


@pytest.mark.parametrize(
    ("parse", "body", "field", "reason", "message"),
    [
        (lambda b: parse_mute(b, 3600), {"seconds": 5}, "viewer_id", "bad_format",
         "viewer_id must be a viewer's id"),
        (lambda b: parse_mute(b, 3600), {"viewer_id": "", "seconds": 5}, "viewer_id",
         "bad_format", "viewer_id must be a viewer's id"),
        (lambda b: parse_mute(b, 3600), {"viewer_id": "v", "seconds": "5"}, "seconds",
         "wrong_type", "seconds must be a whole number from 1 to 3600"),
        (lambda b: parse_mute(b, 3600), {"viewer_id": "v", "seconds": True}, "seconds",
         "wrong_type", "seconds must be a whole number from 1 to 3600"),
        (lambda b: parse_mute(b, 3600), {"viewer_id": "v", "seconds": 5, "why": "x"}, "why",
         "unknown_field", None),
        (parse_viewer, {"viewer_id": 7}, "viewer_id", "bad_format", None),
        (parse_viewer, {"viewer": "v"}, "viewer", "unknown_field", None),
        (lambda b: parse_slow_mode(b, 600), {}, "seconds", "wrong_type",
         "seconds must be a whole number from 0 to 600"),
        (lambda b: parse_slow_mode(b, 600), {"seconds": 2.5}, "seconds", "wrong_type", None),
        (parse_blocked_words, {"words": "spam"}, "words", "wrong_type",
         "words must be a list of strings"),
        (parse_blocked_words, {"words": ["spam", 3]}, "words", "wrong_type", None),
        (parse_blocked_words, {}, "words", "wrong_type", None),
    ],
)  # fmt: skip
def test_a_bad_moderation_body_names_the_field_and_the_reason(
    parse: Parse, body: dict[str, Any], field: str, reason: str, message: str | None
) -> None:
    error = refused(parse, body)
    assert (error.code, error.details["field"], error.details["reason"]) == (
        "validation_failed",
        field,
        reason,
    )
    assert message is None or error.message == message


def test_a_mute_of_the_wrong_type_states_the_range() -> None:
    assert refused(lambda b: parse_mute(b, 3600), {"viewer_id": "v"}).details == {
        "field": "seconds",
        "reason": "wrong_type",
        "min": 1,
        "max": 3600,
    }


def test_account_bodies_read_into_typed_values() -> None:
    body = {"email": " Ada@Example.com ", "password": PASSWORD, "display_name": " Ada "}
    assert parse_sign_up(body) == SignUp("Ada@Example.com", PASSWORD, "Ada")
    assert parse_log_in({"email": "a@b.co", "password": "x"}) == LogIn("a@b.co", "x", None)
    assert parse_log_in({"email": "a@b.co", "password": "x", "challenge": "c"}).challenge == "c"
    assert parse_guest_name({"display_name": "Mia"}) == GuestName("Mia", None)


@pytest.mark.parametrize(
    ("parse", "body", "field", "reason"),
    [
        (parse_sign_up, {"password": PASSWORD, "display_name": "A"}, "email", "wrong_type"),
        (parse_sign_up, {"email": " ", "password": PASSWORD, "display_name": "A"}, "email",
         "required"),
        (parse_sign_up, {"email": "nope", "password": PASSWORD, "display_name": "A"}, "email",
         "bad_format"),
        # The email is reported first, as it always was, when two fields are wrong.
        (parse_sign_up, {"email": "nope", "password": 5, "display_name": "A"}, "email",
         "bad_format"),
        (parse_sign_up, {"email": "a@b.co", "password": "short", "display_name": "A"},
         "password", "too_short"),
        (parse_sign_up, {"email": "a@b.co", "password": PASSWORD}, "display_name", "wrong_type"),
        (parse_sign_up, {"email": "a@b.co", "password": PASSWORD, "display_name": "admin"},
         "display_name", "reserved_name"),
        (parse_sign_up, {"email": "a@b.co", "password": PASSWORD, "display_name": "A",
                         "role": "admin"}, "role", "unknown_field"),
        (parse_log_in, {"password": "x"}, "email", "wrong_type"),
        (parse_log_in, {"email": "a@b.co", "password": None}, "password", "wrong_type"),
        (parse_log_in, {"email": "a@b.co", "password": "x", "remember": True}, "remember",
         "unknown_field"),
        (parse_guest_name, {}, "display_name", "wrong_type"),
        (parse_guest_name, {"display_name": "  "}, "display_name", "required"),
        (parse_guest_name, {"display_name": "Mia\u200b"}, "display_name",
         "invisible_characters"),
    ],
)  # fmt: skip
def test_a_bad_account_body_names_the_field_and_the_reason(
    parse: Parse, body: dict[str, Any], field: str, reason: str
) -> None:
    error = refused(parse, body)
    assert (error.details["field"], error.details["reason"]) == (field, reason)
