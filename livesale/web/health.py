"""Liveness (`/healthz`) and readiness (`/readyz`) for load balancers and process supervisors."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from functools import partial

from aiohttp import web
from redis.asyncio import Redis

from livesale import metrics
from livesale.domain.errors import ServiceUnavailable
from livesale.storage.database import Database

logger = logging.getLogger(__name__)

# A check that takes longer than this counts as failed: a probe must never hang.
CHECK_TIMEOUT_SECONDS = 2.0


def add_health_routes(app: web.Application, *, redis: Redis, database: Database) -> None:
    """Register `GET /healthz` and `GET /readyz`."""
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", partial(readyz, redis=redis, database=database))

    async def check_at_start(_app: web.Application) -> None:
        await check_dependencies(redis, database)

    # After the cleanup contexts opened Redis and SQLite (aiohttp runs them first), so
    # livesale_redis_up tells the truth before anything has probed /readyz.
    app.on_startup.append(check_at_start)


async def healthz(request: web.Request) -> web.Response:
    """The process is up and serving HTTP."""
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request, *, redis: Redis, database: Database) -> web.Response:
    """Redis and SQLite answer, so requests can be served; else 503 `service_unavailable`."""
    checks = await check_dependencies(redis, database)
    failing = sorted(name for name, state in checks.items() if state != "ok")
    if failing:
        raise ServiceUnavailable(
            f"not ready: {', '.join(failing)} not answering", failing=failing, checks=checks
        )
    return web.json_response({"status": "ready", "checks": checks})


async def check_dependencies(redis: Redis, database: Database) -> dict[str, str]:
    """Ping Redis and read from the database, both at once; record the outcome in the metrics."""

    async def ping() -> None:
        await redis.ping()  # type: ignore[misc]

    engine = database.engine
    redis_failure, database_failure = await asyncio.gather(
        _failure("redis", ping), _failure(engine, lambda: database.fetchone("SELECT 1"))
    )
    metrics.REDIS_UP.set(1 if redis_failure is None else 0)
    if isinstance(database_failure, TimeoutError):
        # Database counts a read that fails; one cancelled at our deadline it cannot see.
        errors = metrics.SQLITE_ERRORS if engine == "sqlite" else metrics.POSTGRES_ERRORS
        errors.inc()
    return {"redis": _state(redis_failure), engine: _state(database_failure)}


async def _failure(name: str, probe: Callable[[], Awaitable[object]]) -> Exception | None:
    """Why the probe failed (TimeoutError past the deadline), or None when it answered."""
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            await probe()
    except Exception as exc:  # any failure means "not ready"; the reason goes to the log
        logger.warning("readiness check: %s is not answering (%r)", name, exc)
        return exc
    return None


def _state(failure: Exception | None) -> str:
    return "ok" if failure is None else "unavailable"
