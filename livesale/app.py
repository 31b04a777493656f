"""The application factory: the one place that wires concrete parts together."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

from aiohttp import web

from livesale import keys
from livesale.config import Settings
from livesale.live.analytics import ShowAnalytics
from livesale.live.lifecycle import ShowLifecycle
from livesale.live.pins import PinService
from livesale.live.replays import RETENTION_INTERVAL_SECONDS, ReplayService
from livesale.live.room import Room
from livesale.live.sale_gate import SaleGate
from livesale.live.shows import ShowService
from livesale.metric_series import create_known_series
from livesale.process_tuning import files_needed, gc_policy_context, raise_open_file_limit
from livesale.roles import Role
from livesale.shop.assembly import Shop, build_shop
from livesale.shop.background import run_every
from livesale.storage.activity import ActivityRecorder, ActivityRepository
from livesale.storage.challenges import Challenges
from livesale.storage.chat import ChatRepository
from livesale.storage.creators import CreatorRepository
from livesale.storage.engines import open_database
from livesale.storage.guest_gate import GuestGate
from livesale.storage.images import ImageStore
from livesale.storage.leases import Leadership
from livesale.storage.login_throttle import LoginThrottle
from livesale.storage.orders import OrderRepository
from livesale.storage.products import ProductRepository
from livesale.storage.recordings import RecordingRepository
from livesale.storage.redis_client import connect_redis, open_connections, verify_redis_config
from livesale.storage.redis_server import EmbeddedRedis
from livesale.storage.shows import ShowRepository
from livesale.storage.stock import StockStore
from livesale.storage.timeline import TimelineRepository
from livesale.storage.viewers import ViewerRepository
from livesale.tasks import cancel_and_wait
from livesale.web.analytics_routes import add_analytics_routes
from livesale.web.auth_routes import add_auth_routes
from livesale.web.buyer_routes import add_buyer_routes
from livesale.web.catalogue_json import product_json
from livesale.web.client_address import TrustedProxies, client_address_middleware
from livesale.web.csrf import csrf_middleware
from livesale.web.fulfilment_routes import add_fulfilment_routes
from livesale.web.health import add_health_routes
from livesale.web.http_metrics import http_metrics_middleware
from livesale.web.listings_api import add_listing_routes
from livesale.web.media_cors import media_cors_middleware
from livesale.web.media_role import add_video_routes, open_video
from livesale.web.metrics_route import add_metrics_route
from livesale.web.middleware import error_middleware, request_id_middleware
from livesale.web.moderation_routes import add_moderation_routes
from livesale.web.order_routes import add_order_routes
from livesale.web.pages import add_page_routes
from livesale.web.products_api import add_catalogue_routes
from livesale.web.replay_routes import add_replay_routes
from livesale.web.room_ws import add_room_routes
from livesale.web.security_headers import security_headers_middleware
from livesale.web.shop_routes import add_shop_routes
from livesale.web.shows_api import add_shows_routes
from livesale.web.slow_bodies import slow_body_middleware
from livesale.web.timeline_routes import add_timeline_routes

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"


def create_app(settings: Settings, role: Role = Role.ALL) -> web.Application:
    """Build the aiohttp application; resources open when it starts."""
    app = web.Application(
        client_max_size=settings.server.max_body_bytes,
        # Outermost first: the timing covers everything, the request id is set
        # before anything logs, and CORS
        # headers are added to error responses too, so browsers can read them.
        # The CSRF check sits inside the error middleware so its 403 gets the JSON shape.
        middlewares=[
            http_metrics_middleware,
            client_address_middleware(TrustedProxies(settings.server.trusted_proxies)),
            security_headers_middleware(settings),
            request_id_middleware,
            media_cors_middleware,
            error_middleware,
            csrf_middleware,
            # Inside the error middleware: its 408 gets the JSON shape.
            slow_body_middleware(settings.server.body_timeout_seconds),
        ],
    )
    app[keys.SETTINGS] = settings
    app[keys.ROLE] = role
    # Before the first scrape: alerts see the first failure of every known label set.
    create_known_series(role)
    app.cleanup_ctx.append(_resources)
    app.on_shutdown.append(_close_room_connections)
    add_health_routes(app)
    # First among the API: aiohttp tries routes in order, and Buy now is the
    # route a flash sale calls thousands of times a second.
    add_shop_routes(app)
    add_buyer_routes(app)
    add_auth_routes(app)
    add_catalogue_routes(app)
    add_shows_routes(app)
    add_listing_routes(app)
    add_analytics_routes(app)
    add_timeline_routes(app)
    add_replay_routes(app)
    add_video_routes(app, role)
    add_room_routes(app)
    add_moderation_routes(app)
    add_order_routes(app)
    add_fulfilment_routes(app)
    add_metrics_route(app)
    add_page_routes(app)
    if STATIC_DIR.is_dir():
        app.router.add_static("/static/", STATIC_DIR)
    else:
        logger.warning("no static folder at %s; /static/ is not served", STATIC_DIR)
    return app


def served_app(settings: Settings, role: Role = Role.ALL) -> web.Application:
    """The app a `livesale serve` process runs, with the process tuning applied."""
    raise_open_file_limit(files_needed(settings))
    app = create_app(settings, role)
    app.cleanup_ctx.append(gc_policy_context(settings))
    return app


async def _close_room_connections(app: web.Application) -> None:
    """Close room WebSockets first: aiohttp waits for open handlers before cleanup runs."""
    room = app.get(keys.ROOM)
    if room is not None:
        await room.close_connections()


async def _resources(app: web.Application) -> AsyncIterator[None]:
    """Open SQLite -> Redis -> media; close them in reverse.

    Order matters: later parts may use earlier ones while they shut down
    (media sessions end shows in SQLite), and the exit stack also closes
    whatever did open when a later step fails to start.
    """
    settings = app[keys.SETTINGS]
    async with AsyncExitStack() as stack:
        db = await open_database(settings)
        stack.push_async_callback(db.close)
        app[keys.DATABASE] = db
        app[keys.SHOWS] = ShowRepository(db)
        app[keys.PRODUCTS] = ProductRepository(db)
        images = ImageStore(db, settings.images_dir, settings.images)
        stack.callback(images.close)
        app[keys.IMAGES] = images
        app[keys.VIEWERS] = ViewerRepository(db)
        recordings = RecordingRepository(db)

        embedded: EmbeddedRedis | None = None
        if settings.redis.embedded:
            embedded = EmbeddedRedis(settings.redis, settings.data_dir)
            stack.push_async_callback(embedded.close)
            await embedded.start()
        redis = connect_redis(settings, embedded)
        stack.push_async_callback(redis.aclose)
        await verify_redis_config(redis)
        await open_connections(redis)
        app[keys.REDIS] = redis
        # Creators need both: accounts in SQLite, login throttling in Redis.
        challenges = Challenges(redis, settings.auth)
        app[keys.CHALLENGES] = challenges
        app[keys.GUEST_GATE] = GuestGate(redis, settings.auth, challenges)
        throttle = LoginThrottle(redis, settings.auth, challenges)
        app[keys.LOGIN_THROTTLE] = throttle
        app[keys.CREATORS] = CreatorRepository(db, settings.auth, throttle)

        # The relay (or, in a shop process, the way to the media process's).
        is_publishing = await open_video(app, stack, recordings)

        # Show events for analytics; it stops after the room and the shop (order
        # matters), so the sessions they end on the way out are written too.
        activity = ActivityRecorder(db, settings.analytics)
        activity.start()
        stack.push_async_callback(activity.stop)
        app[keys.ACTIVITY] = activity

        # The room needs SQLite and Redis, and closes before them (order matters):
        # its connections get a clean close while Redis can still hear the rest.
        room = Room(settings, db, redis, app[keys.SHOWS], activity)
        stack.push_async_callback(room.stop)
        await room.start()
        app[keys.ROOM] = room

        # The show's life and its pins tell the room, so they come after it.
        timeline = TimelineRepository(db)
        gate = SaleGate(StockStore(redis), room)
        app[keys.SALE_GATE] = gate
        lifecycle = ShowLifecycle(
            app[keys.SHOWS],
            timeline,
            redis,
            room,
            is_publishing,
            settings.shows,
            gate=gate,
            leadership=Leadership(redis, "show_lifecycle"),
        )
        lifecycle.start()
        stack.push_async_callback(lifecycle.close)
        app[keys.LIFECYCLE] = lifecycle
        app[keys.SHOW_SERVICE] = ShowService(app[keys.SHOWS], app[keys.PRODUCTS], app[keys.IMAGES])
        pins = PinService(app[keys.SHOWS], timeline, app[keys.PRODUCTS], room, product_json, gate)
        app[keys.PINS] = pins
        replays = ReplayService(
            settings.recordings_dir,
            settings.recording.retention_days,
            app[keys.SHOWS],
            recordings,
            timeline,
            app[keys.PRODUCTS],
        )
        app[keys.REPLAYS] = replays
        if app[keys.ROLE] is not Role.MEDIA and settings.recording.retention_days > 0:
            # Retention deletes files: a shop process's job, like the shop's sweeps.
            retention = asyncio.create_task(
                run_every(RETENTION_INTERVAL_SECONDS, replays.apply_retention, "replay retention")
            )
            stack.push_async_callback(cancel_and_wait, retention)
        # The shop tells the room about stock and purchases, so it comes after it too.
        shop = build_shop(
            settings,
            db,
            redis,
            room,
            app[keys.SHOWS],
            app[keys.PRODUCTS],
            timeline,
            app[keys.VIEWERS],
            activity,
        )
        stack.push_async_callback(shop.close)
        if app[keys.ROLE] is not Role.MEDIA:
            shop.start(settings)
        app[keys.SHOP] = shop
        # A pin or show change made by any process reaches this one's cache at once.
        gate.on_change(shop.catalogue.forget_live_state)
        room.snapshot_extras = _snapshot_extras(pins, shop, lifecycle)
        app[keys.ANALYTICS] = ShowAnalytics(
            app[keys.SHOWS],
            timeline,
            ActivityRepository(db, settings.analytics),
            ChatRepository(db),
            OrderRepository(db),
            app[keys.PRODUCTS],
        )

        yield


def _snapshot_extras(
    pins: PinService, shop: Shop, lifecycle: ShowLifecycle
) -> Callable[[str], Awaitable[dict[str, Any]]]:
    """The room's snapshot hook: the pin on screen when a viewer joins, its stock, the publisher."""

    async def extras(show_id: str) -> dict[str, Any]:
        pin = await pins.current(show_id)
        stock = None
        if pin is not None:
            stock = await shop.stock.stock_message(shop.catalogue, show_id, pin["product"]["id"])
        publisher = await lifecycle.publisher_state(show_id)
        return {"pin": pin, "stock": stock, "publisher": publisher}

    return extras
