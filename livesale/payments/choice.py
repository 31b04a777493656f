"""Which payment gateway runs: payments never fail open to the offline dummy.

The dummy gateway takes "payments" with a public test card number. It runs
only when chosen (`payments.gateway = "dummy"`) or when nobody but this
machine can reach the server (a loopback listener, no public URL elsewhere,
no reverse proxy): a demo or a developer's laptop. A server others can reach
with no Stripe key refuses to start instead of selling for nothing.
"""

from __future__ import annotations

import ipaddress
import logging
from urllib.parse import urlsplit

from livesale.config import ConfigError, ServerSettings, Settings

logger = logging.getLogger(__name__)

STRIPE = "stripe"
DUMMY = "dummy"
MISSING_STRIPE_KEY = (
    "payments: no payment gateway for a server others can reach. Set the Stripe secret key "
    "in the environment (LIVESALE__PAYMENTS__STRIPE_SECRET_KEY, with "
    "payments.stripe_publishable_key and LIVESALE__PAYMENTS__STRIPE_WEBHOOK_SECRET), or "
    'choose test payments explicitly with payments.gateway = "dummy" '
    "(LIVESALE__PAYMENTS__GATEWAY=dummy): every order is then a test order and no money is taken"
)


def choose_gateway(settings: Settings) -> str:
    """The gateway to run ("stripe" or "dummy"); ConfigError when only the dummy is left
    and the server is reachable from other machines."""
    payments = settings.payments
    if payments.gateway:
        return payments.gateway
    if payments.stripe_secret_key:
        return STRIPE
    if serves_this_machine_only(settings.server):
        return DUMMY
    raise ConfigError(MISSING_STRIPE_KEY)


def serves_this_machine_only(server: ServerSettings) -> bool:
    """Whether only this machine reaches the server: a loopback listener, no proxy, no
    public URL naming another host."""
    if server.trusted_proxies:
        return False  # a proxy brings others' requests to the loopback listener
    if not _is_loopback_host(server.host):
        return False
    if server.public_url:
        return _is_loopback_host(urlsplit(server.public_url).hostname or "")
    return True


def announce_gateway(name: str) -> None:
    """Log the gateway in use; the dummy loudly, as every order it takes is a test order."""
    if name == DUMMY:
        logger.warning(
            "payments: the offline dummy gateway is running: orders are test orders, paid with "
            "test cards, and no money is taken"
        )
    else:
        logger.info("payments: %s", name)


def _is_loopback_host(host: str) -> bool:
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name other than localhost may resolve anywhere
