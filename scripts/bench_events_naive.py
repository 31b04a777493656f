#!/usr/bin/env python3
"""The naive room that scripts/bench_events.py measures livesale against.

One Redis pub/sub subscription per WebSocket: every connection subscribes to
the show's channel itself, and forwards every message by decoding it and
serialising it again for its own socket. Same path and message shapes as
livesale's room (`GET /api/shows/{id}/events`, a snapshot first, then
`chat`/`pin` events; the client sends `{"type": "chat", "text": ...}`, which
this server PUBLISHes to the channel), but none of its batching, shared
subscription or limits.

    python scripts/bench_events_naive.py --port 8099 --redis-url unix:///path/redis.sock
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import time
from typing import Any

from aiohttp import WSMsgType, web
from redis.asyncio import Redis

REDIS: web.AppKey[Redis] = web.AppKey("redis", Redis)
CHAT_IDS: web.AppKey[list[int]] = web.AppKey("chat_ids", list)
MAX_CHAT_LENGTH = 300


def channel_of(show_id: str) -> str:
    """The Redis channel of one show's events (shared with the benchmark's pin publisher)."""
    return f"bench:naive:show:{show_id}:events"


async def events(request: web.Request) -> web.WebSocketResponse:
    """One viewer: its own subscription, its own forwarding loop."""
    show_id = request.match_info["show_id"]
    redis = request.app[REDIS]
    ws = web.WebSocketResponse(heartbeat=20.0)
    await ws.prepare(request)
    pubsub: Any = redis.pubsub()
    await pubsub.subscribe(channel_of(show_id))
    await ws.send_json(
        {
            "type": "snapshot",
            "show": {"id": show_id, "status": "live"},
            "pin": None,
            "viewers": 0,
            "likes": 0,
            "chat": [],
            "slow_mode_seconds": 0,
            "you": {"id": None, "display_name": None, "role": "anonymous", "muted_until": None},
        }
    )
    forwarder = asyncio.create_task(_forward(pubsub, ws))
    try:
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                await _on_client_message(request.app, show_id, ws, message.data)
    finally:
        forwarder.cancel()
        with contextlib.suppress(asyncio.CancelledError, ConnectionError):
            await forwarder
        await pubsub.aclose()
    return ws


async def _forward(pubsub: Any, ws: web.WebSocketResponse) -> None:
    # The naive shape: parse each published message and serialise it again,
    # once per connection, one frame per message.
    try:
        async for item in pubsub.listen():
            if item["type"] == "message" and not ws.closed:
                await ws.send_json(json.loads(item["data"]))
    except ConnectionError:
        return  # the viewer went away mid-send


async def _on_client_message(
    app: web.Application, show_id: str, ws: web.WebSocketResponse, data: str
) -> None:
    try:
        payload = json.loads(data)
    except json.JSONDecodeError:
        await ws.send_json({"type": "error", "code": "malformed_message", "message": "bad JSON"})
        return
    if not isinstance(payload, dict) or payload.get("type") != "chat":
        return
    text = str(payload.get("text", "")).strip()
    if not text or len(text) > MAX_CHAT_LENGTH:
        await ws.send_json({"type": "error", "code": "chat_too_long", "message": "bad length"})
        return
    event = {
        "type": "chat",
        "message": {
            "id": _next_chat_id(app),
            "author": {"id": "guest", "name": "guest", "role": "viewer"},
            "text": text,
            "at": time.time(),
        },
    }
    await app[REDIS].publish(channel_of(show_id), json.dumps(event))


def _next_chat_id(app: web.Application) -> int:
    ids = app[CHAT_IDS]
    ids[0] += 1
    return ids[0]


async def healthz(_request: web.Request) -> web.Response:
    """Liveness for the benchmark's start-up poll."""
    return web.json_response({"status": "ok"})


def build_app(redis_url: str) -> web.Application:
    """The naive app: one shared client whose pool hands each PubSub its own connection."""
    app = web.Application()

    async def redis_ctx(app: web.Application) -> Any:
        client = Redis.from_url(redis_url)
        app[REDIS] = client
        app[CHAT_IDS] = [0]
        yield
        await client.aclose()

    app.cleanup_ctx.append(redis_ctx)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/api/shows/{show_id}/events", events)
    return app


def main() -> None:
    """Run the naive server on uvloop (as livesale runs by default)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--redis-url", required=True)
    args = parser.parse_args()
    loop: asyncio.AbstractEventLoop
    try:
        import uvloop

        loop = uvloop.new_event_loop()
    except ImportError:
        loop = asyncio.new_event_loop()
    web.run_app(
        build_app(args.redis_url),
        host="127.0.0.1",
        port=args.port,
        print=None,
        access_log=None,
        backlog=1024,
        loop=loop,
    )


if __name__ == "__main__":
    main()
