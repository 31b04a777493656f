"""A local Stripe API stand-in that the official `stripe` client talks to over HTTP."""

from tests.stripe_standin.params import StripeError
from tests.stripe_standin.server import (
    DEFAULT_API_KEY,
    DEFAULT_WEBHOOK_SECRET,
    RecordedRequest,
    StripeStandin,
)
from tests.stripe_standin.webhooks import Delivery

__all__ = [
    "DEFAULT_API_KEY",
    "DEFAULT_WEBHOOK_SECRET",
    "Delivery",
    "RecordedRequest",
    "StripeError",
    "StripeStandin",
]
