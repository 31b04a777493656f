"""Prometheus instruments: names, units and bounded labels in one place."""

from __future__ import annotations

from typing import Literal

from prometheus_client import Counter, Gauge, Histogram

from livesale.domain.orders import OrderStatus
from livesale.domain.payments import PaymentEventKind

# Bounded label values, one Literal per label, next to the metrics that use them: the
# code that counts takes these types (mypy checks it), and `livesale.metric_series`
# creates every combination at 0 at start-up, so an alert's `increase()` sees the first
# event (a series born at 1 has no increase until its second).
MediaRole = Literal["publisher", "viewer"]
MediaKind = Literal["audio", "video"]
SessionOutcome = Literal[
    "deleted", "replaced", "broadcast_ended", "failed", "never_connected", "shutdown", "key_rotated"
]
SessionFailure = Literal["ice", "dtls", "timeout"]
CandidateRefusal = Literal[
    "too_many", "mdns", "hostname", "transport", "port", "unspecified", "loopback",
    "multicast", "broadcast", "own_address", "link_local", "private", "reserved",
]  # fmt: skip
DropReason = Literal["behind", "send_failed"]
RecordingFailure = Literal["disk_full", "write_error", "queue_full", "mux_error"]
ModerationAction = Literal[
    "delete", "mute", "ban", "unban", "slow_mode", "add_moderator", "remove_moderator",
    "block_word", "unblock_word",
]  # fmt: skip
CartAction = Literal["add", "set", "remove"]
Gateway = Literal["stripe", "dummy"]
CheckoutOutcome = Literal["started", "paid", "failed"]
PaymentEventResult = Literal["applied", "unchanged", "unknown_order"]
RedisErrorKind = Literal["connection", "timeout", "response"]
SQLiteOperation = Literal["read", "transaction"]

# Relay latency is sub-millisecond when idle and must stay well under a frame
# interval (33 ms) under load: fine buckets at the low end.
_LATENCY_BUCKETS = (
    0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.0125, 0.015, 0.0175,
    0.02, 0.0225, 0.025, 0.0275, 0.03, 0.0325, 0.035, 0.04, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0,
)  # fmt: skip

# Gauges say how to add up processes under `livesale serve`'s process layout
# (prometheus-client's multiprocess mode): the sum over the live processes.
MEDIA_PUBLISHERS = Gauge(
    "livesale_media_publishers", "Live WHIP publisher sessions.", multiprocess_mode="livesum"
)
MEDIA_VIEWERS = Gauge(
    "livesale_media_viewers",
    "WHEP viewer sessions (connecting or connected).",
    multiprocess_mode="livesum",
)
MEDIA_SESSIONS_STARTED = Counter(
    "livesale_media_sessions_started_total", "WHIP/WHEP sessions accepted.", ["role"]
)
MEDIA_SESSIONS_ENDED = Counter(
    "livesale_media_sessions_ended_total",
    "WHIP/WHEP sessions ended, by role and outcome (deleted: the client ended it with a "
    "DELETE or by closing; replaced, broadcast_ended, failed, never_connected, shutdown, "
    "key_rotated).",
    ["role", "outcome"],
)
MEDIA_SESSION_FAILURES = Counter(
    "livesale_media_session_failures_total",
    "Sessions that failed to connect or broke, by role and the layer that failed "
    "(ice, dtls, timeout).",
    ["role", "reason"],
)
MEDIA_ICE_CANDIDATES_REFUSED = Counter(
    "livesale_media_ice_candidates_refused_total",
    "Remote ICE candidates the relay would not check, by reason (too_many, mdns, hostname, "
    "transport, port, unspecified, loopback, multicast, broadcast, own_address, link_local, "
    "private, reserved).",
    ["reason"],
)
MEDIA_BYTES_FORWARDED = Counter(
    "livesale_media_bytes_forwarded_total",
    "RTP bytes handed to viewers (one packet's size per packet per viewer).",
    ["kind"],
)
MEDIA_PACKETS_DROPPED = Counter(
    "livesale_media_packets_dropped_total",
    "RTP packets a viewer did not get: skipped while catching up to a keyframe (behind) "
    "or refused by a full socket buffer (send_failed).",
    ["kind", "reason"],
)
MEDIA_BYTES_DROPPED = Counter(
    "livesale_media_bytes_dropped_total",
    "RTP bytes a viewer did not get (the packets of livesale_media_packets_dropped_total).",
    ["kind", "reason"],
)
MEDIA_VIEWER_SEND_QUEUE = Histogram(
    "livesale_media_viewer_send_queue_bytes",
    "Bytes waiting in a viewer's socket buffer, sampled for every viewer once a second.",
    buckets=(0, 1_000, 5_000, 20_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 4_000_000),
)
MEDIA_PACKETS_FORWARDED = Counter(
    "livesale_media_packets_forwarded_total",
    "RTP packets handed to viewers (one per packet per viewer).",
    ["kind"],
)
MEDIA_FRAMES_SKIPPED = Counter(
    "livesale_media_viewer_skips_total",
    "Times a viewer fell behind and was moved to the next keyframe.",
    ["kind"],
)
MEDIA_KEYFRAME_REQUESTS = Counter(
    "livesale_media_keyframe_requests_total", "Keyframe requests (PLI) sent to publishers."
)
MEDIA_BURST_FANOUT = Histogram(
    "livesale_media_burst_fanout_seconds",
    "From the first packet of a burst entering the relay to the burst's last copy leaving "
    "for the last viewer (the worst viewer's wait).",
    ["kind"],
    buckets=_LATENCY_BUCKETS,
)
MEDIA_RELAY_LATENCY = Histogram(
    "livesale_media_relay_latency_seconds",
    "Video: per viewer and frame, from the frame's first packet entering the relay to its "
    "last packet leaving for that viewer. Audio: per packet, for the last viewer.",
    ["kind"],
    buckets=_LATENCY_BUCKETS,
)

RECORDINGS_ACTIVE = Gauge(
    "livesale_recordings_active",
    "Recording parts being written (summed over processes).",
    multiprocess_mode="livesum",
)
RECORDING_FRAMES = Counter(
    "livesale_recording_frames_total",
    "Encoded frames written to recordings, by kind (audio, video).",
    ["kind"],
)
RECORDING_BYTES = Counter(
    "livesale_recording_bytes_total", "Encoded media bytes handed to the recording writer."
)
RECORDING_QUEUE_BYTES = Gauge(
    "livesale_recording_queue_bytes",
    "Frames waiting for the disk, in bytes (the highest over processes).",
    multiprocess_mode="livemax",
)
RECORDING_FAILURES = Counter(
    "livesale_recording_failures_total",
    "Recordings stopped by a problem while the show went on, by reason (disk_full, "
    "write_error, queue_full, mux_error).",
    ["reason"],
)
RECORDINGS_REPAIRED = Counter(
    "livesale_recordings_repaired_total",
    "Recording parts a crash left open that were made playable again at start-up.",
)

ROOM_CONNECTIONS = Gauge(
    "livesale_room_connections",
    "Room WebSocket connections open (summed over processes).",
    multiprocess_mode="livesum",
)
ROOM_MESSAGES_SENT = Counter(
    "livesale_room_messages_sent_total",
    "Room frames written to connections (one per batch per connection).",
)
ROOM_CHAT_REJECTED = Counter(
    "livesale_room_chat_rejected_total", "Chat messages refused, by error code.", ["reason"]
)
ROOM_CHAT_MESSAGES = Counter(
    "livesale_room_chat_messages_total", "Chat messages accepted and published."
)
ROOM_LIKES = Counter("livesale_room_likes_total", "Likes accepted (after the per-viewer cap).")
ROOM_MODERATION_ACTIONS = Counter(
    "livesale_room_moderation_actions_total",
    "Moderation actions that took effect, by action (delete, mute, ban, unban, slow_mode, "
    "add_moderator, remove_moderator, block_word, unblock_word).",
    ["action"],
)
ROOM_SLOW_CLOSED = Counter(
    "livesale_room_slow_consumers_closed_total",
    "Room connections closed because their unsent data passed room.max_send_buffer_bytes.",
)
ROOM_ADDRESS_LIMITED = Counter(
    "livesale_room_address_limited_total",
    "Room actions held back because of the client's address, not its cookie, by limit:"
    " connections (closed over room.max_connections_per_address), counted_viewers (a"
    " person past room.max_counted_viewers_per_address, watching uncounted), likes"
    " (over room.max_likes_per_address_per_second), chat (over chat.address_rate_messages),"
    " ban and mute (a guest refused by another guest's ban or mute of the address).",
    ["limit"],
)
for _limit in ("connections", "counted_viewers", "likes", "chat", "ban", "mute"):
    ROOM_ADDRESS_LIMITED.labels(_limit)  # every series exists from the start, at 0
ROOM_FANOUT_SECONDS = Histogram(
    "livesale_room_fanout_seconds",
    "Time to write one batch of a show's events to all of its local connections.",
    buckets=(0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0),
)

SHOP_HOLD_ATTEMPTS = Counter(
    "livesale_shop_hold_attempts_total",
    "Buy now and cart checkouts by outcome (held, or the refusal's error code).",
    ["outcome"],
)
SHOP_HOLDS_REFUSED = Counter(
    "livesale_shop_holds_refused_total",
    "Holds and paid orders refused by a per-person cap, by reason: held_per_buyer, "
    "held_per_address, sale_limit_per_buyer, sale_limit_per_address, sale_limit_per_card.",
    ["reason"],
)
for _reason in (
    "held_per_buyer",
    "held_per_address",
    "sale_limit_per_buyer",
    "sale_limit_per_address",
    "sale_limit_per_card",
):
    # Every reason shows from the start (at 0), so a rate over it is never empty.
    SHOP_HOLDS_REFUSED.labels(_reason)
SHOP_HOLDS_EXPIRED = Counter(
    "livesale_shop_holds_expired_total", "Stock holds that ran out and went back on sale."
)
SHOP_ORDERS = Counter("livesale_shop_orders_total", "Orders reaching each status.", ["status"])
SHOP_PAYMENT_EVENTS = Counter(
    "livesale_shop_payment_events_total",
    "Payment events received, by kind and result (applied the first time, unchanged for "
    "replays and late events, unknown_order).",
    ["kind", "result"],
)
SHOP_CART_UPDATES = Counter(
    "livesale_shop_cart_updates_total", "Cart changes, by action (add, set, remove).", ["action"]
)
SHOP_HOLDS_COMMITTED = Counter(
    "livesale_shop_holds_committed_total", "Stock holds turned into sales by a paid order."
)
SHOP_SOLD_OUT = Counter(
    "livesale_shop_sold_out_total", "Times a product of a show sold out (sold_out events)."
)
SHOP_CHECKOUTS = Counter(
    "livesale_shop_checkouts_total",
    "Orders placed (started) and how their payment ended (paid, failed), by gateway.",
    ["gateway", "outcome"],
)
SHOP_PAYMENT_DURATION = Histogram(
    "livesale_shop_payment_duration_seconds",
    "From placing an order to its payment succeeding, by gateway.",
    ["gateway"],
    buckets=(1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800),
)
SHOP_GATEWAY_REQUEST_DURATION = Histogram(
    "livesale_shop_gateway_request_duration_seconds",
    "Calls to the payment gateway, by gateway, call and outcome (ok, error).",
    ["gateway", "call", "outcome"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
# By gateway too: the dummy gateway's test orders take no money, so real revenue is
# `gateway!="dummy"`.
SHOP_REVENUE = Counter(
    "livesale_shop_revenue_minor_units_total",
    "Money taken by paid orders, in the currency's minor units (cents), by currency and "
    "gateway (dummy: test orders, no money taken).",
    ["currency", "gateway"],
)
SHOP_REFUNDED = Counter(
    "livesale_shop_refunded_minor_units_total",
    "Money given back by refunded orders, in minor units, by currency and gateway.",
    ["currency", "gateway"],
)
SHOP_WEBHOOK_EVENTS = Counter(
    "livesale_shop_webhook_events_total",
    "Verified payment webhooks, by event type (unknown types as other) and outcome "
    "(applied, unchanged, ignored, unknown_order).",
    ["type", "outcome"],
)
SHOP_WEBHOOKS_REFUSED = Counter(
    "livesale_shop_webhooks_refused_total", "Webhooks refused for a bad or old signature."
)
SHOP_RECONCILED = Counter(
    "livesale_shop_reconciled_total", "Orders that reconciliation had to move."
)
# The stock check (livesale.shop.stock_audit): Redis's counters against the record.
StockRepairReason = Literal["redis_changed", "drift"]
SHOP_STOCK_DRIFT = Gauge(
    "livesale_shop_stock_drift_units",
    "Units by which the stock counters differed from the record at the last check, before "
    "it repaired them (summed over variants; 0 when they matched).",
    multiprocess_mode="livemostrecent",
)
SHOP_STOCK_REPAIRS = Counter(
    "livesale_shop_stock_repairs_total",
    "Variants whose stock counters the check rewrote from the record, by reason "
    "(redis_changed: a restarted or new Redis server; drift: found by the periodic check).",
    ["reason"],
)

# Dependencies, as the last `GET /readyz` of this process saw them.
REDIS_UP = Gauge(
    "livesale_redis_up",
    "1 when the last Redis check answered, else 0 (the lowest over processes).",
    multiprocess_mode="livemin",
)
SQLITE_ERRORS = Counter(
    "livesale_sqlite_errors_total",
    "SQLite calls and readiness checks that failed or timed out.",
)
REDIS_COMMAND_DURATION = Histogram(
    "livesale_redis_command_duration_seconds",
    "Redis round trips by command (a pipeline counts once, as pipeline).",
    ["command"],
    buckets=(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1.0),
)
REDIS_ERRORS = Counter(
    "livesale_redis_errors_total",
    "Redis calls that failed, by kind (connection, timeout, response).",
    ["kind"],
)
SQLITE_QUERY_DURATION = Histogram(
    "livesale_sqlite_query_duration_seconds",
    "SQLite calls by operation (read, transaction), queueing for the connection included.",
    ["operation"],
    buckets=(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1.0),
)
POSTGRES_QUERY_DURATION = Histogram(
    "livesale_postgres_query_duration_seconds",
    "PostgreSQL calls by operation (read, transaction), waits for a pooled connection and "
    "for the write lock included.",
    ["operation"],
    buckets=(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1.0),
)
POSTGRES_ERRORS = Counter(
    "livesale_postgres_errors_total",
    "PostgreSQL calls and readiness checks that failed (a refused constraint is not counted).",
)
# The jobs that run once across every process and node (storage/leases.py).
BackgroundJob = Literal[
    "hold_sweeper", "reconciliation", "show_lifecycle", "auction_closer", "message_retention"
]
BACKGROUND_JOB_LEADER = Gauge(
    "livesale_background_job_leader",
    "1 in the process that holds a cluster-wide job's lease, else 0 (summed over a "
    "node's processes; summed over nodes it is 1 while the cluster runs the job).",
    ["job"],
    multiprocess_mode="livesum",
)
REDIS_REPLICA_ACKS = Counter(
    "livesale_redis_replica_acks_total",
    "Stock writes waited on with WAIT (redis.min_replicas_acked > 0), by outcome: ok (enough "
    "replicas confirmed in time) or short (the buyer got a 503 and retries).",
    ["outcome"],
)
EMBEDDED_REDIS_UP = Gauge(
    "livesale_embedded_redis_up",
    "1 while the private redis-server child runs; 0 once it has exited, and always 0 when "
    "redis.url or redis.sentinels point at external servers.",
    # The highest over processes: every process exports 0 until told otherwise, and
    # only the one that runs the child (the supervisor under `livesale serve`) sets 1.
    multiprocess_mode="livemax",
)

HTTP_REQUEST_DURATION = Histogram(
    "livesale_http_request_duration_seconds",
    "HTTP requests by route pattern, method and status, from the first middleware to the answer.",
    ["route", "method", "status"],
)

# Guest identities and proof-of-work challenges (bounded labels: the purposes and
# reasons listed, each created at 0 below so a rate() sees the first one).
CHALLENGE_PURPOSES = ("guest", "login")
CHALLENGE_FAILURES = (
    "malformed",
    "bad_signature",
    "expired",
    "wrong_purpose",
    "wrong_solution",
    "reused",
)
GUEST_REFUSALS = ("rate_limited", "challenge_required", "challenge_invalid")
CHALLENGES_ISSUED = Counter(
    "livesale_challenges_issued_total",
    "Proof-of-work challenges handed out, by purpose (guest, login).",
    ["purpose"],
)
CHALLENGES_SOLVED = Counter(
    "livesale_challenges_solved_total",
    "Challenge solutions accepted (each lets one guest creation or login attempt through).",
    ["purpose"],
)
CHALLENGES_FAILED = Counter(
    "livesale_challenges_failed_total",
    "Challenge solutions refused (challenge_invalid), by purpose and reason (malformed, "
    "bad_signature, expired, wrong_purpose, wrong_solution, reused).",
    ["purpose", "reason"],
)
GUEST_CREATIONS = Counter(
    "livesale_guest_creations_total", "Guest identities created (PUT /api/viewer without a guest)."
)
GUEST_CREATIONS_REFUSED = Counter(
    "livesale_guest_creations_refused_total",
    "Guest creations refused, by reason (rate_limited: over the hourly limit of the address, "
    "or challenges asked for faster than they are handed out; challenge_required: past the "
    "free ones without a solution; challenge_invalid).",
    ["reason"],
)
for _purpose in CHALLENGE_PURPOSES:
    CHALLENGES_ISSUED.labels(purpose=_purpose)
    CHALLENGES_SOLVED.labels(purpose=_purpose)
    for _reason in CHALLENGE_FAILURES:
        CHALLENGES_FAILED.labels(purpose=_purpose, reason=_reason)
for _reason in GUEST_REFUSALS:
    GUEST_CREATIONS_REFUSED.labels(reason=_reason)


# The counting functions of the bounded labels: their parameter types are the label values
# `livesale.metric_series` creates at 0, so what is counted is always a series that exists.
def count_session_started(role: MediaRole) -> None:
    """Count one WHIP (publisher) or WHEP (viewer) session accepted."""
    MEDIA_SESSIONS_STARTED.labels(role).inc()


def count_session_end(role: MediaRole, outcome: SessionOutcome) -> None:
    """Count one media session's end."""
    MEDIA_SESSIONS_ENDED.labels(role, outcome).inc()


def count_session_failure(role: MediaRole, reason: SessionFailure) -> None:
    """Count one media session that failed, by the layer that failed."""
    MEDIA_SESSION_FAILURES.labels(role, reason).inc()


def count_candidate_refused(reason: CandidateRefusal) -> None:
    """Count one remote ICE candidate the relay will not check."""
    MEDIA_ICE_CANDIDATES_REFUSED.labels(reason).inc()


def count_recording_failure(reason: RecordingFailure) -> None:
    """Count one recording part stopped while its show went on."""
    RECORDING_FAILURES.labels(reason).inc()


def count_moderation(action: ModerationAction, times: int = 1) -> None:
    """Count moderation actions that took effect."""
    ROOM_MODERATION_ACTIONS.labels(action).inc(times)


def count_cart_update(action: CartAction) -> None:
    """Count one cart change."""
    SHOP_CART_UPDATES.labels(action).inc()


# Reviews from verified buyers.
REVIEWS_WRITTEN = Counter("livesale_reviews_written_total", "Reviews written by verified buyers.")
REVIEW_REPORTS = Counter(
    "livesale_review_reports_total", "Reports of reviews (each person's counted once)."
)


def count_order_status(status: OrderStatus) -> None:
    """Count one order reaching `status`."""
    SHOP_ORDERS.labels(status.value).inc()


def count_checkout(gateway: str, outcome: CheckoutOutcome) -> None:
    """Count an order placed (started) or how its payment ended, by its gateway."""
    SHOP_CHECKOUTS.labels(gateway, outcome).inc()


def count_stock_repairs(reason: StockRepairReason, variants: int) -> None:
    """Count variants whose stock counters the check rewrote, by why it looked."""
    SHOP_STOCK_REPAIRS.labels(reason).inc(variants)


def count_payment_event(kind: PaymentEventKind, result: PaymentEventResult) -> None:
    """Count one payment event received, by kind and what it did."""
    SHOP_PAYMENT_EVENTS.labels(kind.value, result).inc()


# foryou: the "For you" feed.
FEED_REQUESTS = Counter(
    "livesale_feed_requests_total",
    "GET /api/feed answered, by whether the ranking was personalised (yes, no).",
    ["personalised"],
)
FEED_SECONDS = Histogram(
    "livesale_feed_seconds",
    "Time to rank one GET /api/feed: candidates, the viewer's profile and the order.",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0),
)
FEED_SIGNALS = Counter(
    "livesale_feed_signals_total",
    "Viewer events added to taste profiles, by kind (watch, tap, hold, purchase).",
    ["kind"],
)
FEED_SIGNALS_DROPPED = Counter(
    "livesale_feed_signals_dropped_total",
    "Viewer events dropped because the profile updates fell behind (the queue was full).",
)
for _yes in ("yes", "no"):
    FEED_REQUESTS.labels(_yes)
for _kind in ("watch", "purchase"):
    FEED_SIGNALS.labels(_kind)
# Auctions.
AuctionBidResult = Literal["leading", "outbid", "too_low", "closed", "not_allowed", "not_found"]
AuctionCloseResult = Literal["sold", "no_bids", "no_stock"]
AUCTION_BIDS = Counter(
    "livesale_auction_bids_total",
    "Auction bids by result: accepted (leading, outbid by an earlier maximum) or refused.",
    ["result"],
)
AUCTIONS_CLOSED = Counter(
    "livesale_auctions_closed_total",
    "Auctions closed (once each, across every process), by how they ended.",
    ["result"],
)


def count_bid(result: AuctionBidResult) -> None:
    """Count one auction bid by its result."""
    AUCTION_BIDS.labels(result).inc()


def count_auction_closed(result: AuctionCloseResult) -> None:
    """Count one auction closed, by how it ended."""
    AUCTIONS_CLOSED.labels(result).inc()


# Notify: notifications made, folded by the quiet limit, delivered live.
NOTIFY_MADE = Counter(
    "livesale_notifications_total",
    "Notifications stored for people, by kind (live, reminder_soon, reminder_live, shipped, "
    "message, outbid).",
    ["kind"],
)
NOTIFY_FOLDED = Counter(
    "livesale_notifications_folded_total",
    "Notifications past the hourly quiet limit, counted into the person's latest one, or an "
    "outbid counted into the person's unread one of the same auction, by kind.",
    ["kind"],
)
OutbidDropReason = Literal["full", "error", "shutdown"]
OUTBID_NOTICES_DROPPED = Counter(
    "livesale_outbid_notices_dropped_total",
    "Outbid notifications never made, by reason: full (the queue of this process was full), "
    "error (making it failed; logged), shutdown (still queued when the drain time ran out).",
    ["reason"],
)


def count_outbid_dropped(reason: OutbidDropReason, count: int = 1) -> None:
    """Count outbid notifications that were never made, by why."""
    OUTBID_NOTICES_DROPPED.labels(reason).inc(count)


NOTIFY_FANOUT_SECONDS = Histogram(
    "livesale_notification_fanout_seconds",
    "Time from an event being noticed to its notifications stored and published to every "
    "process (one go-live to all followers is one observation).",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
NOTIFY_DELIVERED = Counter(
    "livesale_notifications_delivered_total",
    "Notifications handed to an open notification stream in this process.",
)
NOTIFY_LISTENERS = Gauge(
    "livesale_notification_streams",
    "Notification streams (GET /api/notifications/stream) open in this process.",
)

# Notify: Web Push to subscribed devices.
PUSH_QUEUED = Counter(
    "livesale_push_queued_total",
    "Web Push requests queued (one per notification and subscribed device).",
)
PUSH_SENT = Counter(
    "livesale_push_sent_total",
    "Web Push requests a push service accepted.",
)
PUSH_FAILED = Counter(
    "livesale_push_failed_total",
    "Web Push requests that failed, by reason: gone (404/410, the subscription is deleted), "
    "rate_limited (429), rejected (another error status), network, bad_subscription, error, "
    "shutdown (still queued when a clean stop's drain time ran out).",
    ["reason"],
)
PUSH_TOKENS_SIGNED = Counter(
    "livesale_push_tokens_signed_total",
    "VAPID tokens signed: one per push service, renewed an hour before its 12 h run out.",
)
PUSH_SECONDS = Histogram(
    "livesale_push_seconds",
    "Time from a push being queued to its push service accepting it.",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0),
)

# dms: direct messages between viewers and shops.
DirectMessageSide = Literal["viewer", "shop"]
DIRECT_MESSAGES = Counter(
    "livesale_direct_messages_total",
    "Direct messages sent, by the side that wrote: viewer, or shop (its creator or a moderator).",
    ["side"],
)
DIRECT_MESSAGES_REFUSED = Counter(
    "livesale_direct_messages_refused_total",
    "Direct messages refused because one side blocked the other (dm_blocked).",
)
DIRECT_MESSAGE_REPORTS = Counter(
    "livesale_direct_message_reports_total",
    "Direct-message conversations (or messages) reported to the operator.",
)
DIRECT_MESSAGES_EXPIRED = Counter(
    "livesale_direct_messages_expired_total",
    "Direct messages deleted by the retention job (older than messages.retention_days).",
)
