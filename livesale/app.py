"""The application factory: the one place that wires concrete parts together."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path

from aiohttp import web

from livesale import keys
from livesale.config import Settings
from livesale.media.service import MediaService
from livesale.storage.database import Database
from livesale.storage.redis_client import connect_redis, verify_redis_config
from livesale.storage.redis_server import EmbeddedRedis
from livesale.storage.shows import ShowRepository
from livesale.web.health import add_health_routes
from livesale.web.media_routes import add_media_routes, media_cors_middleware
from livesale.web.metrics_route import add_metrics_route
from livesale.web.middleware import error_middleware, request_id_middleware
from livesale.web.pages import add_page_routes
from livesale.web.shows_api import add_shows_routes

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"


def create_app(settings: Settings) -> web.Application:
    """Build the aiohttp application; resources open when it starts."""
    app = web.Application(
        client_max_size=settings.server.max_body_bytes,
        # Outermost first: the request id is set before anything logs, and CORS
        # headers are added to error responses too, so browsers can read them.
        middlewares=[request_id_middleware, media_cors_middleware, error_middleware],
    )
    app[keys.SETTINGS] = settings
    app.cleanup_ctx.append(_resources)
    add_health_routes(app)
    add_shows_routes(app)
    add_media_routes(app)
    add_metrics_route(app)
    add_page_routes(app)
    if STATIC_DIR.is_dir():
        app.router.add_static("/static/", STATIC_DIR)
    else:
        logger.warning("no static folder at %s; /static/ is not served", STATIC_DIR)
    return app


async def _resources(app: web.Application) -> AsyncIterator[None]:
    """Open SQLite -> Redis -> media; close them in reverse.

    Order matters: later parts may use earlier ones while they shut down
    (media sessions end shows in SQLite), and the exit stack also closes
    whatever did open when a later step fails to start.
    """
    settings = app[keys.SETTINGS]
    async with AsyncExitStack() as stack:
        db = await Database.open(settings.sqlite_path)
        stack.push_async_callback(db.close)
        app[keys.DATABASE] = db
        app[keys.SHOWS] = ShowRepository(db)

        embedded: EmbeddedRedis | None = None
        if not settings.redis.url:
            embedded = EmbeddedRedis(settings.redis, settings.data_dir)
            stack.push_async_callback(embedded.close)
            await embedded.start()
        redis = connect_redis(settings, embedded)
        stack.push_async_callback(redis.aclose)
        await verify_redis_config(redis)
        app[keys.REDIS] = redis

        media = MediaService(settings.media)
        stack.push_async_callback(media.close)
        app[keys.MEDIA] = media

        yield
