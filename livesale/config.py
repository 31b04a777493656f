"""Settings: `config.toml` -> frozen dataclasses, with `LIVESALE__SECTION__KEY` overrides."""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import os
import tomllib
import types
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union, get_args, get_origin, get_type_hints
from urllib.parse import urlsplit

ENV_PREFIX = "LIVESALE__"


class ConfigError(Exception):
    """The configuration is invalid; the message says which key and why."""


@dataclass(frozen=True)
class IceServer:
    """One STUN/TURN server handed to peers."""

    urls: tuple[str, ...]
    username: str | None = None
    credential: str | None = None


@dataclass(frozen=True)
class ServerSettings:
    """HTTP listener and public addressing."""

    host: str = "127.0.0.1"
    port: int = 8080
    public_url: str = ""
    data_dir: str = "data"
    max_body_bytes: int = 1_048_576
    cors_origins: tuple[str, ...] = ("*",)
    use_uvloop: bool = True
    gc_freeze_seconds: float = 5.0
    gc_full_collect_seconds: float = 600.0
    shop_processes: int = 1
    # Proxies (addresses or CIDR networks) whose X-Forwarded-For is believed.
    trusted_proxies: tuple[str, ...] = ()
    # A connection with no request under way (none sent yet, headers half sent,
    # or idle between requests) is closed after this long.
    idle_timeout_seconds: float = 75.0
    # A request body that stops arriving for this long gets 408 and its connection closed.
    body_timeout_seconds: float = 60.0
    # Strict-Transport-Security max-age when public_url is https (0: no HSTS header).
    hsts_max_age_seconds: int = 31_536_000

    def __post_init__(self) -> None:
        if self.idle_timeout_seconds <= 0 or self.body_timeout_seconds <= 0:
            raise ValueError("idle_timeout_seconds and body_timeout_seconds must be positive")
        for proxy in self.trusted_proxies:
            try:
                ipaddress.ip_network(proxy, strict=False)
            except ValueError as exc:
                message = f"trusted_proxies: {proxy!r} is not an address or network"
                raise ValueError(message) from exc


@dataclass(frozen=True)
class LogSettings:
    """Log format and level."""

    level: str = "INFO"
    format: str = "text"


@dataclass(frozen=True)
class RedisSettings:
    """Redis connection: Sentinel, a `url`, or the embedded child process when both are empty."""

    url: str = ""
    binary: str = "redis-server"
    startup_timeout_seconds: float = 10.0
    # Sentinels (`host:port`) that name the master of `master_name`; empty: no Sentinel.
    sentinels: tuple[str, ...] = ()
    master_name: str = ""
    # Replicas that must have a stock hold or sale before the buyer hears of it (WAIT);
    # 0 = do not wait. A shortfall within the timeout is a 503 the buyer retries.
    min_replicas_acked: int = 0
    replica_ack_timeout_seconds: float = 0.5
    # Redis Cluster: some of its nodes (`host:port`) to discover the rest from; empty: no Cluster.
    cluster_nodes: tuple[str, ...] = ()

    @property
    def embedded(self) -> bool:
        """True when livesale runs its own redis-server (no `url`, `sentinels` or cluster)."""
        return not self.url and not self.sentinels and not self.cluster_nodes

    def __post_init__(self) -> None:
        if self.sentinels and self.url:
            raise ConfigError("redis.url and redis.sentinels are exclusive: set one of them")
        if self.sentinels and not self.master_name:
            raise ConfigError("redis.master_name is required with redis.sentinels")
        for sentinel in self.sentinels:
            sentinel_address(sentinel)
        if self.min_replicas_acked < 0:
            raise ConfigError("redis.min_replicas_acked must be 0 (off) or more")
        if self.replica_ack_timeout_seconds <= 0:
            raise ConfigError("redis.replica_ack_timeout_seconds must be above 0")
        self._check_cluster()

    def _check_cluster(self) -> None:
        if not self.cluster_nodes:
            return
        if self.sentinels:
            raise ConfigError(
                "redis.cluster_nodes and redis.sentinels are exclusive: a Redis Cluster fails"
                " over by itself; set one of them"
            )
        if self.url:
            raise ConfigError("redis.url and redis.cluster_nodes are exclusive: set one of them")
        if self.min_replicas_acked:
            raise ConfigError(
                "redis.min_replicas_acked is not supported with redis.cluster_nodes: leave it 0"
            )
        for node in self.cluster_nodes:
            redis_address(node, "redis.cluster_nodes")


def sentinel_address(text: str) -> tuple[str, int]:
    """`host:port` (IPv6 as `[addr]:port`) as a pair; ConfigError if it is not one."""
    return redis_address(text, "redis.sentinels")


def redis_address(text: str, setting: str) -> tuple[str, int]:
    """`host:port` (IPv6 as `[addr]:port`) of `setting` as a pair; ConfigError if it is not one."""
    host, _, port = text.rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"{setting}: {text!r} is not host:port")
    return host, int(port)


@dataclass(frozen=True)
class SqliteSettings:
    """The SQLite database file (relative paths are under the data folder)."""

    path: str = "livesale.sqlite3"


@dataclass(frozen=True)
class DatabaseSettings:
    """Where the record lives: the SQLite file when `url` is empty, else PostgreSQL."""

    url: str = field(default="", repr=False)
    pool_size: int = 10

    def __post_init__(self) -> None:
        if self.url and urlsplit(self.url).scheme not in ("postgresql", "postgres"):
            raise ConfigError("database.url must be empty (SQLite) or a postgresql:// URL")
        if self.pool_size < 1:
            raise ConfigError("database.pool_size must be at least 1")


@dataclass(frozen=True)
class AuthSettings:
    """Creator sessions, password hashing cost and login throttling."""

    session_ttl_seconds: int = 1_209_600
    password_time_cost: int = 3
    password_memory_kib: int = 65_536
    password_parallelism: int = 1
    login_free_failures: int = 5
    # Failures on one account from all addresses together before addresses it never
    # logged in from are slowed down too (a high ceiling against many-address guessing).
    login_account_free_failures: int = 50
    login_max_delay_seconds: float = 300.0
    guest_ttl_seconds: int = 31_536_000
    # Sign-ups one client address (an IPv6 /64) may make per window.
    signups_per_address: int = 10
    signup_window_seconds: float = 3600.0
    # Password hashes running at once in a process: logins and sign-ups have
    # slots of their own, so a burst of sign-ups cannot hold up a login.
    login_hash_slots: int = 3
    signup_hash_slots: int = 1
    # Guest identities one address (an IPv6 /64) may create per hour; past the
    # free ones, each needs a solved proof-of-work challenge. Generous: a
    # household, an office or a mobile carrier's shared address is many people.
    guest_creations_per_address_per_hour: int = 200
    guest_free_creations_per_address_per_hour: int = 10
    # Proof of work (ALTCHA, PBKDF2/SHA-256): the browser tries counters from 0 up
    # to a secret one drawn below `challenge_max_number`, each a derivation of
    # `challenge_cost` iterations (on average max_number / 2 of them).
    challenge_max_number: int = 5_000
    challenge_cost: int = 1_000
    challenge_ttl_seconds: int = 300
    challenges_per_address_per_minute: int = 60
    # Passkeys (WebAuthn): the relying party id (empty: the host of server.public_url)
    # and how long a registration or sign-in ceremony may take before its challenge expires.
    passkey_rp_id: str = ""
    passkey_ceremony_seconds: int = 300
    # Passkey sign-in options one client address may ask for each minute (each is a Redis write).
    passkey_sign_ins_per_address_per_minute: int = 30

    def __post_init__(self) -> None:
        if (
            not 1
            <= self.guest_free_creations_per_address_per_hour
            <= (self.guest_creations_per_address_per_hour)
        ):
            raise ValueError(
                "guest_free_creations_per_address_per_hour must be at least 1 and at most"
                " guest_creations_per_address_per_hour"
            )
        if min(self.challenge_max_number, self.challenge_cost, self.challenge_ttl_seconds) < 1:
            raise ValueError("challenge_max_number, challenge_cost and challenge_ttl_seconds > 0")
        if self.passkey_ceremony_seconds < 1:
            raise ValueError("passkey_ceremony_seconds must be at least 1")
        if self.passkey_sign_ins_per_address_per_minute < 1:
            raise ValueError("passkey_sign_ins_per_address_per_minute must be at least 1")
        if self.challenges_per_address_per_minute < 1:
            raise ValueError("challenges_per_address_per_minute must be at least 1")
        if self.login_hash_slots < 1 or self.signup_hash_slots < 1:
            raise ValueError("login_hash_slots and signup_hash_slots must be at least 1")
        if self.signups_per_address < 1 or self.signup_window_seconds <= 0:
            raise ValueError("signups_per_address and signup_window_seconds must be positive")
        if self.login_account_free_failures < self.login_free_failures:
            raise ValueError("login_account_free_failures must be at least login_free_failures")


@dataclass(frozen=True)
class ImageSettings:
    """Uploaded product and cover images."""

    folder: str = "images"
    max_bytes: int = 5_242_880
    max_pixels: int = 25_000_000
    # Memory one decode may hold for pixels (source, upright copy, converted copy).
    max_decode_bytes: int = 167_772_160
    # Decodes one process runs at once.
    parallel_decodes: int = 1

    def __post_init__(self) -> None:
        if self.max_decode_bytes < 1_048_576 or self.parallel_decodes < 1:
            raise ValueError("max_decode_bytes must be at least 1 MiB, parallel_decodes at least 1")


@dataclass(frozen=True)
class ChatSettings:
    """Chat limits; a show's slow mode is set live by its creator."""

    max_length: int = 300
    rate_messages: int = 5
    rate_window_seconds: float = 10.0
    history: int = 50
    blocked_words: tuple[str, ...] = ()
    max_slow_mode_seconds: int = 300
    max_mute_seconds: int = 86_400
    # Messages one address (an IPv6 /64) may send in one show's chat per window,
    # whoever's cookies it uses: a household chats, a bot's fresh guests do not.
    address_rate_messages: int = 20
    address_rate_window_seconds: float = 10.0
    # How long a ban or mute also holds the address the guest was last seen at.
    address_ban_seconds: int = 86_400

    def __post_init__(self) -> None:
        if self.address_rate_messages < 1 or self.address_rate_window_seconds <= 0:
            raise ValueError(
                "address_rate_messages and address_rate_window_seconds must be positive"
            )
        if self.address_ban_seconds < 1:
            raise ValueError("address_ban_seconds must be at least 1")


@dataclass(frozen=True)
class RoomSettings:
    """The show's WebSocket room: fan-out, presence, heartbeats and limits."""

    max_message_bytes: int = 4096
    heartbeat_seconds: float = 20.0
    flush_interval_seconds: float = 0.1
    presence_interval_seconds: float = 1.0
    like_interval_seconds: float = 0.25
    max_likes_per_second: int = 20
    max_send_buffer_bytes: int = 262_144
    max_connections_per_process: int = 10_000
    # Per address (an IPv6 /64), in each process: room connections it may hold,
    # people it counts as among a show's viewers, and likes per second in a show.
    max_connections_per_address: int = 100
    max_counted_viewers_per_address: int = 10
    max_likes_per_address_per_second: int = 60

    def __post_init__(self) -> None:
        if (
            min(
                self.max_connections_per_address,
                self.max_counted_viewers_per_address,
                self.max_likes_per_address_per_second,
            )
            < 1
        ):
            raise ValueError("the room's per-address limits must be at least 1")


@dataclass(frozen=True)
class ShowSettings:
    """Show lifecycle."""

    end_after_publisher_lost_seconds: float = 300.0


@dataclass(frozen=True)
class ShopSettings:
    """Carts, stock holds and the background jobs that keep orders and stock true."""

    cart_ttl_seconds: int = 604_800
    max_cart_lines: int = 20
    max_line_quantity: int = 10
    hold_seconds: int = 600
    # A flash-sale hold lasts this long from the buyer's first hold in that sale;
    # later holds in the same sale end with it (a new checkout never extends it).
    # Never longer than hold_seconds.
    flash_sale_hold_seconds: int = 120
    # Units one guest, and all guests at one address (IPv6: its /64), may hold at
    # once (held, not yet paid), in any show.
    max_units_held_per_buyer: int = 10
    max_units_held_per_address: int = 30
    # A flash sale's per-buyer limit also counts per address, at this multiple,
    # so a few people behind one address (a home, an office) each get theirs.
    per_address_limit_factor: int = 3
    sweep_interval_seconds: float = 1.0
    stock_update_interval_seconds: float = 0.25
    reconcile_interval_seconds: float = 300.0
    reconcile_window_seconds: int = 86_400
    # How often the stock counters in Redis are checked against the record (and
    # repaired); a restarted or new Redis server is checked before its first hold.
    stock_check_interval_seconds: float = 30.0
    # Giveaways: the winner claims the prize within this long after the entries
    # close; the unit is held that long (at most 24 h with the 5 min of entries).
    giveaway_claim_seconds: int = 43_200
    # Auctions: how long the winner (or a second-chance bidder) has to pay, and how
    # often one process closes auctions whose end has passed (a bid or read that sees
    # the end passed closes it at once too).
    auction_payment_seconds: int = 600
    auction_close_interval_seconds: float = 0.25

    def __post_init__(self) -> None:
        if not 60 <= self.giveaway_claim_seconds <= 86_100:
            raise ValueError("giveaway_claim_seconds must be from 60 to 86100")
        if self.auction_payment_seconds <= 0 or self.auction_close_interval_seconds <= 0:
            raise ValueError("auction_payment_seconds and auction_close_interval_seconds: > 0")
        if self.hold_seconds <= 0 or self.flash_sale_hold_seconds <= 0:
            raise ValueError("hold_seconds and flash_sale_hold_seconds must be positive")
        if self.max_units_held_per_buyer < 1 or self.per_address_limit_factor < 1:
            raise ValueError("max_units_held_per_buyer and per_address_limit_factor must be 1+")
        if self.stock_check_interval_seconds <= 0:
            raise ValueError("stock_check_interval_seconds must be positive")
        if self.max_units_held_per_address < self.max_units_held_per_buyer:
            raise ValueError("max_units_held_per_address must be at least max_units_held_per_buyer")


@dataclass(frozen=True)
class ReviewSettings:
    """Reviews from verified buyers: text limits, photos, reports."""

    min_text_length: int = 0
    max_text_length: int = 2000
    max_reply_length: int = 1000
    # Reports one guest may file per window (each review counts once per person anyway).
    reports_per_window: int = 10
    report_window_seconds: float = 3600.0
    page_size: int = 10

    def __post_init__(self) -> None:
        if not 0 <= self.min_text_length <= self.max_text_length or self.max_text_length < 1:
            raise ValueError("review text limits must satisfy 0 <= min <= max, max >= 1")
        if self.max_reply_length < 1 or self.page_size < 1 or self.page_size > 50:
            raise ValueError("max_reply_length must be 1+, page_size 1..50")
        if self.reports_per_window < 1 or self.report_window_seconds <= 0:
            raise ValueError("reports_per_window and report_window_seconds must be positive")


@dataclass(frozen=True)
class RecordingSettings:
    """Recording live broadcasts for replays."""

    enabled: bool = True
    folder: str = "recordings"
    retention_days: float = 0.0
    max_queue_bytes: int = 33_554_432
    min_free_bytes: int = 268_435_456

    def __post_init__(self) -> None:
        if self.retention_days < 0:
            raise ValueError("retention_days must be 0 (keep) or more")
        if self.max_queue_bytes < 1_048_576:
            raise ValueError("max_queue_bytes must be at least 1 MiB")
        if self.min_free_bytes < 0:
            raise ValueError("min_free_bytes must be 0 or more")


@dataclass(frozen=True)
class AnalyticsSettings:
    """Recording show events for creator analytics."""

    flush_interval_seconds: float = 1.0
    heartbeat_seconds: float = 30.0

    def __post_init__(self) -> None:
        if self.flush_interval_seconds <= 0 or self.heartbeat_seconds <= 0:
            raise ValueError("analytics intervals must be positive")


@dataclass(frozen=True)
class FeedSettings:
    """The "For you" feed: how long taste is remembered and how often follows may change."""

    half_life_days: float = 14.0
    profile_ttl_days: float = 90.0
    follows_per_minute: int = 30
    shared_cache_seconds: float = 1.0
    min_watch_seconds: float = 5.0

    def __post_init__(self) -> None:
        if self.half_life_days <= 0 or self.profile_ttl_days <= 0:
            raise ValueError("feed half_life_days and profile_ttl_days must be positive")
        if self.follows_per_minute < 1:
            raise ValueError("feed follows_per_minute must be at least 1")
        if self.shared_cache_seconds < 0 or self.min_watch_seconds < 0:
            raise ValueError("feed shared_cache_seconds and min_watch_seconds must be >= 0")


@dataclass(frozen=True)
class NotifySettings:
    """Notifications: how soon events are noticed, the quiet limit, and how long they are kept."""

    poll_seconds: float = 0.5
    per_kind_per_hour: int = 5
    retention_days: float = 30.0
    lookback_seconds: float = 120.0
    push_concurrency: int = 50
    # ~12% of one core at the ~0.5 ms of CPU a push costs (scripts/profile_push.py).
    push_per_second: float = 250.0
    push_ttl_seconds: int = 900
    push_contact: str = "mailto:push@livesale.invalid"
    push_allow_http: bool = False
    push_drain_seconds: float = 5.0

    def __post_init__(self) -> None:
        if self.push_drain_seconds < 0:
            raise ValueError("notify push_drain_seconds must be 0 or more")
        if self.push_concurrency < 1 or self.push_per_second <= 0 or self.push_ttl_seconds < 0:
            raise ValueError(
                "notify push_concurrency and push_per_second must be positive, "
                "push_ttl_seconds at least 0"
            )
        if not self.push_contact.startswith(("mailto:", "https://")):
            raise ValueError("notify push_contact must be a mailto: or https: URL")
        if self.poll_seconds <= 0 or self.retention_days <= 0 or self.lookback_seconds <= 0:
            raise ValueError(
                "notify poll_seconds, retention_days and lookback_seconds must be positive"
            )
        if self.per_kind_per_hour < 1:
            raise ValueError("notify per_kind_per_hour must be at least 1")


@dataclass(frozen=True)
class SearchSettings:
    """Search over shows, products and creators: how much one query and one person may ask."""

    max_query_length: int = 200
    requests_per_minute: int = 60

    def __post_init__(self) -> None:
        if not 1 <= self.max_query_length <= 1000:
            raise ValueError("max_query_length must be 1 to 1000")
        if self.requests_per_minute < 1:
            raise ValueError("requests_per_minute must be 1 or more")


@dataclass(frozen=True)
class PaymentSettings:
    """The payment gateway (see `livesale.payments.choice`) and the limits on reading it."""

    gateway: str = ""
    stripe_publishable_key: str = ""
    stripe_secret_key: str = field(default="", repr=False)
    stripe_webhook_secret: str = field(default="", repr=False)
    stripe_api_base: str = ""
    stripe_max_network_retries: int = 2
    # How long one Stripe call may take before it counts as a network failure (and is retried).
    stripe_timeout_seconds: float = 20.0
    webhook_tolerance_seconds: int = 300
    # Reads of a payment's state that pages trigger share one gateway call for this long.
    status_cache_seconds: float = 1.0
    # POST /api/orders/{id}/refresh asks the gateway: at most this often per order, and per
    # buyer or seller, in each minute (429 rate_limited beyond).
    order_refreshes_per_minute: int = 20
    caller_refreshes_per_minute: int = 60

    def __post_init__(self) -> None:
        if self.status_cache_seconds < 0:
            raise ValueError("payments.status_cache_seconds must be 0 or more")
        if self.order_refreshes_per_minute < 1 or self.caller_refreshes_per_minute < 1:
            raise ValueError("payments refresh limits must be at least 1")
        if self.gateway not in ("", "stripe", "dummy"):
            raise ValueError(f'gateway must be "stripe", "dummy" or "", not {self.gateway!r}')
        if self.gateway == "stripe" and not self.stripe_secret_key:
            raise ValueError(
                'gateway "stripe" needs LIVESALE__PAYMENTS__STRIPE_SECRET_KEY in the environment'
            )
        if self.stripe_timeout_seconds <= 0:
            raise ValueError("payments.stripe_timeout_seconds must be positive")

    @property
    def webhook_secrets(self) -> tuple[str, ...]:
        """The webhook signing secrets: several, comma-separated, while Stripe rolls one."""
        return tuple(part.strip() for part in self.stripe_webhook_secret.split(",") if part.strip())


@dataclass(frozen=True)
class MediaSettings:
    """WebRTC relay limits and ICE configuration."""

    ice_servers: tuple[IceServer, ...] = ()
    turn_urls: tuple[str, ...] = ()
    turn_secret: str = field(default="", repr=False)
    turn_credential_ttl_seconds: int = 3600
    max_sdp_bytes: int = 16_384
    max_viewers_per_show: int = 500
    max_viewers_per_process: int = 1000
    max_viewers_per_address: int = 200  # 0: no cap
    keyframe_request_interval_seconds: float = 1.0
    viewer_buffer_bytes: int = 262_144
    publisher_timeout_seconds: float = 5.0
    session_setup_timeout_seconds: float = 15.0
    h264: bool = True
    # Remote ICE candidates on private networks, link-local, loopback or this
    # machine's own addresses are checked only when this is on (a LAN deployment).
    allow_private_candidates: bool = False
    # Remote addresses checked per session: this many signalled, as many learnt.
    max_remote_candidates: int = 10

    def __post_init__(self) -> None:
        if self.max_remote_candidates < 1:
            raise ValueError("max_remote_candidates must be at least 1")


@dataclass(frozen=True)
class MessageSettings:
    """Direct messages between viewers and shops: text length, send rate and retention."""

    max_length: int = 1000
    rate_messages: int = 10
    rate_window_seconds: float = 60.0
    # Messages older than this are deleted by a background job; 0 keeps them forever.
    retention_days: float = 365.0

    def __post_init__(self) -> None:
        if not 1 <= self.max_length <= 10_000:
            raise ValueError("messages max_length must be 1 to 10000")
        if self.rate_messages < 1 or self.rate_window_seconds <= 0:
            raise ValueError("messages rate_messages and rate_window_seconds must be positive")
        if self.retention_days < 0:
            raise ValueError("messages retention_days must be 0 (keep) or more")


@dataclass(frozen=True)
class PrivacySettings:
    """How often one person (or creator) may download their data or try to delete it."""

    exports_per_window: int = 1
    export_window_seconds: float = 3600.0
    deletions_per_window: int = 5
    deletion_window_seconds: float = 3600.0

    def __post_init__(self) -> None:
        if min(self.exports_per_window, self.deletions_per_window) < 1:
            raise ValueError("privacy exports_per_window and deletions_per_window must be >= 1")
        if min(self.export_window_seconds, self.deletion_window_seconds) <= 0:
            raise ValueError("privacy export and deletion windows must be positive")


@dataclass(frozen=True)
class Settings:
    """Every setting of one livesale process."""

    server: ServerSettings = field(default_factory=ServerSettings)
    log: LogSettings = field(default_factory=LogSettings)
    redis: RedisSettings = field(default_factory=RedisSettings)
    sqlite: SqliteSettings = field(default_factory=SqliteSettings)
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    media: MediaSettings = field(default_factory=MediaSettings)
    auth: AuthSettings = field(default_factory=AuthSettings)
    images: ImageSettings = field(default_factory=ImageSettings)
    chat: ChatSettings = field(default_factory=ChatSettings)
    room: RoomSettings = field(default_factory=RoomSettings)
    shows: ShowSettings = field(default_factory=ShowSettings)
    shop: ShopSettings = field(default_factory=ShopSettings)
    payments: PaymentSettings = field(default_factory=PaymentSettings)
    analytics: AnalyticsSettings = field(default_factory=AnalyticsSettings)
    recording: RecordingSettings = field(default_factory=RecordingSettings)
    feed: FeedSettings = field(default_factory=FeedSettings)
    notify: NotifySettings = field(default_factory=NotifySettings)
    search: SearchSettings = field(default_factory=SearchSettings)
    reviews: ReviewSettings = field(default_factory=ReviewSettings)
    messages: MessageSettings = field(default_factory=MessageSettings)
    privacy: PrivacySettings = field(default_factory=PrivacySettings)

    @property
    def data_dir(self) -> Path:
        """The data folder, created on demand by the parts that write there."""
        return Path(self.server.data_dir)

    @property
    def sqlite_path(self) -> Path:
        """Absolute or data-folder-relative SQLite path."""
        path = Path(self.sqlite.path)
        return path if path.is_absolute() else self.data_dir / path

    @property
    def images_dir(self) -> Path:
        """Absolute or data-folder-relative folder of uploaded images."""
        path = Path(self.images.folder)
        return path if path.is_absolute() else self.data_dir / path

    @property
    def recordings_dir(self) -> Path:
        """Absolute or data-folder-relative folder of recordings."""
        path = Path(self.recording.folder)
        return path if path.is_absolute() else self.data_dir / path

    @property
    def base_url(self) -> str:
        """The URL clients use to reach this server, without a trailing slash."""
        if self.server.public_url:
            return self.server.public_url.rstrip("/")
        host = self.server.host
        if host in ("0.0.0.0", "::", ""):
            host = "127.0.0.1"
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.server.port}"


# Secrets are accepted from the environment only, so they never sit in a file
# that may be committed or copied around.
SECRET_KEYS = frozenset(
    {
        ("media", "turn_secret"),
        ("payments", "stripe_secret_key"),
        ("payments", "stripe_webhook_secret"),
    }
)


def load_settings(path: Path | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Read `path` (if given), apply environment overrides, validate and freeze."""
    env = os.environ if env is None else env
    raw: dict[str, Any] = {}
    if path is not None:
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ConfigError(f"config file not found: {path}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: {exc}") from exc
    file_url = str(raw.get("database", {}).get("url", ""))
    if urlsplit(file_url).password or "password=" in file_url:
        raise ConfigError(
            "database.url carries a password: set the whole URL with the environment variable "
            f"{ENV_PREFIX}DATABASE__URL (or use a .pgpass file), not in the file"
        )
    for section, key in SECRET_KEYS:
        if key in raw.get(section, {}):
            raise ConfigError(
                f"{section}.{key} is a secret: set it with the environment variable "
                f"{ENV_PREFIX}{section.upper()}__{key.upper()}, not in the file"
            )
    _apply_env(raw, env)
    settings: Settings = _build(Settings, raw, "")
    return settings


def _apply_env(raw: dict[str, Any], env: Mapping[str, str]) -> None:
    hints = get_type_hints(Settings)
    for name, value in env.items():
        if not name.startswith(ENV_PREFIX):
            continue
        parts = name[len(ENV_PREFIX) :].lower().split("__")
        if len(parts) != 2:
            raise ConfigError(f"{name}: expected {ENV_PREFIX}SECTION__KEY")
        section, key = parts
        if section not in hints:
            raise ConfigError(f"{name}: unknown section {section!r}")
        section_hints = get_type_hints(hints[section])
        if key not in section_hints:
            raise ConfigError(f"{name}: unknown key {section}.{key}")
        raw.setdefault(section, {})[key] = _parse_env_value(name, value, section_hints[key])


def _parse_env_value(name: str, value: str, hint: Any) -> Any:
    if hint is str:
        return value
    if _is_optional_str(hint):
        return value
    try:
        return json.loads(value) if hint is not bool else _parse_bool(value)
    except (json.JSONDecodeError, ValueError) as exc:
        raise ConfigError(f"{name}: cannot parse {value!r}") from exc


def _parse_bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError(value)


def _is_optional_str(hint: Any) -> bool:
    origin = get_origin(hint)
    return origin in (Union, types.UnionType) and set(get_args(hint)) == {str, type(None)}


def _build(cls: type[Any], raw: Any, where: str) -> Any:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where or 'config'}: expected a table")
    hints = get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(raw) - names)
    if unknown:
        raise ConfigError(f"unknown key(s) in {where or 'config'}: {', '.join(unknown)}")
    values: dict[str, Any] = {}
    for name, value in raw.items():
        values[name] = _coerce(hints[name], value, f"{where}.{name}" if where else name)
    try:
        return cls(**values)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where or 'config'}: {exc}") from exc


def _coerce(hint: Any, value: Any, where: str) -> Any:
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return _build(hint, value, where)
    origin = get_origin(hint)
    if origin is tuple:
        if not isinstance(value, list | tuple):
            raise ConfigError(f"{where}: expected a list")
        (item_hint, _ellipsis) = get_args(hint)
        return tuple(_coerce(item_hint, item, f"{where}[{i}]") for i, item in enumerate(value))
    if origin in (Union, types.UnionType):
        if value is None:
            return None
        options = [a for a in get_args(hint) if a is not type(None)]
        return _coerce(options[0], value, where)
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{where}: expected a number, got {value!r}")
        return float(value)
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where}: expected an integer, got {value!r}")
        return value
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: expected true or false, got {value!r}")
        return value
    if hint is str:
        if not isinstance(value, str):
            raise ConfigError(f"{where}: expected a string, got {value!r}")
        return value
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _build(hint, value, where)
    raise ConfigError(f"{where}: unsupported setting type {hint!r}")
