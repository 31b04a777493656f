"""Money: integer amounts in minor units plus an ISO-4217 currency (pure, no I/O)."""

from __future__ import annotations

from decimal import Decimal

from livesale.domain.errors import ValidationFailed

MIN_PRICE_MINOR = 1
MAX_PRICE_MINOR = 100_000_000

# ISO-4217 code -> minor-unit exponent (how many decimals the currency has).
# The common trading currencies; Stripe's "zero-decimal" ones have 0. Codes
# not listed are refused rather than guessed, because a wrong exponent would
# charge 100 times too much or too little.
CURRENCIES: dict[str, int] = {
    "AED": 2,
    "ARS": 2,
    "AUD": 2,
    "BGN": 2,
    "BHD": 3,
    "BRL": 2,
    "CAD": 2,
    "CHF": 2,
    "CLP": 0,
    "CNY": 2,
    "COP": 2,
    "CZK": 2,
    "DKK": 2,
    "EGP": 2,
    "EUR": 2,
    "GBP": 2,
    "HKD": 2,
    "HUF": 2,
    "IDR": 2,
    "ILS": 2,
    "INR": 2,
    "ISK": 0,
    "JOD": 3,
    "JPY": 0,
    "KRW": 0,
    "KWD": 3,
    "MXN": 2,
    "MYR": 2,
    "NGN": 2,
    "NOK": 2,
    "NZD": 2,
    "OMR": 3,
    "PHP": 2,
    "PKR": 2,
    "PLN": 2,
    "QAR": 2,
    "RON": 2,
    "SAR": 2,
    "SEK": 2,
    "SGD": 2,
    "THB": 2,
    "TND": 3,
    "TRY": 2,
    "TWD": 2,
    "UAH": 2,
    "USD": 2,
    "VND": 0,
    "XAF": 0,
    "XOF": 0,
    "ZAR": 2,
}


def minor_unit_exponent(currency: str) -> int:
    """How many decimals `currency` has (KeyError for an unknown code)."""
    return CURRENCIES[currency]


def validate_currency(value: object, field: str = "currency") -> str:
    """An upper-case ISO-4217 code this server knows, or ValidationFailed on `field`."""
    if not isinstance(value, str):
        raise ValidationFailed(
            "currency must be a 3-letter ISO-4217 code", field=field, reason="wrong_type"
        )
    code = value.strip().upper()
    if code not in CURRENCIES:
        raise ValidationFailed(
            f"unknown or unsupported currency {value[:8]!r}: use an ISO-4217 code such as EUR",
            field=field,
            reason="bad_format",
        )
    return code


def validate_price_minor(
    value: object, field: str = "price_minor", currency: str | None = None
) -> int:
    """A price in minor units: an integer 1..100,000,000 (never a bool or a float).

    `currency`, when known, goes into the error so a client can word the limit as money.
    """
    money = {"currency": currency} if currency else {}
    # bool is an int subclass: `true` must not become a price of 1.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationFailed(
            "price_minor must be an integer number of minor units (e.g. cents)",
            field=field,
            reason="wrong_type",
        )
    if not MIN_PRICE_MINOR <= value <= MAX_PRICE_MINOR:
        raise ValidationFailed(
            f"price_minor must be {MIN_PRICE_MINOR} to {MAX_PRICE_MINOR}",
            field=field,
            reason="too_small" if value < MIN_PRICE_MINOR else "too_large",
            min=MIN_PRICE_MINOR,
            max=MAX_PRICE_MINOR,
            min_minor=MIN_PRICE_MINOR,
            max_minor=MAX_PRICE_MINOR,
            **money,
        )
    return value


def to_decimal(amount_minor: int, currency: str) -> Decimal:
    """The amount in major units, exactly (1234 EUR -> Decimal('12.34'))."""
    return Decimal(amount_minor).scaleb(-minor_unit_exponent(currency))


def format_money(amount_minor: int, currency: str) -> str:
    """A plain, locale-neutral rendering: `12.34 EUR`, `1,500 JPY`."""
    exponent = minor_unit_exponent(currency)
    return f"{to_decimal(amount_minor, currency):,.{exponent}f} {currency}"
