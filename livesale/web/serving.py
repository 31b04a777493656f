"""Running the app on its sockets: aiohttp's runner, with its own protocol errors in our shape.

aiohttp answers a request it cannot parse (a bad request line, a header over
8 KiB, broken chunking) itself, before any middleware runs: a text/plain
body quoting the offending bytes, without the security headers, and a
traceback in the log for each one. Here those answers get the JSON error
shape, the security headers and a request id, and the log one line.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Callable
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import (
    BadHttpMethod,
    HttpProcessingError,
    LineTooLong,
    PayloadEncodingError,
)
from aiohttp.web_log import AccessLogger
from aiohttp.web_protocol import RequestHandler
from aiohttp.web_request import BaseRequest
from aiohttp.web_runner import GracefulExit

from livesale.config import Settings
from livesale.logging_setup import ACCESS_LOG_FORMAT
from livesale.web.middleware import REQUEST_ID_HEADER, error_response, new_request_id
from livesale.web.security_headers import add_security_headers, hsts_value

logger = logging.getLogger(__name__)

# As aiohttp's run_app: how long open requests may finish after a stop signal.
SHUTDOWN_TIMEOUT_SECONDS = 60.0
# aiohttp's parser limit on a request line or one header line.
MAX_LINE_BYTES = 8190


def protocol_error(exc: BaseException | None) -> tuple[str, dict[str, Any]]:
    """What to tell a client whose bytes aiohttp could not parse: a message and details.

    The offending bytes are never echoed: they are the attacker's, and the
    client has them anyway.
    """
    if isinstance(exc, LineTooLong):
        return "a request line or header line is too long", {"max_line_bytes": MAX_LINE_BYTES}
    if isinstance(exc, BadHttpMethod):
        return "this is not an HTTP request", {}
    if isinstance(exc, PayloadEncodingError):
        return "the request body's framing (chunks or compression) is malformed", {}
    return "the request is not valid HTTP/1.1", {}


class JsonErrorRequestHandler(RequestHandler):
    """aiohttp's connection handler, answering its own errors in livesale's error shape."""

    def __init__(self, manager: web.Server, *, hsts: str | None, **kwargs: Any) -> None:
        super().__init__(manager, **kwargs)
        self._hsts = hsts

    def handle_error(
        self,
        request: BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        """The JSON error answer for a protocol error (or a crash no middleware caught)."""
        if request.writer.output_size > 0:
            # As aiohttp: part of an answer went out already, the connection is broken.
            raise ConnectionError("an answer was already under way; closing the connection")
        details: dict[str, Any] = {}
        if isinstance(exc, ConnectionError):
            # The client went away mid-request (the error middleware logged it): no one to tell.
            code, text = "internal_error", "the connection was lost"
        elif status == 500:
            # Cannot happen with the error middleware in place; kept loud if it ever does.
            logger.error("unhandled error outside the middlewares", exc_info=exc)
            code, text = "internal_error", "something went wrong on the server"
        elif isinstance(exc, HttpProcessingError):
            text, details = protocol_error(exc)
            code = "bad_request"
            # One line, no traceback: malformed requests are the internet's weather.
            logger.info(
                "refused a malformed request from %s: %s", request.remote, type(exc).__name__
            )
        else:
            code, text = f"http_{status}", "the request could not be completed"
        request_id = new_request_id()
        response = error_response(
            status, code, text, {**details, "request_id": request_id}, {"Connection": "close"}
        )
        response.headers[REQUEST_ID_HEADER] = request_id
        add_security_headers(response, self._hsts)
        response.force_close()
        return response


class _JsonErrorServer(web.Server):
    """aiohttp's low-level server, making `JsonErrorRequestHandler` connections."""

    def __init__(self, plain: web.Server, hsts: str | None, handler_args: dict[str, Any]) -> None:
        super().__init__(
            plain.request_handler,
            request_factory=plain.request_factory,
            handler_cancellation=plain.handler_cancellation,
        )
        self._hsts = hsts
        self._handler_args = handler_args

    def __call__(self) -> RequestHandler:
        """A handler for one new connection."""
        return JsonErrorRequestHandler(
            self, loop=asyncio.get_running_loop(), hsts=self._hsts, **self._handler_args
        )


class _Runner(web.AppRunner):
    """aiohttp's AppRunner serving through `_JsonErrorServer`."""

    def __init__(
        self, app: web.Application, settings: Settings, shutdown_timeout: float, **handler_args: Any
    ) -> None:
        super().__init__(
            app, handle_signals=True, shutdown_timeout=shutdown_timeout, **handler_args
        )
        self._hsts = hsts_value(settings)
        # What aiohttp's own server would hand each connection handler.
        self._handler_args = {"access_log_class": AccessLogger, **handler_args}

    async def _make_server(self) -> web.Server:
        # The app's start-up runs in here; its request handler and factory are kept.
        plain = await super()._make_server()
        return _JsonErrorServer(plain, self._hsts, self._handler_args)


def run_app(
    app: web.Application,
    settings: Settings,
    *,
    loop: asyncio.AbstractEventLoop,
    ready: Callable[[str], None],
    sock: socket.socket | None = None,
    reuse_port: bool | None = None,
) -> None:
    """Serve `app` on `server.host:server.port` (or on `sock`) until SIGINT/SIGTERM.

    What `aiohttp.web.run_app` does, with the connection handler above;
    `ready` is called once the sockets listen.
    """
    runner = _Runner(
        app,
        settings,
        SHUTDOWN_TIMEOUT_SECONDS,
        access_log_format=ACCESS_LOG_FORMAT,
        # Also closes connections that never send a request or stall in their headers.
        keepalive_timeout=settings.server.idle_timeout_seconds,
    )

    async def serve() -> None:
        await runner.setup()
        try:
            site: web.BaseSite
            if sock is not None:
                site = web.SockSite(runner, sock)
            else:
                site = web.TCPSite(
                    runner, settings.server.host, settings.server.port, reuse_port=reuse_port
                )
            await site.start()
            ready("")
            await asyncio.Event().wait()  # until a stop signal raises GracefulExit
        finally:
            await runner.cleanup()

    asyncio.set_event_loop(loop)
    main = loop.create_task(serve())
    try:
        loop.run_until_complete(main)
    except (GracefulExit, KeyboardInterrupt):
        pass
    finally:
        if not main.done():
            main.cancel()
            with contextlib.suppress(asyncio.CancelledError, GracefulExit):
                loop.run_until_complete(main)
        _cancel_leftovers(loop)
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


def _cancel_leftovers(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel the tasks still running and let them end (as asyncio.run does)."""
    leftovers = asyncio.all_tasks(loop)
    for task in leftovers:
        task.cancel()
    if leftovers:
        loop.run_until_complete(asyncio.gather(*leftovers, return_exceptions=True))
