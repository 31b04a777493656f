"""Webhook signing and delivery, byte for byte as Stripe does it."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass

import aiohttp

from tests.stripe_standin.params import JSON


def sign(payload: str, secret: str, timestamp: int | None = None) -> str:
    """A `Stripe-Signature` header: `t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<payload>">`."""
    t = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{t}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def event_payload(event: JSON) -> str:
    """The body Stripe posts for an event (pretty-printed JSON, as Stripe sends it)."""
    return json.dumps(event, indent=2)


@dataclass(frozen=True)
class Delivery:
    """One POST of an event to the webhook URL and what the receiver answered."""

    event_id: str
    event_type: str
    url: str
    payload: str
    signature: str
    status: int | None
    body: str
    error: str | None = None

    @property
    def ok(self) -> bool:
        """True when the receiver answered 2xx, the only answer Stripe counts as delivered."""
        return self.status is not None and 200 <= self.status < 300


async def post_event(
    session: aiohttp.ClientSession,
    url: str,
    event: JSON,
    *,
    secret: str,
    timestamp: int | None,
    tamper: bool,
) -> Delivery:
    """Sign `event` and POST it; `tamper` changes the body after signing."""
    payload = event_payload(event)
    signature = sign(payload, secret, timestamp)
    if tamper:
        payload = event_payload({**event, "livemode": not event["livemode"]})
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "Stripe-Signature": signature,
        "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
    }
    try:
        async with session.post(url, data=payload.encode(), headers=headers) as response:
            status, body = response.status, await response.text()
    except (aiohttp.ClientError, TimeoutError) as error:
        # Stripe records an unreachable endpoint as a failed attempt; so do we.
        return Delivery(event["id"], event["type"], url, payload, signature, None, "", repr(error))
    return Delivery(event["id"], event["type"], url, payload, signature, status, body)
