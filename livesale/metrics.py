"""Prometheus instruments: names, units and bounded labels in one place."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

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
ROOM_SLOW_CLOSED = Counter(
    "livesale_room_slow_consumers_closed_total",
    "Room connections closed because their unsent data passed room.max_send_buffer_bytes.",
)
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
SHOP_HOLDS_EXPIRED = Counter(
    "livesale_shop_holds_expired_total", "Stock holds that ran out and went back on sale."
)
SHOP_ORDERS = Counter("livesale_shop_orders_total", "Orders reaching each status.", ["status"])
SHOP_PAYMENT_EVENTS = Counter(
    "livesale_shop_payment_events_total",
    "Payment events received, by kind and whether they changed the order.",
    ["kind", "result"],
)
SHOP_WEBHOOKS_REFUSED = Counter(
    "livesale_shop_webhooks_refused_total", "Webhooks refused for a bad or old signature."
)
SHOP_RECONCILED = Counter(
    "livesale_shop_reconciled_total", "Orders that reconciliation had to move."
)

# Dependencies, as the last `GET /readyz` of this process saw them.
REDIS_UP = Gauge(
    "livesale_redis_up",
    "1 when the last Redis check answered, else 0 (the lowest over processes).",
    multiprocess_mode="livemin",
)
SQLITE_ERRORS = Counter(
    "livesale_sqlite_errors_total", "SQLite checks (a trivial read) that failed or timed out."
)

HTTP_REQUEST_DURATION = Histogram(
    "livesale_http_request_duration_seconds",
    "HTTP requests by route pattern, method and status, from the first middleware to the answer.",
    ["route", "method", "status"],
)
