"""The application factory: builds a process's parts, opens them in order, routes to them."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from functools import partial
from pathlib import Path

from aiohttp import web

from livesale.composition.build import build_services
from livesale.composition.contexts import (
    activity_ctx,
    database_ctx,
    embedded_redis_ctx,
    every_ctx,
    images_ctx,
    leased_every_ctx,
    lifecycle_ctx,
    local_video_ctx,
    notify_ctx,
    redis_ctx,
    remote_video_ctx,
    room_ctx,
    shop_ctx,
    shop_jobs_ctx,
    signals_ctx,
)
from livesale.composition.services import SERVICES, LocalVideo, Services
from livesale.config import Settings
from livesale.live.message_retention import (
    MESSAGE_RETENTION_INTERVAL_SECONDS,
    MessageRetention,
)
from livesale.live.message_stream import MessageStream
from livesale.live.replays import RETENTION_INTERVAL_SECONDS
from livesale.metric_series import create_known_series
from livesale.process_tuning import files_needed, gc_policy_context, raise_open_file_limit
from livesale.roles import Role
from livesale.storage.leases import Leadership
from livesale.storage.rate_limits import RateLimiter
from livesale.storage.search import SearchRepository
from livesale.web.analytics_routes import add_analytics_routes
from livesale.web.auction_routes import add_auction_routes
from livesale.web.auth_routes import add_auth_routes
from livesale.web.buyer_routes import add_buyer_routes
from livesale.web.client_address import TrustedProxies, client_address_middleware
from livesale.web.creator_data_routes import add_creator_data_routes
from livesale.web.csrf import csrf_middleware
from livesale.web.feed_routes import FeedCandidates, add_feed_routes
from livesale.web.fulfilment_routes import add_fulfilment_routes
from livesale.web.giveaway_routes import add_giveaway_routes
from livesale.web.health import add_health_routes
from livesale.web.http_metrics import http_metrics_middleware
from livesale.web.ice_route import add_ice_servers_route
from livesale.web.listings_api import Listing, add_listing_routes
from livesale.web.media_cors import media_cors_middleware
from livesale.web.media_proxy import add_media_control_routes, add_media_proxy_routes
from livesale.web.message_events import add_message_event_routes
from livesale.web.message_routes import MessageParts, add_message_routes
from livesale.web.metrics_route import add_metrics_route
from livesale.web.middleware import error_middleware, request_id_middleware
from livesale.web.moderation_routes import add_moderation_routes
from livesale.web.notification_routes import NotificationParts, add_notification_routes
from livesale.web.order_routes import add_order_routes
from livesale.web.pages import add_page_routes
from livesale.web.passkey_routes import add_passkey_routes
from livesale.web.person_data_routes import PersonDataParts, add_person_data_routes
from livesale.web.pricing_routes import add_pricing_routes
from livesale.web.products_api import add_catalogue_routes
from livesale.web.push_routes import PushParts, add_push_routes
from livesale.web.reminder_routes import ReminderParts, add_reminder_routes
from livesale.web.replay_routes import add_replay_routes
from livesale.web.review_routes import add_review_routes
from livesale.web.room_ws import add_room_routes
from livesale.web.search_routes import SearchParts, add_search_routes
from livesale.web.security_headers import security_headers_middleware
from livesale.web.shop_routes import add_shop_routes
from livesale.web.shows_api import ShowViews, add_shows_routes
from livesale.web.slow_bodies import slow_body_middleware
from livesale.web.timeline_routes import add_timeline_routes
from livesale.web.viewer_account_routes import add_viewer_account_routes

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"

CleanupContext = Callable[[web.Application], AsyncIterator[None]]


def create_app(settings: Settings, role: Role = Role.ALL) -> web.Application:
    """Build the aiohttp application: every part now, opened when it starts."""
    services = build_services(settings, role)
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
            media_cors_middleware(settings.server.cors_origins),
            error_middleware,
            csrf_middleware(settings.base_url),
            # Inside the error middleware: its 408 gets the JSON shape.
            slow_body_middleware(settings.server.body_timeout_seconds),
        ],
    )
    # For operators' introspection and tests; handlers get their parts at registration.
    app[SERVICES] = services
    # Before the first scrape: alerts see the first failure of every known label set.
    create_known_series(role)
    app.cleanup_ctx.extend(cleanup_contexts(services))
    app.on_shutdown.append(partial(_close_room_connections, services=services))
    add_routes(app, services)
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


def cleanup_contexts(services: Services) -> list[CleanupContext]:
    """One context per resource, in opening order (they close in reverse).

    Order matters: later parts use earlier ones while they shut down (media
    sessions end shows in the record; the room's connections get a clean
    close while Redis can still hear the rest), and whatever opened before a
    part that fails to start is closed again.
    """
    storage, live, shop = services.storage, services.live, services.shop
    contexts: list[CleanupContext] = [partial(database_ctx, database=storage.database)]
    contexts.append(partial(images_ctx, images=storage.images))
    if storage.embedded_redis is not None:
        contexts.append(partial(embedded_redis_ctx, server=storage.embedded_redis))
    contexts.append(partial(redis_ctx, redis=storage.redis))
    # The relay (or, in a shop process, the way to the media process's).
    if isinstance(services.video, LocalVideo):
        contexts.append(partial(local_video_ctx, video=services.video))
    else:
        contexts.append(partial(remote_video_ctx, video=services.video))
    # Show events for analytics; it stops after the room and the shop, so the
    # sessions they end on the way out are written too.
    # Profile updates come from watch sessions and payments, so they stop after both.
    contexts.append(partial(signals_ctx, signals=services.discovery.signals))
    contexts.append(partial(activity_ctx, activity=storage.activity))
    contexts.append(partial(room_ctx, room=live.room))
    # The show's life tells the room, so it stops before it.
    contexts.append(partial(lifecycle_ctx, lifecycle=live.lifecycle))
    # Retention deletes files: a shop process's job, like the shop's sweeps.
    if services.runs_shop_jobs and services.settings.recording.retention_days > 0:
        contexts.append(
            partial(
                every_ctx,
                interval=RETENTION_INTERVAL_SECONDS,
                job=live.replays.apply_retention,
                name="replay retention",
            )
        )
    # Notifications: every process delivers to its own streams; the processes that
    # run the shop's jobs notice the events (claims make each announced once).
    contexts.append(partial(notify_ctx, notifier=services.discovery.notifier))
    if services.runs_shop_jobs:
        contexts.append(
            partial(
                every_ctx,
                interval=services.settings.notify.poll_seconds,
                job=services.discovery.notifier.sweep,
                name="notification sweep",
            )
        )
    # The shop tells the room about stock and purchases, so it stops first.
    contexts.append(partial(shop_ctx, shop=shop))
    if services.runs_shop_jobs:
        contexts.append(partial(shop_jobs_ctx, shop=shop, settings=services.settings))
    retention = MessageRetention(services.messages.repo, services.settings.messages.retention_days)
    if services.runs_shop_jobs and retention.enabled:
        contexts.append(
            partial(
                leased_every_ctx,
                lease=Leadership(storage.redis, "message_retention"),
                interval=MESSAGE_RETENTION_INTERVAL_SECONDS,
                job=retention.apply,
                name="message retention",
            )
        )
    return contexts


def add_routes(app: web.Application, services: Services) -> None:
    """Every route, each handler given the parts it uses."""
    settings, storage, accounts = services.settings, services.storage, services.accounts
    live, shop, identity = services.live, services.shop, services.accounts.identity
    views = ShowViews(
        settings.base_url,
        accounts.creators,
        services.video.on_air,
        live.shows,
        live.replays,
    )
    add_health_routes(app, redis=storage.redis, database=storage.database)
    # First among the API: aiohttp tries routes in order, and Buy now is the
    # route a flash sale calls thousands of times a second.
    add_shop_routes(
        app, shop=shop, identity=identity, max_line_quantity=settings.shop.max_line_quantity
    )
    add_buyer_routes(app, shop=shop, orders=storage.orders, identity=identity)
    add_auth_routes(
        app,
        creators=accounts.creators,
        viewers=accounts.viewers,
        guest_gate=accounts.guest_gate,
        challenges=accounts.challenges,
        identity=identity,
    )
    add_viewer_account_routes(app, accounts=accounts.viewer_accounts, identity=identity)
    add_person_data_routes(
        app,
        parts=PersonDataParts(
            data=accounts.person_data,
            taste=services.discovery.taste,
            viewers=accounts.viewers,
            images=storage.images,
            identity=identity,
            limiter=RateLimiter(storage.redis),
            limits=settings.privacy,
            hub=services.discovery.notifier.hub,
            messages=services.messages,
        ),
    )
    add_creator_data_routes(
        app,
        data=accounts.creator_data,
        identity=identity,
        limiter=RateLimiter(storage.redis),
        limits=settings.privacy,
    )
    add_passkey_routes(
        app,
        passkeys=accounts.passkeys,
        accounts=accounts.viewer_accounts,
        creators=accounts.creators,
        identity=identity,
        limiter=RateLimiter(storage.redis),
        sign_ins_per_minute=settings.auth.passkey_sign_ins_per_address_per_minute,
    )
    add_catalogue_routes(
        app, images=storage.images, products=storage.products, shop=shop, identity=identity
    )
    add_shows_routes(
        app,
        views=views,
        shows=storage.shows,
        show_service=live.shows,
        lifecycle=live.lifecycle,
        events=live.events,
        on_air=services.video.on_air,
        settings=settings,
        identity=identity,
    )
    add_listing_routes(
        app,
        views=views,
        shows=storage.shows,
        creators=accounts.creators,
        replays=live.replays,
        redis=storage.redis,
        identity=identity,
    )
    discovery = services.discovery
    add_feed_routes(
        app,
        feed=discovery.feed,
        candidates=FeedCandidates(
            Listing(views, storage.redis, live.replays),
            storage.shows,
            settings.feed.shared_cache_seconds,
        ),
        follows=discovery.follows,
        creators=accounts.creators,
        limiter=discovery.limiter,
        follows_per_minute=settings.feed.follows_per_minute,
        identity=identity,
    )
    add_reminder_routes(
        app,
        parts=ReminderParts(
            reminders=discovery.reminders,
            shows=storage.shows,
            limiter=discovery.limiter,
            changes_per_minute=settings.feed.follows_per_minute,
            identity=identity,
        ),
    )
    add_notification_routes(
        app,
        parts=NotificationParts(
            repository=discovery.notifier.repository,
            notifier=discovery.notifier,
            identity=identity,
        ),
    )
    notifier = discovery.notifier
    add_push_routes(
        app,
        parts=PushParts(
            subscriptions=notifier.push.subscriptions,
            sender=notifier.push,
            settings=settings.notify,
            identity=identity,
        ),
    )
    add_search_routes(
        app,
        parts=SearchParts(
            search=SearchRepository(storage.database),
            shows=storage.shows,
            products=storage.products,
            creators=accounts.creators,
            listing=Listing(views, storage.redis, live.replays),
            limiter=RateLimiter(storage.redis),
            settings=settings.search,
        ),
    )
    add_analytics_routes(app, analytics=live.analytics, identity=identity)
    add_timeline_routes(app, pins=live.pins, shop=shop, identity=identity)
    add_replay_routes(app, replays=live.replays, identity=identity)
    _add_video_routes(app, services)
    add_room_routes(
        app, room=live.room, shows=storage.shows, identity=identity, base_url=settings.base_url
    )
    add_moderation_routes(app, moderation=live.moderation, identity=identity)
    add_order_routes(app, shop=shop, identity=identity)
    add_pricing_routes(app, shop=shop, identity=identity)
    add_fulfilment_routes(app, shop=shop, identity=identity)
    add_giveaway_routes(app, giveaways=shop.giveaways, identity=identity)
    add_review_routes(app, reviews=services.reviews, identity=identity)
    add_auction_routes(app, auctions=shop.auctions, identity=identity)
    message_parts = MessageParts(
        messages=services.messages,
        creators=accounts.creators,
        viewers=accounts.viewers,
        orders=storage.orders,
        products=storage.products,
        identity=identity,
    )
    add_message_event_routes(app, parts=message_parts, stream=MessageStream(storage.redis))
    add_message_routes(app, parts=message_parts)
    add_metrics_route(app)
    add_page_routes(app, creators=accounts.creators)


def _add_video_routes(app: web.Application, services: Services) -> None:
    """WHIP/WHEP relayed here (ALL, MEDIA) or forwarded to the media process (SHOP)."""
    # Every role hands out ICE servers itself: they come from settings alone, and
    # every page load asks for them, which must not reach the video's event loop.
    add_ice_servers_route(app, settings=services.settings)
    video = services.video
    if not isinstance(video, LocalVideo):
        add_media_proxy_routes(app, proxy=video.proxy)
        return
    # Imported here: a shop process never relays, and aiortc and av cost ~35 MB.
    from livesale.web.media_routes import add_media_routes

    add_media_routes(
        app,
        media=video.media,
        shows=services.storage.shows,
        lifecycle=services.live.lifecycle,
    )
    if services.role is Role.MEDIA:
        # What the shop processes ask of the media process, on its private socket.
        add_media_control_routes(app, media=video.media, lifecycle=services.live.lifecycle)


async def _close_room_connections(_app: web.Application, *, services: Services) -> None:
    """Close room WebSockets first: aiohttp waits for open handlers before cleanup runs."""
    await services.live.room.close_connections()
