"""Every series of a bounded label created at 0 at start-up, so alerts see the first event.

A labelled series exists only once its labels are used; Prometheus's `increase()` and
`rate()` need a sample before the first event to see it. Creating each known
combination at 0 in every process that counts it (under `livesale serve` each process
writes its own multiprocess file, which any process's scrape reads) gives them one.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any, get_args

from prometheus_client.metrics import MetricWrapperBase

from livesale import metrics
from livesale.domain.orders import OrderStatus
from livesale.domain.payments import PaymentEventKind
from livesale.roles import Role

LabelValues = tuple[tuple[str, ...], ...]


def values(literal: Any) -> tuple[str, ...]:
    """The values of a Literal type of label values."""
    return tuple(get_args(literal))


def _enum(members: Any) -> tuple[str, ...]:
    return tuple(member.value for member in members)


# The media process's series (and the single process's): what the relay and recorder count.
MEDIA_SERIES: Sequence[tuple[MetricWrapperBase, LabelValues]] = (
    (metrics.MEDIA_SESSIONS_STARTED, (values(metrics.MediaRole),)),
    (metrics.MEDIA_SESSIONS_ENDED, (values(metrics.MediaRole), values(metrics.SessionOutcome))),
    (metrics.MEDIA_SESSION_FAILURES, (values(metrics.MediaRole), values(metrics.SessionFailure))),
    (metrics.MEDIA_ICE_CANDIDATES_REFUSED, (values(metrics.CandidateRefusal),)),
    (metrics.MEDIA_BYTES_FORWARDED, (values(metrics.MediaKind),)),
    (metrics.MEDIA_PACKETS_FORWARDED, (values(metrics.MediaKind),)),
    (metrics.MEDIA_PACKETS_DROPPED, (values(metrics.MediaKind), values(metrics.DropReason))),
    (metrics.MEDIA_BYTES_DROPPED, (values(metrics.MediaKind), values(metrics.DropReason))),
    (metrics.MEDIA_FRAMES_SKIPPED, (values(metrics.MediaKind),)),
    (metrics.MEDIA_BURST_FANOUT, (values(metrics.MediaKind),)),
    (metrics.MEDIA_RELAY_LATENCY, (values(metrics.MediaKind),)),
    (metrics.RECORDING_FRAMES, (values(metrics.MediaKind),)),
    (metrics.RECORDING_FAILURES, (values(metrics.RecordingFailure),)),
)
# Every process's series: the shop, the room and the stores serve in each of them.
SHARED_SERIES: Sequence[tuple[MetricWrapperBase, LabelValues]] = (
    (metrics.ROOM_MODERATION_ACTIONS, (values(metrics.ModerationAction),)),
    (metrics.SHOP_CART_UPDATES, (values(metrics.CartAction),)),
    (metrics.SHOP_ORDERS, (_enum(OrderStatus),)),
    (metrics.SHOP_CHECKOUTS, (values(metrics.Gateway), values(metrics.CheckoutOutcome))),
    (metrics.SHOP_PAYMENT_DURATION, (values(metrics.Gateway),)),
    (
        metrics.SHOP_PAYMENT_EVENTS,
        (_enum(PaymentEventKind), values(metrics.PaymentEventResult)),
    ),
    (metrics.REDIS_ERRORS, (values(metrics.RedisErrorKind),)),
    (metrics.SHOP_STOCK_REPAIRS, (values(metrics.StockRepairReason),)),
    (metrics.SQLITE_QUERY_DURATION, (values(metrics.SQLiteOperation),)),
    # Auctions.
    (metrics.AUCTION_BIDS, (values(metrics.AuctionBidResult),)),
    (metrics.AUCTIONS_CLOSED, (values(metrics.AuctionCloseResult),)),
    (metrics.OUTBID_NOTICES_DROPPED, (values(metrics.OutbidDropReason),)),
)


def known_series(role: Role) -> list[tuple[MetricWrapperBase, LabelValues]]:
    """The labelled metrics a process of `role` counts, with each label's known values."""
    media = list(MEDIA_SERIES) if role is not Role.SHOP else []
    return [*media, *SHARED_SERIES]


def create_known_series(role: Role) -> None:
    """Create every known label combination at 0 (again: a no-op) in this process."""
    for metric, labels in known_series(role):
        for combination in itertools.product(*labels):
            metric.labels(*combination)
