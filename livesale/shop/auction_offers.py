"""The unit an auction sold: a checkout holding it at the bid price, and what happens unpaid."""

from __future__ import annotations

import logging

from livesale import metrics
from livesale.domain.auctions import Auction, UnpaidPolicy, runner_up
from livesale.domain.checkout import Checkout, checkout_id_for, hold_id_for
from livesale.domain.errors import Conflict
from livesale.domain.orders import OrderLine
from livesale.domain.stock import HoldState
from livesale.shop.announcer import StockAnnouncer
from livesale.shop.auction_messages import AuctionEvent
from livesale.shop.catalogue import ShopCatalogue
from livesale.shop.checkout import CHECKOUT_RETENTION_SECONDS
from livesale.shop.stock import StockService
from livesale.storage.auctions import AuctionStore
from livesale.storage.carts import CheckoutStore

logger = logging.getLogger(__name__)

# A paid-for order may still be settling when the window ends: look again this much later.
RECHECK_MS = 5_000


def auction_checkout_id(buyer: str, auction: Auction) -> str:
    """The checkout offering an auction's unit to `buyer` (the same on every process)."""
    return checkout_id_for(buyer, auction.show_id, f"auction:{auction.id}")


class AuctionOffers:
    """Offers an auction's unit to the winner, then maybe to the runner-up, as a checkout."""

    def __init__(
        self,
        store: AuctionStore,
        catalogue: ShopCatalogue,
        stock: StockService,
        checkouts: CheckoutStore,
        announcer: StockAnnouncer,
        payment_seconds: int,
    ) -> None:
        self._store = store
        self._catalogue = catalogue
        self._stock = stock
        self._checkouts = checkouts
        self._announcer = announcer
        self._payment_seconds = payment_seconds

    async def offer(
        self, auction: Auction, buyer: str, price_minor: int, replacing: str | None
    ) -> Checkout | None:
        """Hold the unit for `buyer` at `price_minor` for the payment window; None if no unit.

        Only the call that records the offer in the auction keeps the hold; a second
        process computing the same offer gets the same (idempotent) hold and checkout.
        """
        product = await self._catalogue.product(auction.product_id)
        variant = next(v for v in product.variants if v.id == auction.variant_id)
        checkout_id = auction_checkout_id(buyer, auction)
        hold_id = hold_id_for(checkout_id, 0)
        try:
            # No per-person caps and no live-show check: the bidder won this unit.
            outcome = await self._stock.hold(
                auction.creator_id, hold_id, variant, 1, buyer, self._payment_seconds, None
            )
        except Conflict as exc:
            # Out of stock: nothing to offer. (A Redis or stock-check hiccup is not
            # caught: the follow-up of the unpaid check makes the offer again.)
            logger.warning("auction %s: no unit for its buyer (%s)", auction.id, exc.code)
            return None
        self._announcer.touch(auction.show_id, product.id)
        line = OrderLine(
            variant_id=variant.id,
            product_id=product.id,
            title=product.title,
            variant_name=variant.name,
            sku=variant.sku,
            quantity=1,
            unit_price_minor=price_minor,
            sale_id=None,
            hold_id=hold_id,
        )
        checkout = Checkout(
            id=checkout_id,
            viewer_id=buyer,
            show_id=auction.show_id,
            creator_id=auction.creator_id,
            currency=auction.currency,
            lines=(line,),
            expires_at=outcome.hold.deadline_ms / 1000,
            from_cart=False,
        )
        stored = await self._checkouts.add(
            checkout, self._payment_seconds + CHECKOUT_RETENTION_SECONDS
        )
        if await self._store.offer(
            auction.creator_id, auction.id, buyer, price_minor, checkout_id, replacing
        ):
            await self._store.await_payment(
                auction.creator_id, auction.id, outcome.hold.deadline_ms
            )
        return stored

    async def after_window(self, auction: Auction) -> tuple[AuctionEvent, Auction] | None:
        """The payment window of the auction's buyer ended: paid, wait, or the next offer.

        Returns what the room hears after an offer was made: `result` when the
        winner's offer could only be made now, `second_chance`; else None.
        """
        if auction.leader is not None and auction.buyer is None:
            # Closed, but the winner's offer failed (Redis or the stock check): make it now.
            checkout = await self.offer(auction, auction.leader, auction.price_minor, None)
            metrics.count_auction_closed("sold" if checkout is not None else "no_stock")
            if checkout is None:
                await self._store.payment_settled(auction.creator_id, auction.id)
                return None
            made = await self._store.get(auction.creator_id, auction.id)
            return None if made is None else ("result", made)
        hold = None
        if auction.checkout_id is not None:
            hold = await self._stock.seller(auction.creator_id).get(
                hold_id_for(auction.checkout_id, 0)
            )
        if hold is not None and hold.state is HoldState.HELD:
            checkout = await self._checkouts.get(auction.checkout_id or "")
            if checkout is not None and checkout.order_id is not None:
                # An order under way owns the hold until its payment ends: look again later.
                await self._store.await_payment(
                    auction.creator_id, auction.id, await self._store.now_ms() + RECHECK_MS
                )
                return None
            # No order in the window: the unit goes back now, not at the next sweep.
            hold = (await self._stock.seller(auction.creator_id).release(hold.hold_id)).hold
            self._announcer.touch(auction.show_id, auction.product_id)
        paid = hold is not None and hold.state is HoldState.COMMITTED
        if paid or auction.unpaid_policy is UnpaidPolicy.RELEASE or auction.buyer is None:
            await self._store.payment_settled(auction.creator_id, auction.id)
            return None
        maxes = await self._store.maxes(auction.creator_id, auction.id)
        # One second chance: the winner and the first runner-up are both out of it.
        offered = {auction.leader, auction.buyer}
        nxt = runner_up({b: m for b, m in maxes.items() if b not in offered}, None)
        if auction.buyer != auction.leader or nxt is None:
            await self._store.payment_settled(auction.creator_id, auction.id)
            return None
        bidder, amount = nxt
        checkout = await self.offer(auction, bidder, amount, replacing=auction.buyer)
        if checkout is None:
            await self._store.payment_settled(auction.creator_id, auction.id)
            return None
        made = await self._store.get(auction.creator_id, auction.id)
        return None if made is None else ("second_chance", made)
