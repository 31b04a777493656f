"""Request ids and the one JSON error shape for every 4xx/5xx response."""

from __future__ import annotations

import itertools
import json
import logging
import re
import secrets
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from aiohttp import hdrs, web
from aiohttp.web_protocol import RequestPayloadError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from livesale.domain.errors import BadRequest, LivesaleError, ServiceUnavailable
from livesale.logging_setup import request_id_var, show_id_var

logger = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

REQUEST_ID_HEADER = "X-Request-ID"
# A client's id is echoed only if it is short and plain, so it cannot forge log lines.
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}
# Headers of an HTTPException that describe its text body, not the resource.
_BODY_HEADERS = frozenset({hdrs.CONTENT_TYPE, hdrs.CONTENT_LENGTH})
_dumps = partial(json.dumps, default=str)
# Request ids: a random prefix per process and a counter. Unique across
# processes and restarts, and far cheaper than a uuid4 per request.
_REQUEST_ID_PREFIX = secrets.token_hex(6)
_request_numbers = itertools.count(1)


def new_request_id() -> str:
    """A fresh request id."""
    return f"{_REQUEST_ID_PREFIX}-{next(_request_numbers):x}"


@web.middleware
async def request_id_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Tag the request (and its logs) with the client's X-Request-ID or a new one."""
    offered = request.headers.get(REQUEST_ID_HEADER, "")
    request_id = offered if _VALID_REQUEST_ID.fullmatch(offered) else new_request_id()
    request_id_var.set(request_id)
    # Routed before middlewares run, so a route's `{show_id}` is known here.
    show_id_var.set(request.match_info.get("show_id"))
    response = await handler(request)
    response.headers[REQUEST_ID_HEADER] = request_id
    return response


def error_response(
    status: int,
    code: str,
    message: str,
    details: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> web.Response:
    """The JSON body every error response has."""
    body = {"error": {"code": code, "message": message, "details": details or {}}}
    return web.json_response(body, status=status, headers=headers, dumps=_dumps)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Map domain errors, aiohttp's HTTP errors and crashes to the JSON error shape."""
    try:
        return await handler(request)
    except LivesaleError as exc:
        return error_response(
            exc.status, exc.code, exc.message, exc.details, dict(exc.headers) or None
        )
    except RequestPayloadError:
        # The body's chunks or compression are broken: the client's fault, not a crash.
        logger.info("%s %s: malformed request body", request.method, request.path)
        return error_response(
            400, BadRequest.code, "the request body's framing (chunks or compression) is malformed"
        )
    except ConnectionError:
        # The client went away mid-request: nobody to answer, nothing to trace.
        logger.info("%s %s: the client went away", request.method, request.path)
        raise
    except (RedisConnectionError, RedisTimeoutError):
        # Redis down: nothing half-done is kept (every change is one script), so "try again".
        logger.warning("Redis is unavailable for %s %s", request.method, request.path)
        return error_response(
            503,
            ServiceUnavailable.code,
            "the shop is briefly unavailable; nothing was changed, try again",
            {"retry_after_seconds": 2},
            {"Retry-After": "2"},
        )
    except web.HTTPException as exc:
        if exc.status < 400:
            raise  # redirects and the like are not errors
        headers = {k: v for k, v in exc.headers.items() if k not in _BODY_HEADERS}
        details: dict[str, Any] = {}
        if isinstance(exc, web.HTTPRequestEntityTooLarge):
            details["max_body_bytes"] = request.client_max_size
            message = "the request body is too large"
        elif exc.status == 404:
            message = f"nothing is served at {request.path}"
        elif isinstance(exc, web.HTTPMethodNotAllowed):
            message = f"{request.method} is not allowed here"
            details["allowed"] = sorted(exc.allowed_methods)
        else:
            message = exc.reason
        code = _HTTP_CODES.get(exc.status, f"http_{exc.status}")
        return error_response(exc.status, code, message, details, headers)
    except Exception:
        # Log the full traceback for operators; the client gets no internals.
        logger.exception("unhandled error in %s %s", request.method, request.path)
        return error_response(
            500,
            "internal_error",
            "something went wrong on the server",
            {"request_id": request_id_var.get()},
        )
