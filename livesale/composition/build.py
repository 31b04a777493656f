"""Builds every part of one process, in dependency order, without I/O.

The one list of constructors: nothing else in livesale builds a service or a
repository a process shares. Opening (connections, child processes, tasks)
happens later, in the cleanup contexts of `livesale.composition.contexts`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from urllib.parse import urlsplit

from redis.asyncio import Redis

from livesale.composition.services import (
    Accounts,
    Discovery,
    Live,
    LocalVideo,
    RemoteVideo,
    Services,
    Storage,
    Video,
)
from livesale.composition.snapshot_extras import SnapshotExtras
from livesale.config import RoomSettings, Settings
from livesale.live.analytics import ShowAnalytics
from livesale.live.bus import Bus
from livesale.live.chat import ChatService
from livesale.live.crowd import Crowd
from livesale.live.direct_messages import DirectMessages
from livesale.live.entrance import Entrance
from livesale.live.feed import FeedService
from livesale.live.lifecycle import ShowLifecycle
from livesale.live.likes import Likes
from livesale.live.local_shows import LocalShows
from livesale.live.moderation import ModerationService
from livesale.live.name_guard import CreatorNameGuard
from livesale.live.notifier import Notifier
from livesale.live.notify_hub import NotificationHub
from livesale.live.pins import PinService
from livesale.live.presence import Presence
from livesale.live.push_sender import PushSender
from livesale.live.replays import ReplayService
from livesale.live.room import Room
from livesale.live.room_events import RoomEvents
from livesale.live.sale_gate import SaleGate
from livesale.live.shows import ShowService
from livesale.live.signals import Signals
from livesale.live.snapshot import SnapshotCache
from livesale.roles import Role, media_socket_path
from livesale.shop.assembly import Shop, build_shop
from livesale.shop.reviews import ReviewService
from livesale.storage.activity import ActivityRecorder, ActivityRepository
from livesale.storage.address_bans import AddressBans
from livesale.storage.auction_marks import AuctionMarks
from livesale.storage.challenges import Challenges
from livesale.storage.chat import ChatRepository, ModerationRepository
from livesale.storage.creator_data import CreatorData
from livesale.storage.creator_names import CreatorNames
from livesale.storage.creators import CreatorRepository
from livesale.storage.engines import database_for
from livesale.storage.follows import FollowRepository
from livesale.storage.guest_gate import GuestGate
from livesale.storage.images import ImageStore
from livesale.storage.leases import Leadership
from livesale.storage.login_throttle import LoginThrottle
from livesale.storage.messages import MessageRepository
from livesale.storage.notification_events import NotificationEvents
from livesale.storage.notifications import NotificationRepository
from livesale.storage.orders import OrderRepository
from livesale.storage.passkey_ceremonies import PasskeyCeremonies
from livesale.storage.passkeys import Passkeys
from livesale.storage.passwords import Passwords
from livesale.storage.person_data import PersonData
from livesale.storage.products import ProductRepository
from livesale.storage.push_subscriptions import PushSubscriptionRepository
from livesale.storage.rate_limits import RateLimiter
from livesale.storage.recordings import RecordingRepository
from livesale.storage.redis_client import connect_redis
from livesale.storage.redis_server import EmbeddedRedis
from livesale.storage.reminders import ReminderRepository
from livesale.storage.reviews import ReviewRepository
from livesale.storage.room_redis import ChatLimits
from livesale.storage.shows import ShowRepository
from livesale.storage.stock import StockStore
from livesale.storage.taste import TasteStore
from livesale.storage.timeline import TimelineRepository
from livesale.storage.viewer_accounts import ViewerAccounts
from livesale.storage.viewers import ViewerRepository
from livesale.web.auth import Identity
from livesale.web.catalogue_json import product_json
from livesale.web.media_proxy import MediaProxy
from livesale.web.on_air import LocalOnAir, RemoteOnAir


def build_services(settings: Settings, role: Role = Role.ALL) -> Services:
    """Every part of a process of `role`, built and wired, nothing opened yet."""
    storage = build_storage(settings)
    accounts = build_accounts(settings, storage)
    video = build_video(settings, role, storage)
    # Publishing needs only Redis: every part that tells the room something is
    # built before the room that delivers it.
    events = RoomEvents(storage.redis)
    shop = build_shop(
        settings,
        storage.database,
        storage.redis,
        events,
        storage.shows,
        storage.products,
        storage.timeline,
        accounts.viewers,
        storage.orders,
        storage.activity,
    )
    review_records = ReviewRepository(storage.database)
    reviews = ReviewService(
        settings.reviews,
        review_records,
        storage.orders,
        storage.images,
        ModerationRepository(storage.database),
        RateLimiter(storage.redis),
    )
    live = build_live(settings, storage, video, events, shop, review_records)
    discovery = build_discovery(settings, storage, shop)
    return Services(
        settings=settings,
        role=role,
        storage=storage,
        accounts=accounts,
        video=video,
        live=live,
        shop=shop,
        discovery=discovery,
        reviews=reviews,
        messages=DirectMessages(
            MessageRepository(storage.database),
            ModerationRepository(storage.database),
            storage.orders,
            storage.products,
            RateLimiter(storage.redis),
            storage.redis,
            settings.messages,
            accounts=accounts.viewer_accounts,
            creators=accounts.creators,
            notifier=discovery.notifier,
        ),
    )


def build_storage(settings: Settings) -> Storage:
    """The record, Redis (embedded unless an external one is named) and the shared repositories."""
    db = database_for(settings)
    embedded = EmbeddedRedis(settings.redis, settings.data_dir) if settings.redis.embedded else None
    return Storage(
        database=db,
        embedded_redis=embedded,
        redis=connect_redis(settings, embedded),
        shows=ShowRepository(db),
        products=ProductRepository(db),
        images=ImageStore(db, settings.images_dir, settings.images),
        timeline=TimelineRepository(db),
        recordings=RecordingRepository(db),
        orders=OrderRepository(db),
        activity=ActivityRecorder(db, settings.analytics),
    )


def build_accounts(settings: Settings, storage: Storage) -> Accounts:
    """Creators in the record; login throttling and bot challenges in Redis."""
    redis = storage.redis
    challenges = Challenges(redis, settings.auth)
    throttle = LoginThrottle(redis, settings.auth, challenges)
    # One set of hashing lines for creators and viewers: memory is bounded for both.
    passwords = Passwords(settings.auth)
    creators = CreatorRepository(storage.database, settings.auth, throttle, passwords=passwords)
    viewers = ViewerRepository(storage.database)
    return Accounts(
        creators=creators,
        viewers=viewers,
        viewer_accounts=ViewerAccounts(
            storage.database, settings.auth, viewers, passwords, throttle
        ),
        passkeys=Passkeys(
            storage.database,
            PasskeyCeremonies(redis, settings.auth.passkey_ceremony_seconds),
            rp_id=passkey_rp_id(settings),
            origin=url_origin(settings.base_url),
        ),
        person_data=PersonData(storage.database),
        creator_data=CreatorData(storage.database),
        challenges=challenges,
        guest_gate=GuestGate(redis, settings.auth, challenges),
        login_throttle=throttle,
        identity=Identity(creators, viewers, settings),
    )


def passkey_rp_id(settings: Settings) -> str:
    """The relying party id passkeys are bound to: `auth.passkey_rp_id`, else the public host."""
    return settings.auth.passkey_rp_id or (urlsplit(settings.base_url).hostname or "localhost")


def url_origin(url: str) -> str:
    """`scheme://host[:port]` of a URL: what browsers put in a passkey answer's origin."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def build_discovery(settings: Settings, storage: Storage, shop: Shop) -> Discovery:
    """Follows and the feed; watch sessions and paid orders feed the viewers' profiles."""
    follows = FollowRepository(storage.database)
    taste = TasteStore(
        storage.redis,
        half_life_days=settings.feed.half_life_days,
        profile_ttl_days=settings.feed.profile_ttl_days,
        links_cache_seconds=settings.feed.shared_cache_seconds,
    )
    signals = Signals(taste, storage.shows, follows, settings.feed.min_watch_seconds)
    storage.activity.watch_listener = signals.watch_ended
    storage.activity.count_listener = signals.counted
    shop.settlement.paid_listener = signals.order_paid
    reminders = ReminderRepository(storage.database)
    notifier = Notifier(
        repository=NotificationRepository(storage.database),
        events=NotificationEvents(storage.database),
        follows=follows,
        reminders=reminders,
        hub=NotificationHub(storage.redis),
        push=PushSender(
            subscriptions=PushSubscriptionRepository(storage.database),
            data_dir=settings.data_dir,
            settings=settings.notify,
        ),
        settings=settings.notify,
    )
    # An auction bid that takes the lead tells the one who led (queued off the bid's path).
    shop.auctions.outbid.listener = notifier.outbid
    return Discovery(
        follows=follows,
        taste=taste,
        signals=signals,
        feed=FeedService(taste, follows, settings.feed.shared_cache_seconds),
        limiter=RateLimiter(storage.redis),
        reminders=reminders,
        notifier=notifier,
    )


def build_video(settings: Settings, role: Role, storage: Storage) -> Video:
    """The relay in this process, or (role SHOP) the way to the media process's."""
    if role is Role.SHOP:
        proxy = MediaProxy(media_socket_path(settings))
        return RemoteVideo(proxy=proxy, on_air=RemoteOnAir(storage.redis, proxy))
    # Imported here: a shop process never relays, and aiortc and av cost ~35 MB.
    from livesale.media.recording import Recordings
    from livesale.media.recording_repair import CutPartRepair
    from livesale.media.service import MediaService

    recordings = None
    if settings.recording.enabled:
        recordings = Recordings(
            settings.recording, settings.recordings_dir, storage.recordings, storage.shows.get
        )
    media = MediaService(settings.media, recordings)
    return LocalVideo(
        media=media,
        # Repairs what a crash cut short, whether or not recording is on now.
        repair=CutPartRepair(storage.recordings, settings.recordings_dir),
        on_air=LocalOnAir(media),
    )


def build_live(
    settings: Settings,
    storage: Storage,
    video: Video,
    events: RoomEvents,
    shop: Shop,
    ratings: ReviewRepository,
) -> Live:
    """The shows' life, pins, chat and rooms; replays and analytics."""
    db, redis, shows = storage.database, storage.redis, storage.shows
    products, timeline, activity = storage.products, storage.timeline, storage.activity
    # A pin or show change made by any process reaches this one's shop cache at once.
    gate = SaleGate(StockStore(redis), events, listeners=[shop.catalogue.forget_live_state])
    lifecycle = ShowLifecycle(
        shows,
        timeline,
        redis,
        events,
        _holds_publisher(video),
        settings.shows,
        gate=gate,
        # One process sweeps the live shows, across every process and node.
        leadership=Leadership(redis, "show_lifecycle"),
    )
    pins = PinService(shows, timeline, products, events, product_json, gate, ratings=ratings)
    messages, bans = ChatRepository(db), ModerationRepository(db)
    limits = ChatLimits(redis)
    address_bans = AddressBans(redis, settings.chat.address_ban_seconds)
    chat = ChatService(
        settings.chat,
        messages,
        bans,
        address_bans,
        limits,
        events.publish,
        names=CreatorNameGuard(CreatorNames(db)),
    )
    extras = SnapshotExtras(
        pins, shop.stock, shop.catalogue, lifecycle, shop.giveaways, shop.auctions
    )
    snapshots = SnapshotCache(shows, chat.history, limits, extras)
    moderation = ModerationService(
        settings.chat,
        shows,
        messages,
        bans,
        address_bans,
        limits,
        events.publish,
        events.publish_kick,
        snapshots.show_state,
    )
    room = build_room(
        settings.room,
        activity,
        events,
        redis,
        Entrance(settings.room, bans, limits),
        chat,
        snapshots,
    )
    return Live(
        events=events,
        chat=chat,
        moderation=moderation,
        room=room,
        sale_gate=gate,
        lifecycle=lifecycle,
        shows=ShowService(shows, products, storage.images),
        pins=pins,
        replays=ReplayService(
            settings.recordings_dir,
            settings.recording.retention_days,
            shows,
            storage.recordings,
            timeline,
            products,
            marks=AuctionMarks(db),
        ),
        analytics=ShowAnalytics(
            shows,
            timeline,
            ActivityRepository(db, settings.analytics),
            messages,
            storage.orders,
            products,
        ),
    )


def build_room(
    room_settings: RoomSettings,
    activity: ActivityRecorder,
    events: RoomEvents,
    redis: Redis,
    entrance: Entrance,
    chat: ChatService,
    snapshots: SnapshotCache,
) -> Room:
    """The room and the parts only it uses: counts, likes, presence, the bus."""
    crowd = Crowd(
        activity,
        room_settings.max_connections_per_address,
        room_settings.max_counted_viewers_per_address,
    )
    local = LocalShows(crowd)
    return Room(
        room_settings,
        activity,
        events,
        Bus(redis),
        local,
        entrance,
        chat,
        snapshots,
        Presence(
            redis,
            uuid.uuid4().hex,
            room_settings.presence_interval_seconds,
            local.viewer_counts,
            local.push_local,
        ),
        Likes(
            redis,
            room_settings.max_likes_per_second,
            room_settings.max_likes_per_address_per_second,
            local.push_local,
        ),
        crowd,
    )


def _holds_publisher(video: Video) -> Callable[[str], bool]:
    """Does this process hold the show's publisher (still connecting counts as held).

    A shop process holds none: the media process's lifecycle keeps their Redis
    keys alive, so this one's sweeper leaves those shows be.
    """
    if isinstance(video, LocalVideo):
        return video.media.holds_publisher
    return _holds_no_publisher


def _holds_no_publisher(_show_id: str) -> bool:
    return False
