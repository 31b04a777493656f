"""Making notifications: who is told of an event, the quiet limit, and the sweep that
notices go-lives, shows about to start and shipped orders (off the show's hot path)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from livesale import metrics
from livesale.config import NotifySettings
from livesale.domain.notifications import NotificationKind
from livesale.live.notify_hub import NotificationHub
from livesale.live.push_sender import PushSender
from livesale.storage.follows import FollowRepository
from livesale.storage.notification_events import NotificationEvents, ShowEvent
from livesale.storage.notifications import NotificationRepository
from livesale.storage.reminders import ReminderRepository

logger = logging.getLogger(__name__)

HOUR = 3600.0
SOON_SECONDS = 15 * 60  # "starts in 15 minutes"
RETENTION_EVERY_SECONDS = HOUR
# A claim is kept this much longer than any sweep can still see its event (clocks of
# processes differ a little, and a sweep may run late).
CLAIM_MARGIN_SECONDS = HOUR
SEEN_LIMIT = 10_000


class Notifier:
    """Stores each person's notifications and sends them to their open pages."""

    def __init__(
        self,
        *,
        repository: NotificationRepository,
        events: NotificationEvents,
        follows: FollowRepository,
        reminders: ReminderRepository,
        hub: NotificationHub,
        push: PushSender,
        settings: NotifySettings,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.repository = repository
        self._events = events
        self._follows = follows
        self._reminders = reminders
        self.hub = hub
        self.push = push
        self._settings = settings
        self._clock = clock
        self._retained_at = 0.0
        # Events this process already claimed or saw claimed: a live show stays in the
        # sweep's window for `lookback_seconds`, and is not claimed again every round.
        self._seen: set[tuple[str, NotificationKind]] = set()

    async def notify(
        self, viewer_ids: Sequence[str], kind: NotificationKind, params: dict[str, Any]
    ) -> int:
        """Tell each of `viewer_ids` of one event of `kind`; how many got a new notification.

        Those who turned `kind` off get nothing; those past the hourly quiet limit
        for `kind` get the event counted into their latest one instead.
        """
        started = time.perf_counter()
        wanted = list(dict.fromkeys(viewer_ids))
        if not wanted:
            return 0
        off = await self.repository.opted_out(wanted, kind)
        wanted = [viewer for viewer in wanted if viewer not in off]
        recent = await self.repository.recent_counts(wanted, kind, self._clock() - HOUR)
        limit = self._settings.per_kind_per_hour
        quiet = [viewer for viewer in wanted if recent.get(viewer, 0) >= limit]
        fresh = [viewer for viewer in wanted if recent.get(viewer, 0) < limit]
        if quiet:
            await self.repository.fold(quiet, kind)
            metrics.NOTIFY_FOLDED.labels(kind.value).inc(len(quiet))
        made = await self.repository.add(fresh, kind, params)
        await self.hub.publish(made)
        await self.push.enqueue(made)
        metrics.NOTIFY_MADE.labels(kind.value).inc(len(made))
        metrics.NOTIFY_FANOUT_SECONDS.observe(time.perf_counter() - started)
        return len(made)

    async def message_arrived(self, viewer_id: str, sender: str, conversation_id: str) -> None:
        """Hook for direct messages: tell `viewer_id` that `sender` wrote to them."""
        await self.notify(
            [viewer_id],
            NotificationKind.MESSAGE,
            {"sender": sender, "conversation_id": conversation_id},
        )

    async def outbid(self, viewer_id: str, show_id: str, auction_id: str, product: str) -> None:
        """Hook for auctions: tell `viewer_id` someone bid higher on `product`.

        A bidding war does not flood: while the person has not read their outbid of
        this auction, each later one is counted into it (no new notification, no push).
        """
        kind = NotificationKind.OUTBID
        params = {"show_id": show_id, "auction_id": auction_id, "product": product}
        if await self.repository.opted_out([viewer_id], kind):
            return
        again = await self.repository.refresh_unread(viewer_id, kind, "auction_id", params)
        if again is None:
            await self.notify([viewer_id], kind, params)
            return
        metrics.NOTIFY_FOLDED.labels(kind.value).inc()
        await self.hub.publish({viewer_id: again})  # the open bell moves it to the top

    async def sweep(self) -> None:
        """Announce what happened since the last sweep (each event once, across processes)."""
        now = self._clock()
        # Events from before this process started are announced only if recent.
        since = now - self._settings.lookback_seconds
        if len(self._seen) > SEEN_LIMIT:
            self._seen.clear()  # the claims in the record still stop a second announcement
        for show in await self._events.went_live_since(since):
            if await self._claim(show.show_id, NotificationKind.LIVE):
                await self._went_live(show)
        for show in await self._events.starting_between(now, now + SOON_SECONDS):
            if await self._claim(show.show_id, NotificationKind.REMINDER_SOON):
                reminded = await self._reminders.viewers(show.show_id)
                await self.notify(reminded, NotificationKind.REMINDER_SOON, _show_params(show))
        for order in await self._events.shipped_since(since):
            if await self._claim(order.order_id, NotificationKind.SHIPPED):
                params = {"order_id": order.order_id, "creator": order.creator_name}
                await self.notify([order.viewer_id], NotificationKind.SHIPPED, params)
        if now - self._retained_at >= RETENTION_EVERY_SECONDS:
            self._retained_at = now
            gone = await self.repository.delete_older_than(
                now - self._settings.retention_days * 86400
            )
            if gone:
                logger.info("notifications: %d past retention deleted", gone)
            await self._prune_claims(now)

    async def _prune_claims(self, now: float) -> None:
        """Forget claims of events that no sweep can see again (else the table only grows).

        A go-live or a shipment is looked at for `lookback_seconds`, a show about to
        start for at most SOON_SECONDS; past that (and a margin) nothing claims it again.
        """
        window = max(self._settings.lookback_seconds, SOON_SECONDS) + CLAIM_MARGIN_SECONDS
        pruned = await self.repository.delete_claims_before(now - window)
        if pruned:
            logger.info("notifications: %d announced events' claims forgotten", pruned)

    async def _claim(self, subject: str, kind: NotificationKind) -> bool:
        """True once, in one process, for each event; False for every later look at it."""
        if (subject, kind) in self._seen:
            return False
        won = await self.repository.claim(subject, kind)
        self._seen.add((subject, kind))  # after the claim: a failed one is tried again
        return won

    async def _went_live(self, show: ShowEvent) -> None:
        # Someone who both follows and asked for a reminder is told once, as reminded.
        reminded = await self._reminders.viewers(show.show_id)
        followers = await self._follows.follower_ids(show.creator_id)
        params = _show_params(show)
        await self.notify(reminded, NotificationKind.REMINDER_LIVE, params)
        taken = set(reminded)
        await self.notify(
            [viewer for viewer in followers if viewer not in taken], NotificationKind.LIVE, params
        )


def _show_params(show: ShowEvent) -> dict[str, Any]:
    return {"show_id": show.show_id, "title": show.title, "creator": show.creator_name}
