"""Live auctions: the creator starts and cancels, viewers bid, one process closes each once."""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from typing import Any

from redis.exceptions import RedisError

from livesale import metrics
from livesale.domain.accounts import Creator, Viewer
from livesale.domain.auctions import (
    Auction,
    AuctionMark,
    AuctionStatus,
    AuctionTerms,
    BidOutcome,
    MarkKind,
)
from livesale.domain.errors import (
    AuctionClosed,
    AuctionHasBids,
    AuctionNotFound,
    AuctionRunning,
    BidderNotAllowed,
    BidTooLow,
    LivesaleError,
    NotOwner,
    OutOfStock,
    ShowEnded,
    ShowNotLive,
)
from livesale.domain.shows import Show, ShowStatus
from livesale.shop.announcer import RoomPublisher
from livesale.shop.auction_messages import AuctionEvent, auction_json, auction_message
from livesale.shop.auction_offers import AuctionOffers
from livesale.shop.catalogue import ShopCatalogue
from livesale.shop.outbid_notices import Outbid, OutbidNotices
from livesale.shop.stock import StockService
from livesale.storage.auction_marks import AuctionMarks
from livesale.storage.auctions import AuctionStore, BidReply
from livesale.storage.chat import ModerationRepository
from livesale.storage.ttl_cache import TtlCache

logger = logging.getLogger(__name__)

# When the winner's offer could not be made at the close, the unpaid check tries again then.
RETRY_OFFER_MS = 2_000
# A moderator named during a live may bid for this long more, at most.
MODERATOR_CACHE_SECONDS = 5.0


class AuctionService:
    """Starts, bids on, cancels and closes auctions, and tells the room each step."""

    def __init__(
        self,
        store: AuctionStore,
        catalogue: ShopCatalogue,
        stock: StockService,
        moderators: ModerationRepository,
        events: RoomPublisher,
        offers: AuctionOffers,
        marks: AuctionMarks,
        outbid: OutbidNotices,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.outbid = outbid
        self._marks = marks
        self._clock = clock
        self._catalogue = catalogue
        self._stock = stock
        self._moderators = moderators
        self._events = events
        self._offers = offers
        # auction id -> (creator id, show id): fixed for an auction's life.
        self._owners: dict[str, tuple[str, str]] = {}
        # (creator id, viewer id) -> moderator? A bid burst asks the record once per bidder.
        self._is_moderator: TtlCache[tuple[str, str], bool] = TtlCache(MODERATOR_CACHE_SECONDS)

    async def start(
        self, creator: Creator, show_id: str, terms: AuctionTerms
    ) -> tuple[Auction, int]:
        """Start an auction on a variant of the show's bag (one at a time per show); returns
        it and the moment (Redis's clock, epoch ms) it was created."""
        show = await self._catalogue.show(show_id)
        _check_live_show_of(creator, show)
        product, variant = await self._catalogue.sellable(show_id, terms.variant_id)
        if (await self._stock.levels(show.creator_id or creator.id, variant)).available < 1:
            raise OutOfStock("no unit of this variant is left to auction", available=0)
        latest = await self.store.latest_of_show(show_id)
        if latest is not None and latest.status is AuctionStatus.OPEN:
            await self._close_if_due(latest)
            latest = await self.store.get(latest.creator_id, latest.id)
            if latest is not None and latest.status is AuctionStatus.OPEN:
                raise AuctionRunning("this show already has an auction running", id=latest.id)
        auction_id = "au_" + secrets.token_urlsafe(9)
        now_ms = await self.store.create(
            auction_id, show.creator_id or creator.id, show_id, product.id, variant.currency, terms
        )
        auction = await self._get(show_id, auction_id)
        await self._publish("started", auction, now_ms)
        await self._stamp(MarkKind.START, auction, auction.start_price_minor, None)
        return auction, now_ms

    async def cancel(self, creator: Creator, show_id: str, auction_id: str) -> Auction:
        """Cancel an auction nobody has bid on yet."""
        show = await self._catalogue.show(show_id)
        _check_owner(creator, show)
        auction = await self._get(show_id, auction_id)
        result = await self.store.cancel(auction.creator_id, auction_id)
        if result == "has_bids":
            raise AuctionHasBids("an auction with bids cannot be canceled", bids=auction.bids)
        if result != "canceled":
            raise AuctionClosed("the auction is over", status=auction.status.value)
        auction = await self._get(show_id, auction_id)
        await self._publish("canceled", auction)
        return auction

    async def bid(
        self,
        viewer: Viewer,
        creator: Creator | None,
        show_id: str,
        auction_id: str,
        amount_minor: int,
        *,
        is_max: bool = False,
    ) -> tuple[BidReply, Auction]:
        """Bid (or set a private maximum); returns the script's reply and the auction after it.

        `creator` is the creator signed in on the same browser, if any: a show's
        creator may not bid in it under a guest name either.
        """
        creator_id, auction_show = await self._owner(show_id, auction_id)
        if (
            creator is not None and creator.id == creator_id
        ) or await self._moderators.is_moderator(creator_id, viewer.id):
            metrics.count_bid("not_allowed")
            raise BidderNotAllowed("the seller and their moderators cannot bid")
        reply = await self.store.bid(
            creator_id, auction_id, viewer.id, amount_minor, viewer.display_name, is_max=is_max
        )
        if reply.outcome is None:
            metrics.count_bid("not_found")
            raise AuctionNotFound("no such auction", auction_id=auction_id)
        metrics.count_bid(reply.outcome.value)
        if reply.outcome is BidOutcome.CLOSED:
            if reply.now_ms >= reply.ends_ms:
                await self.finish(creator_id, auction_id)
            raise AuctionClosed("the auction is closed", auction_id=auction_id)
        if reply.outcome is BidOutcome.TOO_LOW:
            raise BidTooLow(
                "the bid is below the smallest acceptable amount",
                min_bid_minor=reply.min_bid_minor,
                price_minor=reply.price_minor,
            )
        auction = await self._get(auction_show, auction_id)
        if reply.displaced is not None and reply.displaced != viewer.id:
            # Queued, not awaited: telling them never slows or fails the bid.
            self.outbid.tell(Outbid(reply.displaced, auction_show, auction_id, auction.product_id))
        await self._publish("extended" if reply.extended else "bid", auction, reply.now_ms)
        return reply, auction

    async def current(self, show_id: str) -> Auction | None:
        """The show's latest auction (closed first if its end has passed), or None."""
        auction = await self.store.latest_of_show(show_id)
        is_open = auction is not None and auction.status is AuctionStatus.OPEN
        if auction is not None and is_open and await self._close_if_due(auction):
            auction = await self.store.get(auction.creator_id, auction.id)
        return auction

    async def read(self, show_id: str, auction_id: str) -> Auction:
        """One auction of the show (closed first if its end has passed)."""
        auction = await self._get(show_id, auction_id)
        if auction.status is AuctionStatus.OPEN and await self._close_if_due(auction):
            auction = await self._get(show_id, auction_id)
        return auction

    async def private_max(self, auction: Auction, viewer_id: str) -> int | None:
        """The viewer's own highest maximum in the auction (never shown to others)."""
        return (await self.store.maxes(auction.creator_id, auction.id)).get(viewer_id)

    async def snapshot(self, show_id: str) -> dict[str, Any] | None:
        """The show's latest auction as a joining viewer first sees it, or None."""
        auction = await self.current(show_id)
        if auction is None:
            return None
        return auction_json(auction, await self.store.now_ms())

    async def close_due_once(self) -> int:
        """Close every auction whose end has passed (the background job); returns how many."""
        closed = 0
        for creator_id, auction_id in await self.store.due_to_close(await self.store.now_ms()):
            closed += await self.finish(creator_id, auction_id)
        return closed

    async def tick(self) -> int:
        """One round of the background job: closes, then unpaid windows."""
        return await self.close_due_once() + await self.unpaid_once()

    async def unpaid_once(self) -> int:
        """Act on every auction whose buyer's payment window has ended; returns offers made."""
        offers = 0
        for creator_id, auction_id in await self.store.payment_due(await self.store.now_ms()):
            auction = await self.store.get(creator_id, auction_id)
            if auction is None:
                await self.store.payment_settled(creator_id, auction_id)
                continue
            offered = await self._offers.after_window(auction)
            if offered is not None:
                offers += 1
                await self._publish(*offered)
        return offers

    async def finish(self, creator_id: str, auction_id: str) -> bool:
        """Close the auction if its end has passed; only the call that closed it goes on.

        That call offers the unit to the winner and tells the room the result.
        """
        reply = await self.store.close(creator_id, auction_id)
        if not reply.closed:
            return False
        auction = await self.store.get(creator_id, auction_id)
        assert auction is not None
        if auction.leader is None:
            metrics.count_auction_closed("no_bids")
        else:
            # A safety net first: should the offer below fail, the unpaid check makes it.
            await self.store.await_payment(creator_id, auction_id, reply.now_ms + RETRY_OFFER_MS)
            try:
                checkout = await self._offers.offer(
                    auction, auction.leader, auction.price_minor, None
                )
            except (LivesaleError, RedisError, OSError) as exc:
                logger.warning("auction %s: the winner's offer is retried: %s", auction_id, exc)
            else:
                if checkout is None:
                    await self.store.payment_settled(creator_id, auction_id)
                metrics.count_auction_closed("sold" if checkout is not None else "no_stock")
            auction = await self.store.get(creator_id, auction_id) or auction
        await self._publish("result", auction, reply.now_ms)
        price = auction.price_minor if auction.leader is not None else 0
        await self._stamp(MarkKind.RESULT, auction, price, auction.leader_name)
        return True

    async def _stamp(
        self, kind: MarkKind, auction: Auction, price_minor: int, winner: str | None
    ) -> None:
        """Put the auction's moment on the show's timeline (the replay lists it)."""
        show = await self._catalogue.show(auction.show_id)
        now = self._clock()
        await self._marks.stamp(
            AuctionMark(
                show_id=auction.show_id,
                auction_id=auction.id,
                kind=kind,
                offset_ms=show.offset_ms(now),
                product_id=auction.product_id,
                price_minor=price_minor,
                currency=auction.currency,
                winner_name=winner,
                created_at=now,
            )
        )

    async def _close_if_due(self, auction: Auction) -> bool:
        now = await self.store.now_ms()
        if now < auction.ends_ms:
            return False
        await self.finish(auction.creator_id, auction.id)
        return True

    async def _owner(self, show_id: str, auction_id: str) -> tuple[str, str]:
        owner = self._owners.get(auction_id)
        if owner is None:
            auction = await self._get(show_id, auction_id)
            owner = self._owners[auction_id] = (auction.creator_id, auction.show_id)
        if owner[1] != show_id:
            raise AuctionNotFound("no such auction in this show", auction_id=auction_id)
        return owner

    async def _get(self, show_id: str, auction_id: str) -> Auction:
        show = await self._catalogue.show(show_id)
        auction = None
        if show.creator_id is not None:
            auction = await self.store.get(show.creator_id, auction_id)
        if auction is None or auction.show_id != show_id:
            raise AuctionNotFound("no such auction in this show", auction_id=auction_id)
        return auction

    async def _publish(self, event: AuctionEvent, auction: Auction, now_ms: int = 0) -> None:
        now = now_ms or await self.store.now_ms()
        await self._events.publish(auction.show_id, auction_message(event, auction, now))


def _check_owner(creator: Creator, show: Show) -> None:
    if show.creator_id != creator.id:
        raise NotOwner("only the show's creator may run its auctions", show_id=show.id)


def _check_live_show_of(creator: Creator, show: Show) -> None:
    _check_owner(creator, show)
    if show.status is ShowStatus.SCHEDULED:
        raise ShowNotLive("auctions start when the show goes live", status=show.status.value)
    if show.status is ShowStatus.ENDED:
        raise ShowEnded("the show has ended")
