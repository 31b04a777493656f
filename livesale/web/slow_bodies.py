"""Request bodies that stop arriving: 408 and the connection closed (`server.body_timeout_seconds`).

aiohttp closes a connection that sends no request (or half its headers)
after its keep-alive timeout (`server.idle_timeout_seconds`), but once the
headers are in, a handler waits for the body as long as the client likes: a
client that announces 1 MB and sends one byte would hold its connection and
handler forever. A watchdog per request whose body is still arriving when
the handler starts (small bodies come with the headers and get none) fails
the body's stream when no byte came for the timeout.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiohttp import StreamReader, web
from aiohttp.typedefs import Middleware

from livesale.domain.errors import RequestTimeout

logger = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# The watchdog looks this many times per timeout: a stall is caught between
# one and 1.25 timeouts after the last byte.
CHECKS_PER_TIMEOUT = 4


class BodyStalled(asyncio.TimeoutError):
    """Set on a stalled body's stream: its reader raises it.

    A TimeoutError, so aiohttp's own drain of an unread body after the
    response ("lingering") takes it quietly and closes the connection.
    """


class _Watchdog:
    """Fails `content` when its byte count has not moved for `seconds`."""

    def __init__(self, content: StreamReader, seconds: float) -> None:
        self._content = content
        self._seconds = seconds
        self._loop = asyncio.get_running_loop()
        self._seen = content.total_bytes
        self._since = self._loop.time()
        self.fired = False
        self._handle = self._loop.call_later(seconds / CHECKS_PER_TIMEOUT, self._check)

    def _check(self) -> None:
        content = self._content
        if content.is_eof() or content.exception() is not None:
            return
        now = self._loop.time()
        if content.total_bytes != self._seen:
            self._seen, self._since = content.total_bytes, now
        elif now - self._since >= self._seconds:
            self.fired = True
            content.set_exception(BodyStalled(f"no body bytes for {self._seconds:g} s"))
            return
        self._handle = self._loop.call_later(self._seconds / CHECKS_PER_TIMEOUT, self._check)

    def cancel(self) -> None:
        """Stop watching (the handler is done)."""
        self._handle.cancel()


def slow_body_middleware(seconds: float) -> Middleware:
    """Middleware answering 408 `request_timeout` to a body silent for `seconds`."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        content = request.content
        if not request.body_exists or content.is_eof():
            return await handler(request)
        watchdog = _Watchdog(content, seconds)
        try:
            return await handler(request)
        except BodyStalled:
            logger.info("%s %s: the body stopped arriving", request.method, request.path)
            raise RequestTimeout(
                f"the request body stopped arriving for {seconds:g} s",
                body_timeout_seconds=seconds,
            ) from None
        finally:
            watchdog.cancel()

    return middleware
