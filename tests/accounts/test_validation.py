"""Account input rules: emails, passwords and display names."""

from __future__ import annotations

import pytest

from livesale.domain.accounts import (
    MAX_DISPLAY_NAME_LENGTH,
    MAX_EMAIL_LENGTH,
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    hash_token,
    new_token,
    validate_display_name,
    validate_email,
    validate_password,
)
from livesale.domain.errors import ValidationFailed


@pytest.mark.parametrize(
    "email", ["a@b.co", "  Someone.Else+tag@Example.COM ", "x@sub.domain.example", "李@例子.中国"]
)
def test_sane_emails_pass_stripped(email: str) -> None:
    assert validate_email(email) == email.strip()


@pytest.mark.parametrize(
    "email",
    [
        "",
        "   ",
        "plain",
        "@example.com",
        "a@",
        "a@b",
        "a@@b.co",
        "a b@c.co",
        "a@b..co",
        "a@b\n.co",
        "a\x00@b.co",
        "a" * (MAX_EMAIL_LENGTH - 5) + "@b.com",
        None,
        42,
    ],
)
def test_bad_emails_name_the_field(email: object) -> None:
    with pytest.raises(ValidationFailed) as info:
        validate_email(email)
    assert info.value.details["field"] == "email"


def test_email_length_limit_is_inclusive() -> None:
    email = "a" * (MAX_EMAIL_LENGTH - 6) + "@b.co"
    assert len(email) == MAX_EMAIL_LENGTH - 1
    assert validate_email(email + "m") == email + "m"


def test_password_length_bounds_and_no_stripping() -> None:
    assert validate_password(" " * MIN_PASSWORD_LENGTH) == " " * MIN_PASSWORD_LENGTH
    assert validate_password("x" * MAX_PASSWORD_LENGTH) == "x" * MAX_PASSWORD_LENGTH
    for bad in ["x" * (MIN_PASSWORD_LENGTH - 1), "x" * (MAX_PASSWORD_LENGTH + 1), None, 12345678]:
        with pytest.raises(ValidationFailed) as info:
            validate_password(bad)
        assert info.value.details["field"] == "password"
        # The password never rides along in the error, only its length.
        assert "x" * (MIN_PASSWORD_LENGTH - 1) not in str(info.value.details)


def test_display_names() -> None:
    assert validate_display_name("  Ada  ") == "Ada"
    assert validate_display_name("x" * MAX_DISPLAY_NAME_LENGTH) == "x" * MAX_DISPLAY_NAME_LENGTH
    assert validate_display_name("小红 👩‍👩‍👧") == "小红 👩‍👩‍👧"  # ZWJ emoji are fine
    # NFC: a decomposed é is stored as the composed one.
    assert validate_display_name("Re\u0301my") == "R\u00e9my"
    bad: list[object] = [
        "",
        "   ",
        "x" * (MAX_DISPLAY_NAME_LENGTH + 1),
        "tab\there",
        "new\nline",
        "bell\x07",
        "del\x7f",
        "evil\u202eflipped",
        "line\u2028sep",
        None,
        ["Ada"],
    ]
    for name in bad:
        with pytest.raises(ValidationFailed) as info:
            validate_display_name(name)
        assert info.value.details["field"] == "display_name", name
    with pytest.raises(ValidationFailed) as info:
        validate_display_name("", field="name")
    assert info.value.details["field"] == "name"


def test_tokens_are_random_and_hashed() -> None:
    first, second = new_token(), new_token()
    assert first != second
    assert len(first) >= 43  # 256 bits in URL-safe base64
    assert hash_token(first) != first
    assert hash_token(first) == hash_token(first)
    assert len(hash_token(first)) == 64
