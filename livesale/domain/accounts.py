"""Creators and guest viewers: identities, tokens and input validation (pure, no I/O)."""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass

from livesale.domain.errors import ValidationFailed
from livesale.domain.text_safety import is_reserved_name, refusal
from livesale.domain.validation import check_visible_text

MAX_EMAIL_LENGTH = 254  # RFC 5321's limit on a forward path
MIN_PASSWORD_LENGTH = 8
# Long enough for passphrases and managers, short enough that hashing a body
# of junk costs nothing extra.
MAX_PASSWORD_LENGTH = 1024
MAX_DISPLAY_NAME_LENGTH = 40
ID_BYTES = 12
TOKEN_BYTES = 32  # 256-bit session and guest tokens
# One "@", no whitespace, a dot in the domain: shape only; delivery proves the rest.
_EMAIL_SHAPE = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")


@dataclass(frozen=True)
class Creator:
    """A creator account as others see it; the password hash is never part of it."""

    id: str
    email: str
    display_name: str
    created_at: float


@dataclass(frozen=True)
class Viewer:
    """A guest identity: a cookie token (never part of it) and a chosen name."""

    id: str
    display_name: str
    created_at: float


@dataclass(frozen=True)
class ViewerAccount:
    """A guest's account: the email it signs in with (None: passkeys only); the guest's id."""

    viewer_id: str
    email: str | None
    created_at: float


def new_account_id() -> str:
    """A random, URL-safe id for a creator or viewer (96 bits)."""
    return secrets.token_urlsafe(ID_BYTES)


def new_token() -> str:
    """A fresh 256-bit secret for a cookie, URL- and cookie-safe."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    """The stored form of a session or guest token.

    SHA-256 is enough: tokens are 256-bit random values, so a slow KDF would
    protect nothing, and a stolen table yields no usable cookie.
    """
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def validate_email(email: object) -> str:
    """The stripped email, or ValidationFailed on field `email`."""
    if not isinstance(email, str):
        raise ValidationFailed("email must be a string", field="email", reason="wrong_type")
    cleaned = email.strip()
    if not cleaned:
        raise ValidationFailed("email is required", field="email", reason="required")
    if len(cleaned) > MAX_EMAIL_LENGTH:
        raise ValidationFailed(
            f"email must be 1 to {MAX_EMAIL_LENGTH} characters",
            field="email",
            reason="too_long",
            max=MAX_EMAIL_LENGTH,
            length=len(cleaned),
        )
    if not _EMAIL_SHAPE.fullmatch(cleaned) or refusal(cleaned) is not None:
        raise ValidationFailed(
            "email must look like name@example.com", field="email", reason="bad_format"
        )
    return cleaned


def validate_password(password: object) -> str:
    """The password as given (never stripped), or ValidationFailed on field `password`."""
    if not isinstance(password, str):
        raise ValidationFailed("password must be a string", field="password", reason="wrong_type")
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        # The length is safe to echo; the password itself never is.
        raise ValidationFailed(
            f"password must be {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters",
            field="password",
            reason="too_short" if len(password) < MIN_PASSWORD_LENGTH else "too_long",
            min=MIN_PASSWORD_LENGTH,
            max=MAX_PASSWORD_LENGTH,
            length=len(password),
        )
    return password


def validate_display_name(name: object, field: str = "display_name") -> str:
    """The stripped, NFC-normalised name, or ValidationFailed on `field`."""
    if not isinstance(name, str):
        raise ValidationFailed(f"{field} must be a string", field=field, reason="wrong_type")
    # NFC so that the same name typed on two keyboards is stored the same way.
    cleaned = unicodedata.normalize("NFC", name).strip()
    if not 1 <= len(cleaned) <= MAX_DISPLAY_NAME_LENGTH:
        raise ValidationFailed(
            f"{field} must be 1 to {MAX_DISPLAY_NAME_LENGTH} characters",
            field=field,
            reason="too_long" if cleaned else "required",
            max=MAX_DISPLAY_NAME_LENGTH,
            length=len(cleaned),
        )
    check_visible_text(cleaned, field)
    if is_reserved_name(cleaned):
        raise ValidationFailed(
            f"{field} looks like a name kept for the staff", field=field, reason="reserved_name"
        )
    return cleaned


def viewer_login_name(email: str) -> str:
    """The name a viewer account's login failures are counted under, apart from creators'."""
    return f"viewer:{email}"


def login_key(email: str) -> str:
    """The case-folded email, as accounts are matched and login failures counted."""
    return email.strip().casefold()
