"""Giveaways: the creator starts one on a variant of the bag, viewers enter, a fair draw, a
free order for the winner.

The unit is held from stock when the giveaway starts (so it never promises a
unit that is gone), for its duration plus the claim window: the winner's
order commits that hold; without entries the draw gives it back at once, and
an unclaimed prize goes back to stock when the hold expires (the hold sweeper).
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from livesale.config import ShopSettings
from livesale.domain.accounts import Creator, Viewer
from livesale.domain.errors import (
    GiveawayAddressLimit,
    GiveawayClaimExpired,
    GiveawayClosed,
    GiveawayEntryRefused,
    GiveawayNotEnded,
    GiveawayNotFound,
    GiveawayNotWinner,
    GiveawayRunning,
    HoldExpired,
    HoldNotFound,
    NotOwner,
    ShowEnded,
    ShowNotLive,
)
from livesale.domain.giveaways import (
    MAX_ENTRIES_PER_ADDRESS,
    Giveaway,
    GiveawayRequest,
    GiveawayState,
    check_request,
    new_seed,
    seed_hash,
    winning_entry,
)
from livesale.domain.orders import BuyerDetails, Order, OrderLine
from livesale.domain.shows import Show, ShowStatus
from livesale.shop.announcer import RoomPublisher, StockAnnouncer
from livesale.shop.catalogue import ShopCatalogue
from livesale.shop.giveaway_messages import (
    closed_message,
    drawn_message,
    entries_message,
    started_message,
)
from livesale.shop.orders import place_free_order
from livesale.shop.stock import StockService
from livesale.storage.chat import ModerationRepository
from livesale.storage.giveaways import EntryOutcome, GiveawayEntries, GiveawayRecord
from livesale.storage.orders import NewOrder, OrderRepository
from livesale.storage.room_redis import ChatLimits

# Entry counts reach the room at most this often per giveaway (per process).
ENTRIES_UPDATE_SECONDS = 0.5
GIVEAWAY_GATEWAY = "giveaway"


def new_giveaway_id() -> str:
    """A random, unguessable giveaway id."""
    return "gvw_" + secrets.token_hex(8)


class GiveawayService:
    """Starts, enters, draws and claims giveaways."""

    def __init__(
        self,
        settings: ShopSettings,
        catalogue: ShopCatalogue,
        stock: StockService,
        announcer: StockAnnouncer,
        events: RoomPublisher,
        record: GiveawayRecord,
        entries: GiveawayEntries,
        moderation: ModerationRepository,
        mutes: ChatLimits,
        orders: OrderRepository,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._settings = settings
        self._catalogue = catalogue
        self._stock = stock
        self._announcer = announcer
        self._events = events
        self.record = record
        self.entries = entries
        self._moderation = moderation
        self._mutes = mutes
        self._orders = orders
        self._clock = clock
        self._counts_sent: dict[str, float] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self, creator: Creator, show_id: str, request: GiveawayRequest) -> Giveaway:
        """Start a giveaway on a variant of the live show's bag: hold its unit, publish the
        hash of a new secret seed."""
        request = check_request(request)
        show = await self._live_show_of(creator, show_id)
        for earlier in await self.record.of_show(show_id):
            if earlier.state is GiveawayState.OPEN:
                raise GiveawayRunning("draw the running giveaway first", giveaway_id=earlier.id)
        product, variant = await self._catalogue.sellable(show_id, request.variant_id)
        now = self._clock()
        giveaway_id = new_giveaway_id()
        seed = new_seed()
        claim_by = now + request.duration_seconds + self._settings.giveaway_claim_seconds
        giveaway = Giveaway(
            id=giveaway_id,
            show_id=show_id,
            creator_id=creator.id,
            product_id=product.id,
            variant_id=variant.id,
            title=product.title,
            variant_name=variant.name,
            rules=request.rules,
            duration_seconds=request.duration_seconds,
            offset_ms=show.offset_ms(now),
            started_at=now,
            ends_at=now + request.duration_seconds,
            claim_by=claim_by,
            seed=seed,
            seed_hash=seed_hash(seed),
            state=GiveawayState.OPEN,
            hold_id=giveaway_id + "-unit",
        )
        # OutOfStock when no unit is left: the giveaway never starts without its prize.
        await self._stock.hold(
            giveaway.creator_id,
            giveaway.hold_id,
            variant,
            1,
            giveaway_id,
            claim_by - now,
            None,
            live_show_id=show_id,
        )
        self._announcer.touch(show_id, product.id)
        await self.entries.open(giveaway)
        await self.record.create(giveaway)
        await self._events.publish(show_id, started_message(giveaway, now))
        self._spawn(self._announce_close(giveaway))
        return giveaway

    async def get(self, show_id: str, giveaway_id: str) -> Giveaway:
        """The show's giveaway, or GiveawayNotFound."""
        giveaway = await self.record.get(giveaway_id)
        if giveaway is None or giveaway.show_id != show_id:
            raise GiveawayNotFound("no such giveaway", giveaway_id=giveaway_id)
        return giveaway

    async def by_id(self, giveaway_id: str) -> Giveaway:
        """Any giveaway by id, or GiveawayNotFound."""
        giveaway = await self.record.get(giveaway_id)
        if giveaway is None:
            raise GiveawayNotFound("no such giveaway", giveaway_id=giveaway_id)
        return giveaway

    async def latest(self, show_id: str) -> Giveaway | None:
        """The show's most recent giveaway (the one its room shows), or None."""
        giveaways = await self.record.of_show(show_id)
        return giveaways[-1] if giveaways else None

    async def count(self, giveaway: Giveaway) -> int:
        """Entries so far (all of them once drawn)."""
        if giveaway.drawn:
            return len(giveaway.entries)
        return await self.entries.count(giveaway)

    async def enter(
        self,
        viewer: Viewer,
        show_id: str,
        giveaway_id: str,
        address: str,
        creator: Creator | None = None,
    ) -> EntryOutcome:
        """Enter the viewer once (a repeat returns the same entry)."""
        giveaway = await self.get(show_id, giveaway_id)
        await self._check_entrant(giveaway, viewer, address, creator)
        if giveaway.drawn:
            known = await self.entries.entry_of(giveaway, viewer.id)
            if known is not None:
                return EntryOutcome(known, len(giveaway.entries), new=False)
            raise GiveawayClosed("this giveaway takes no more entries")
        outcome = await self.entries.enter(
            giveaway, viewer.id, address, viewer.display_name, MAX_ENTRIES_PER_ADDRESS
        )
        if not isinstance(outcome, EntryOutcome):
            if outcome.reason == "address":
                raise GiveawayAddressLimit(
                    "too many entries come from your address", limit=MAX_ENTRIES_PER_ADDRESS
                )
            raise GiveawayClosed("this giveaway takes no more entries")
        if outcome.new:
            self._send_count_soon(giveaway)
        return outcome

    async def you(self, giveaway: Giveaway, viewer: Viewer | None) -> dict[str, Any]:
        """The viewer's side of a giveaway: their entry id and whether they won."""
        if viewer is None:
            return {"entry_id": None, "won": False}
        entry = await self.entries.entry_of(giveaway, viewer.id)
        won = giveaway.drawn and giveaway.winner_viewer_id == viewer.id
        return {"entry_id": entry, "won": won, "order_id": giveaway.order_id if won else None}

    async def draw(self, creator: Creator, show_id: str, giveaway_id: str) -> Giveaway:
        """Close the entries and draw the winner, once across every process (a repeat
        returns the first draw)."""
        giveaway = await self.get(show_id, giveaway_id)
        if giveaway.creator_id != creator.id:
            raise NotOwner("only the show's creator may draw", show_id=show_id)
        if giveaway.drawn:
            return giveaway
        now = self._clock()
        if now < giveaway.ends_at:
            raise GiveawayNotEnded("the entries are still open", ends_at=giveaway.ends_at)
        closed = await self.entries.close(giveaway)
        winner = winning_entry(giveaway.seed, closed.entries)
        drawn = replace(
            giveaway,
            state=GiveawayState.DRAWN,
            entries=closed.entries,
            winner_entry_id=None if winner is None else winner.id,
            winner_viewer_id=None if winner is None else closed.viewer_of.get(winner.id),
            winner_name=None if winner is None else winner.name,
            drawn_at=now,
        )
        if not await self.record.draw(drawn):
            return await self.by_id(giveaway_id)  # another process drew first
        if winner is None:
            # Nobody entered: the unit goes back on sale now.
            await self._stock.seller(giveaway.creator_id).release(giveaway.hold_id)
            self._announcer.touch(show_id, giveaway.product_id)
        await self._events.publish(show_id, drawn_message(drawn, now))
        return drawn

    async def claim(
        self, viewer: Viewer, show_id: str, giveaway_id: str, details: BuyerDetails
    ) -> Order:
        """The winner's free order, shipped to `details` (a repeat returns the same order)."""
        giveaway = await self.get(show_id, giveaway_id)
        if not giveaway.drawn or giveaway.winner_viewer_id != viewer.id:
            raise GiveawayNotWinner("only the winner may claim this prize")
        if giveaway.order_id is not None:
            order = await self._orders.get(giveaway.order_id)
            assert order is not None
            return order
        if self._clock() >= giveaway.claim_by:
            raise GiveawayClaimExpired("the time to claim has passed", claim_by=giveaway.claim_by)
        product = await self._catalogue.product(giveaway.product_id)
        variant = product.variant(giveaway.variant_id)
        line = OrderLine(
            variant_id=variant.id,
            product_id=product.id,
            title=giveaway.title,
            variant_name=giveaway.variant_name,
            sku=variant.sku,
            quantity=1,
            unit_price_minor=0,
            sale_id=None,
            hold_id=giveaway.hold_id,
        )
        new = NewOrder(
            checkout_id=giveaway.id,
            viewer_id=viewer.id,
            creator_id=giveaway.creator_id,
            show_id=show_id,
            currency=variant.currency,
            details=details,
            gateway=GIVEAWAY_GATEWAY,
            lines=(line,),
        )
        try:
            order = await place_free_order(self._orders, self._stock, new, "giveaway")
        except (HoldExpired, HoldNotFound):
            raise GiveawayClaimExpired(
                "the time to claim has passed", claim_by=giveaway.claim_by
            ) from None
        await self.record.claim(giveaway, order.id)
        self._announcer.touch(show_id, product.id)
        return order

    async def close(self) -> None:
        """Stop the timers of this process's giveaways."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _check_entrant(
        self, giveaway: Giveaway, viewer: Viewer, address: str, creator: Creator | None
    ) -> None:
        if creator is not None and creator.id == giveaway.creator_id:
            raise GiveawayEntryRefused("the creator cannot enter", reason="creator")
        if await self._moderation.is_moderator(giveaway.creator_id, viewer.id):
            raise GiveawayEntryRefused("moderators cannot enter", reason="moderator")
        if await self._moderation.is_banned(giveaway.creator_id, viewer.id):
            raise GiveawayEntryRefused("you are banned from this creator's shows", reason="banned")
        if await self._mutes.mute_of(giveaway.show_id, viewer.id, address) is not None:
            raise GiveawayEntryRefused("muted guests cannot enter", reason="muted")

    async def _live_show_of(self, creator: Creator, show_id: str) -> Show:
        show = await self._catalogue.show(show_id)
        if show.creator_id != creator.id:
            raise NotOwner("only the show's creator may start a giveaway", show_id=show_id)
        if show.status is ShowStatus.SCHEDULED:
            raise ShowNotLive("giveaways start when the show goes live", status=show.status.value)
        if show.status is ShowStatus.ENDED:
            raise ShowEnded("the show has ended")
        return show

    def _spawn(self, job: Any) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(job)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _announce_close(self, giveaway: Giveaway) -> None:
        """Tell the room when the entries close (every phone also counts down itself)."""
        await asyncio.sleep(max(0.0, giveaway.ends_at - self._clock()))
        current = await self.record.get(giveaway.id)
        if current is not None and not current.drawn:
            count = await self.entries.count(current)
            await self._events.publish(
                current.show_id, closed_message(current, count, self._clock())
            )

    def _send_count_soon(self, giveaway: Giveaway) -> None:
        """Send the entry count now, or once the interval since the last one is over."""
        if giveaway.id in self._counts_sent:
            return  # one is already due
        self._counts_sent[giveaway.id] = self._clock()
        self._spawn(self._send_count(giveaway))

    async def _send_count(self, giveaway: Giveaway) -> None:
        try:
            sent = -1
            count = await self.entries.count(giveaway)
            while count != sent:
                await self._events.publish(giveaway.show_id, entries_message(giveaway.id, count))
                sent = count
                await asyncio.sleep(ENTRIES_UPDATE_SECONDS)
                count = await self.entries.count(giveaway)
        finally:
            self._counts_sent.pop(giveaway.id, None)
