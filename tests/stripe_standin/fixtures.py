"""Pytest fixtures for the Stripe stand-in; a conftest imports what it needs from here."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
import stripe
from aiohttp.test_utils import BaseTestServer

from livesale.config import Settings
from livesale.web.order_routes import WEBHOOK_PATH
from tests.stripe_standin.server import StripeStandin


def paying_through(settings: Settings, standin: StripeStandin) -> Settings:
    """`settings` with the app paying through Stripe, where Stripe is `standin`."""
    payments = dataclasses.replace(
        settings.payments,
        stripe_secret_key=standin.api_key,
        stripe_webhook_secret=standin.webhook_secret,
        stripe_publishable_key="pk_test_livesale",
        stripe_api_base=standin.url,
        stripe_max_network_retries=0,
    )
    return dataclasses.replace(settings, payments=payments)


def sending_webhooks_to(standin: StripeStandin, server: BaseTestServer) -> StripeStandin:
    """`standin`, delivering its webhooks to the app `server` runs."""
    standin.webhook_url = str(server.make_url(WEBHOOK_PATH))
    return standin


@asynccontextmanager
async def official_client(
    standin: StripeStandin, api_key: str | None = None, max_network_retries: int = 0
) -> AsyncIterator[stripe.StripeClient]:
    """A StripeClient built as the app builds it, pointed at `standin`, its session closed."""
    http_client = stripe.AIOHTTPClient()
    client = stripe.StripeClient(
        standin.api_key if api_key is None else api_key,
        http_client=http_client,
        base_addresses={"api": standin.url},
        max_network_retries=max_network_retries,
    )
    try:
        yield client
    finally:
        # StripeClient has no close of its own; the aiohttp session lives in the http client.
        await http_client.close_async()  # type: ignore[no-untyped-call]  # stripe leaves it bare


@pytest.fixture
async def stripe_standin() -> AsyncIterator[StripeStandin]:
    """A started stand-in on 127.0.0.1 (random port); set `webhook_url` once the app runs."""
    async with StripeStandin() as standin:
        yield standin
