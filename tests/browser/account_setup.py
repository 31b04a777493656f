"""Setting up account tests: a guest who buys from its own page, the order page, and
Chromium's virtual authenticator (a passkey device) through the DevTools protocol."""

from __future__ import annotations

from typing import Any

from playwright.async_api import BrowserContext, CDPSession, Page, expect

SECONDS = 1000
# The page's own fetches, as the checkout makes them: the guest is this browser's cookie.
BUY_AS_GUEST = """async ({showId, variantId}) => {
  const call = async (method, url, body) => {
    const response = await fetch(url, {method, headers: {"Content-Type": "application/json"},
      body: JSON.stringify(body)});
    if (!response.ok) { throw new Error(`${response.status} ${await response.text()}`); }
    return response.json();
  };
  await call("PUT", "/api/viewer", {display_name: "Mia"});
  const {checkout} = await call("POST", `/api/shows/${showId}/buy`,
    {variant_id: variantId, quantity: 1, request_id: crypto.randomUUID()});
  const placed = await call("POST", `/api/checkouts/${checkout.id}/order`,
    {email: "mia@example.com", name: "Mia Buyer",
    address: {line1: "1 Market Street", city: "Springfield", postal_code: "62701",
      region: "IL", country: "US"}});
  const paid = await call("POST", `/api/payments/dummy/${placed.payment.payment_id}/confirm`,
    {card_number: "4242 4242 4242 4242"});
  return paid.order;
}"""


async def order_is_shown(page: Page, base_url: str, order_id: str) -> None:
    """The order page shows the order to this browser."""
    await page.goto(f"{base_url}/orders/{order_id}")
    await expect(page.locator("#order")).to_be_visible(timeout=15 * SECONDS)


async def virtual_authenticator(context: BrowserContext, page: Page) -> tuple[CDPSession, str]:
    """A platform authenticator with user verification (a phone's fingerprint reader) on `page`."""
    session = await context.new_cdp_session(page)
    await session.send("WebAuthn.enable")
    added: dict[str, Any] = await session.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return session, str(added["authenticatorId"])


async def passkeys_on(session: CDPSession, authenticator_id: str) -> list[dict[str, Any]]:
    """The credentials the virtual authenticator holds."""
    got: dict[str, Any] = await session.send(
        "WebAuthn.getCredentials", {"authenticatorId": authenticator_id}
    )
    credentials: list[dict[str, Any]] = got["credentials"]
    return credentials
