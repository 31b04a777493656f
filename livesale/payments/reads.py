"""Reads of a payment's state that buyers and sellers trigger: shared, cached briefly, limited.

Every look at a pending order asked the gateway: 100 refreshes of one order
made 150 Stripe API calls in 0.3 s, from a guest who costs nothing to make.
Reads made by pages now share one call per payment for
`payments.status_cache_seconds`, and explicit refreshes are limited per
order and per caller across processes (`payments.order_refreshes_per_minute`,
`payments.caller_refreshes_per_minute`). Settlement and reconciliation keep
reading the gateway directly: they must see the latest state.
"""

from __future__ import annotations

from livesale.config import PaymentSettings
from livesale.domain.payments import PaymentInfo
from livesale.payments.gateway import PaymentGateway
from livesale.storage.rate_limits import RateLimiter
from livesale.storage.ttl_cache import TtlCache

REFRESH_WINDOW_SECONDS = 60.0


class PaymentReads:
    """The gateway's view of a payment, for pages: one call per payment per cache period."""

    def __init__(
        self, gateway: PaymentGateway, limiter: RateLimiter, settings: PaymentSettings
    ) -> None:
        self._gateway = gateway
        self._limiter = limiter
        self._settings = settings
        self._cache: TtlCache[str, PaymentInfo] = TtlCache(settings.status_cache_seconds)

    async def current(self, payment_id: str) -> PaymentInfo:
        """The payment, as the gateway had it at most `status_cache_seconds` ago."""
        return await self._cache.get(payment_id, lambda: self._gateway.get_payment(payment_id))

    def forget(self, payment_id: str) -> None:
        """Drop the cached state after this process changed the payment itself."""
        self._cache.forget(payment_id)

    async def count_refresh(self, order_id: str, caller: str) -> None:
        """Count an explicit refresh; TooManyRequests (429) past the per-order or per-caller
        limit."""
        await self._limiter.check(
            f"refresh:order:{order_id}",
            self._settings.order_refreshes_per_minute,
            REFRESH_WINDOW_SECONDS,
            "refreshes of this order",
        )
        await self._limiter.check(
            f"refresh:caller:{caller}",
            self._settings.caller_refreshes_per_minute,
            REFRESH_WINDOW_SECONDS,
            "order refreshes",
        )
