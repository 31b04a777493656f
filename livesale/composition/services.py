"""Every part of one process, as the composition root built them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiohttp import web
from redis.asyncio import Redis

from livesale.config import Settings
from livesale.live.analytics import ShowAnalytics
from livesale.live.chat import ChatService
from livesale.live.direct_messages import DirectMessages
from livesale.live.feed import FeedService
from livesale.live.lifecycle import ShowLifecycle
from livesale.live.moderation import ModerationService
from livesale.live.notifier import Notifier
from livesale.live.pins import PinService
from livesale.live.replays import ReplayService
from livesale.live.room import Room
from livesale.live.room_events import RoomEvents
from livesale.live.sale_gate import SaleGate
from livesale.live.shows import ShowService
from livesale.live.signals import Signals
from livesale.roles import Role
from livesale.shop.assembly import Shop
from livesale.shop.reviews import ReviewService
from livesale.storage.activity import ActivityRecorder
from livesale.storage.challenges import Challenges
from livesale.storage.creator_data import CreatorData
from livesale.storage.creators import CreatorRepository
from livesale.storage.database import Database
from livesale.storage.follows import FollowRepository
from livesale.storage.guest_gate import GuestGate
from livesale.storage.images import ImageStore
from livesale.storage.login_throttle import LoginThrottle
from livesale.storage.orders import OrderRepository
from livesale.storage.passkeys import Passkeys
from livesale.storage.person_data import PersonData
from livesale.storage.products import ProductRepository
from livesale.storage.rate_limits import RateLimiter
from livesale.storage.recordings import RecordingRepository
from livesale.storage.redis_server import EmbeddedRedis
from livesale.storage.reminders import ReminderRepository
from livesale.storage.shows import ShowRepository
from livesale.storage.taste import TasteStore
from livesale.storage.timeline import TimelineRepository
from livesale.storage.viewer_accounts import ViewerAccounts
from livesale.storage.viewers import ViewerRepository
from livesale.web.auth import Identity
from livesale.web.media_proxy import MediaProxy
from livesale.web.on_air import LocalOnAir, RemoteOnAir

if TYPE_CHECKING:
    # Only a relaying process imports these (aiortc and av cost ~35 MB).
    from livesale.media.recording_repair import CutPartRepair
    from livesale.media.service import MediaService


@dataclass(frozen=True)
class Storage:
    """The record (SQLite or PostgreSQL), Redis and the repositories over them."""

    database: Database
    embedded_redis: EmbeddedRedis | None
    redis: Redis
    shows: ShowRepository
    products: ProductRepository
    images: ImageStore
    timeline: TimelineRepository
    recordings: RecordingRepository
    orders: OrderRepository
    activity: ActivityRecorder


@dataclass(frozen=True)
class Accounts:
    """Creators, guest viewers, and what stands between them and a bot."""

    creators: CreatorRepository
    viewers: ViewerRepository
    viewer_accounts: ViewerAccounts
    passkeys: Passkeys
    person_data: PersonData
    creator_data: CreatorData
    challenges: Challenges
    guest_gate: GuestGate
    login_throttle: LoginThrottle
    identity: Identity


@dataclass(frozen=True)
class Live:
    """The shows, their rooms, pins, replays and analytics."""

    events: RoomEvents
    chat: ChatService
    moderation: ModerationService
    room: Room
    sale_gate: SaleGate
    lifecycle: ShowLifecycle
    shows: ShowService
    pins: PinService
    replays: ReplayService
    analytics: ShowAnalytics


@dataclass(frozen=True)
class Discovery:
    """Follows and the "For you" feed: what viewers do, learnt as it happens."""

    follows: FollowRepository
    taste: TasteStore
    signals: Signals
    feed: FeedService
    limiter: RateLimiter
    reminders: ReminderRepository
    notifier: Notifier


@dataclass(frozen=True)
class LocalVideo:
    """The relay runs in this process (roles ALL and MEDIA)."""

    media: MediaService
    repair: CutPartRepair
    on_air: LocalOnAir


@dataclass(frozen=True)
class RemoteVideo:
    """The media process relays; this one forwards WHIP/WHEP to it (role SHOP)."""

    proxy: MediaProxy
    on_air: RemoteOnAir


Video = LocalVideo | RemoteVideo


@dataclass(frozen=True)
class Services:
    """Every part of one process, grouped by what it serves."""

    settings: Settings
    role: Role
    storage: Storage
    accounts: Accounts
    video: Video
    live: Live
    shop: Shop
    discovery: Discovery
    reviews: ReviewService
    messages: DirectMessages

    @property
    def runs_shop_jobs(self) -> bool:
        """Whether this process runs the shop's jobs and replay retention (not the media one)."""
        return self.role is not Role.MEDIA


# The one application key: for operators' introspection and tests, never for handlers.
SERVICES: web.AppKey[Services] = web.AppKey("services")
