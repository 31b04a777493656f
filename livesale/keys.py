"""Typed application keys: the only way parts are found on the aiohttp app.

The web layer's own keys (`ON_AIR`, `MEDIA_PROXY`) sit next to what they type, in `web/`:
this module is imported by `web/` and must not import it back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from livesale.config import Settings
    from livesale.live.analytics import ShowAnalytics
    from livesale.live.lifecycle import ShowLifecycle
    from livesale.live.pins import PinService
    from livesale.live.replays import ReplayService
    from livesale.live.room import Room
    from livesale.live.sale_gate import SaleGate
    from livesale.live.shows import ShowService
    from livesale.media.service import MediaService
    from livesale.roles import Role
    from livesale.shop.assembly import Shop
    from livesale.storage.activity import ActivityRecorder
    from livesale.storage.challenges import Challenges
    from livesale.storage.creators import CreatorRepository
    from livesale.storage.database import Database
    from livesale.storage.guest_gate import GuestGate
    from livesale.storage.images import ImageStore
    from livesale.storage.login_throttle import LoginThrottle
    from livesale.storage.products import ProductRepository
    from livesale.storage.shows import ShowRepository
    from livesale.storage.viewers import ViewerRepository

SETTINGS: web.AppKey[Settings] = web.AppKey("settings")
DATABASE: web.AppKey[Database] = web.AppKey("database")
SHOWS: web.AppKey[ShowRepository] = web.AppKey("shows")
REDIS: web.AppKey[Redis] = web.AppKey("redis")
MEDIA: web.AppKey[MediaService] = web.AppKey("media")
CREATORS: web.AppKey[CreatorRepository] = web.AppKey("creators")
VIEWERS: web.AppKey[ViewerRepository] = web.AppKey("viewers")
LOGIN_THROTTLE: web.AppKey[LoginThrottle] = web.AppKey("login_throttle")
CHALLENGES: web.AppKey[Challenges] = web.AppKey("challenges")
GUEST_GATE: web.AppKey[GuestGate] = web.AppKey("guest_gate")
SHOW_SERVICE: web.AppKey[ShowService] = web.AppKey("show_service")
PINS: web.AppKey[PinService] = web.AppKey("pins")
LIFECYCLE: web.AppKey[ShowLifecycle] = web.AppKey("lifecycle")
SALE_GATE: web.AppKey[SaleGate] = web.AppKey("sale_gate")
PRODUCTS: web.AppKey[ProductRepository] = web.AppKey("products")
IMAGES: web.AppKey[ImageStore] = web.AppKey("images")
ROOM: web.AppKey[Room] = web.AppKey("room")
ROLE: web.AppKey[Role] = web.AppKey("role")
SHOP: web.AppKey[Shop] = web.AppKey("shop")
ACTIVITY: web.AppKey[ActivityRecorder] = web.AppKey("activity")
ANALYTICS: web.AppKey[ShowAnalytics] = web.AppKey("analytics")
REPLAYS: web.AppKey[ReplayService] = web.AppKey("replays")
