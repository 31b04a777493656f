"""Sign-up, login and guest-name bodies read into typed values.

The account rules (an email's shape, a password's length, a display name's
characters) are the domain's validators, run here in the order the API has
always reported them. A solved challenge stays the client's payload as sent:
the challenge store is what reads it, and calls anything malformed `malformed`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from livesale.domain.accounts import validate_display_name, validate_email, validate_password
from livesale.domain.errors import ValidationFailed
from livesale.domain.validation import reject_unknown_fields


@dataclass(frozen=True, slots=True)
class SignUp:
    """A new creator account: a cleaned email and name, the password as typed."""

    email: str
    password: str
    display_name: str


@dataclass(frozen=True, slots=True)
class LogIn:
    """A login attempt; `challenge` is a solved proof of work once the throttle asks for one."""

    email: str
    password: str
    challenge: object = None


@dataclass(frozen=True, slots=True)
class NewViewerAccount:
    """A guest's new account: a cleaned email, the password as typed."""

    email: str
    password: str


@dataclass(frozen=True, slots=True)
class GuestName:
    """A guest's display name; `challenge` pays for a new guest past the free ones."""

    display_name: str
    challenge: object = None


def parse_sign_up(body: Mapping[str, object]) -> SignUp:
    """`{email, password, display_name}`, each checked by its account rule."""
    reject_unknown_fields(body, ("email", "password", "display_name"))
    return SignUp(
        email=validate_email(body.get("email")),
        password=validate_password(body.get("password")),
        display_name=validate_display_name(body.get("display_name")),
    )


def parse_log_in(body: Mapping[str, object]) -> LogIn:
    """`{email, password, challenge?}`: two strings (any wrong one is just a wrong login)."""
    reject_unknown_fields(body, ("email", "password", "challenge"))
    email, password = body.get("email"), body.get("password")
    if not isinstance(email, str):
        raise ValidationFailed("email must be a string", field="email", reason="wrong_type")
    if not isinstance(password, str):
        raise ValidationFailed("password must be a string", field="password", reason="wrong_type")
    return LogIn(email, password, body.get("challenge"))


def parse_guest_name(body: Mapping[str, object]) -> GuestName:
    """`{display_name, challenge?}`: the name is checked before anything is counted."""
    reject_unknown_fields(body, ("display_name", "challenge"))
    return GuestName(validate_display_name(body.get("display_name")), body.get("challenge"))


def parse_viewer_account(body: Mapping[str, object]) -> NewViewerAccount:
    """`{email, password}`, each checked by its account rule."""
    reject_unknown_fields(body, ("email", "password"))
    return NewViewerAccount(
        email=validate_email(body.get("email")),
        password=validate_password(body.get("password")),
    )
