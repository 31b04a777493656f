"""A local HTTP stand-in for the Stripe API that the official `stripe` client talks to."""

from __future__ import annotations

import asyncio
import fnmatch
import json
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Self
from urllib.parse import parse_qsl

import aiohttp
from aiohttp import web

from tests.stripe_standin.ledger import CARD_VISA, Ledger, Origin, new_id
from tests.stripe_standin.params import JSON, Params, StripeError, parse_form
from tests.stripe_standin.webhooks import Delivery, post_event, sign

DEFAULT_API_KEY = "sk_test_livesale"
DEFAULT_WEBHOOK_SECRET = "whsec_livesale_test"

# What an endpoint does once the request is authenticated and its form parsed.
Operation = Callable[[Mapping[str, str], Params, Origin], JSON]


@dataclass(frozen=True)
class RecordedRequest:
    """One API call the stand-in answered."""

    method: str
    path: str
    params: Params
    idempotency_key: str | None
    status: int
    replayed: bool
    fault: str | None = None  # the injected fault this call met (see StripeStandin.inject)


# Injected faults: "500" and "409" answer before executing; "timeout" executes and answers after
# `delay`; "reset" executes and then drops the connection without answering.
FAULT_KINDS = ("500", "409", "timeout", "reset")


@dataclass(frozen=True)
class Fault:
    """One injected failure, for the next call whose method and path (a glob) match."""

    kind: str
    method: str
    path: str
    delay: float


@dataclass(frozen=True)
class _Stored:
    """The first answer given for an idempotency key, replayed for later uses of the key."""

    method: str
    path: str
    params: Params
    status: int
    body: JSON
    request_id: str


class StripeStandin:
    """A stateful Stripe API on 127.0.0.1 with test controls and signed webhook delivery."""

    def __init__(
        self,
        *,
        api_key: str = DEFAULT_API_KEY,
        webhook_secret: str = DEFAULT_WEBHOOK_SECRET,
        webhook_url: str | None = None,
        auto_deliver: bool = True,
        clock: Callable[[], float] = time.time,
        host: str = "127.0.0.1",
    ) -> None:
        self.api_key = api_key
        self.webhook_secret = webhook_secret
        self.webhook_url = webhook_url
        self.auto_deliver = auto_deliver
        self.ledger = Ledger(clock)
        self.requests: list[RecordedRequest] = []
        self.deliveries: list[Delivery] = []
        self.faults: list[Fault] = []  # still to be met, in order
        self._host = host
        self._idempotency: dict[str, _Stored] = {}
        self._pending: set[asyncio.Task[Delivery]] = set()
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._url: str | None = None

    # --- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen on a free port of `host`."""
        app = web.Application(middlewares=[_stripe_not_found])
        ledger = self.ledger
        routes: list[tuple[str, str, Operation]] = [
            ("POST", "/v1/payment_intents", lambda m, p, o: ledger.create_intent(p, o)),
            ("GET", "/v1/payment_intents", lambda m, p, o: ledger.list_intents(p)),
            ("GET", "/v1/payment_intents/{id}", lambda m, p, o: ledger.retrieve_intent(m["id"], p)),
            (
                "POST",
                "/v1/payment_intents/{id}/cancel",
                lambda m, p, o: ledger.cancel_intent(m["id"], p, o),
            ),
            ("GET", "/v1/charges/{id}", lambda m, p, o: ledger.retrieve_charge(m["id"], p)),
            ("POST", "/v1/refunds", lambda m, p, o: ledger.create_refund(p, o)),
        ]
        app.router.add_routes([web.route(verb, path, self._api(op)) for verb, path, op in routes])
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self._host, 0).start()
        port = self._runner.addresses[0][1]
        self._url = f"http://{self._host}:{port}"
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))

    async def close(self) -> None:
        """Finish deliveries under way, then stop listening."""
        await self.drain()
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def url(self) -> str:
        """The API base, e.g. `http://127.0.0.1:41234` (pass as base_addresses["api"])."""
        if self._url is None:
            raise RuntimeError("StripeStandin is not started")
        return self._url

    # --- state for assertions --------------------------------------------------------------

    @property
    def events(self) -> list[JSON]:
        """Every Event emitted, in emission order."""
        return self.ledger.events

    @property
    def created(self) -> Counter[str]:
        """How many objects were really created, by type ("payment_intent", "refund", ...)."""
        return self.ledger.created

    @property
    def payment_intents(self) -> dict[str, JSON]:
        """The PaymentIntents by id (live objects: read, don't change)."""
        return self.ledger.payment_intents

    @property
    def refunds(self) -> dict[str, JSON]:
        """The Refunds by id."""
        return self.ledger.refunds

    @property
    def charges(self) -> dict[str, JSON]:
        """The Charges by id."""
        return self.ledger.charges

    @property
    def undelivered(self) -> list[JSON]:
        """Events never posted to the webhook URL, in emission order."""
        posted = {delivery.event_id for delivery in self.deliveries}
        return [event for event in self.events if event["id"] not in posted]

    def event(self, type_: str, object_id: str) -> JSON:
        """The latest event of `type_` about the object `object_id`."""
        for event in reversed(self.events):
            if event["type"] == type_ and event["data"]["object"]["id"] == object_id:
                return event
        raise LookupError(f"no {type_} event for {object_id}")

    # --- test controls ---------------------------------------------------------------------

    async def succeed(self, pi_id: str, card: str = CARD_VISA) -> JSON:
        """Pay the intent with `card` (a Stripe test card number; its charge carries the
        card's fingerprint); emits payment_intent.succeeded (delivered before return if auto)."""
        return await self._announce(self.ledger.succeed(pi_id, card))

    async def fail(
        self, pi_id: str, message: str = "Your card was declined.", code: str = "card_declined"
    ) -> JSON:
        """Decline the payment; emits payment_intent.payment_failed."""
        return await self._announce(self.ledger.fail(pi_id, message, code))

    async def require_action(self, pi_id: str) -> JSON:
        """Ask for 3-D Secure; emits payment_intent.requires_action."""
        return await self._announce(self.ledger.require_action(pi_id))

    def inject(
        self,
        kind: str,
        *,
        method: str = "POST",
        path: str = "/v1/payment_intents",
        times: int = 1,
        delay: float = 5.0,
    ) -> None:
        """Fail the next `times` calls matching `method` and `path` (a glob) with `kind`."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"fault kind must be one of {FAULT_KINDS}, not {kind!r}")
        self.faults.extend(Fault(kind, method, path, delay) for _ in range(times))

    def _take_fault(self, request: web.Request) -> Fault | None:
        for fault in self.faults:
            if fault.method == request.method and fnmatch.fnmatchcase(request.path, fault.path):
                self.faults.remove(fault)
                return fault
        return None

    # --- webhooks --------------------------------------------------------------------------

    def sign(self, payload: str, *, timestamp: int | None = None, secret: str | None = None) -> str:
        """A Stripe-Signature header for any payload (default: now, the webhook secret)."""
        return sign(payload, self.webhook_secret if secret is None else secret, timestamp)

    async def deliver(
        self,
        event_id: str,
        *,
        times: int = 1,
        timestamp: int | None = None,
        secret: str | None = None,
        tamper: bool = False,
    ) -> list[Delivery]:
        """POST an event `times` times, optionally stale (old `timestamp`), forged or tampered."""
        event = next((e for e in self.events if e["id"] == event_id), None)
        if event is None:
            raise LookupError(f"no event {event_id}")
        return [
            await self._post(event, timestamp=timestamp, secret=secret, tamper=tamper)
            for _ in range(times)
        ]

    async def drain(self) -> None:
        """Wait for the deliveries started by API calls (Stripe sends those after answering)."""
        while self._pending:
            await asyncio.gather(*self._pending)

    async def _announce(self, event: JSON) -> JSON:
        if self.auto_deliver and self.webhook_url is not None:
            await self._post(event)
        return event

    async def _post(
        self,
        event: JSON,
        *,
        timestamp: int | None = None,
        secret: str | None = None,
        tamper: bool = False,
    ) -> Delivery:
        if self.webhook_url is None or self._session is None:
            raise RuntimeError("set webhook_url on a started StripeStandin before delivering")
        delivery = await post_event(
            self._session,
            self.webhook_url,
            event,
            secret=self.webhook_secret if secret is None else secret,
            timestamp=timestamp,
            tamper=tamper,
        )
        self.deliveries.append(delivery)
        return delivery

    def _deliver_later(self, events: list[JSON]) -> None:
        # An API call answers first and its webhooks follow, as with Stripe: awaiting them inside
        # the handler could deadlock an app that holds a lock across its Stripe call.
        if not (self.auto_deliver and self.webhook_url is not None):
            return
        for event in events:
            task = asyncio.create_task(self._post(event))
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)

    # --- the HTTP API ----------------------------------------------------------------------

    def _api(self, operation: Operation) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def handler(request: web.Request) -> web.Response:
            request_id = new_id("req", 14)
            key = request.headers.get("Idempotency-Key") if request.method == "POST" else None
            params: Params = {}
            replayed = False
            fault: Fault | None = None
            try:
                self._authenticate(request)
                if request.method == "POST":
                    pairs = parse_qsl(await request.text(), keep_blank_values=True)
                else:
                    pairs = list(request.query.items())
                params = parse_form(pairs)
                fault = self._take_fault(request)
                if fault is not None and fault.kind in ("500", "409"):
                    raise _fault_error(fault.kind, key)
                status, body, replayed, request_id = self._run(
                    request, operation, params, key, request_id
                )
            except StripeError as error:
                status, body = error.status, error.body()
            kind = None if fault is None else fault.kind
            self.requests.append(
                RecordedRequest(request.method, request.path, params, key, status, replayed, kind)
            )
            if fault is not None and fault.kind == "reset":
                # Executed, stored and never answered: the client sees the connection drop.
                assert request.transport is not None
                request.transport.abort()
                raise asyncio.CancelledError
            if fault is not None and fault.kind == "timeout":
                # Executed and stored, answered after the client stopped waiting.
                await asyncio.sleep(fault.delay)
            headers = {"Request-Id": request_id}
            if key is not None:
                headers["Idempotency-Key"] = key
            if replayed:
                headers["Idempotent-Replayed"] = "true"
            return web.json_response(body, status=status, headers=headers, dumps=_pretty)

        return handler

    def _run(
        self,
        request: web.Request,
        operation: Operation,
        params: Params,
        key: str | None,
        request_id: str,
    ) -> tuple[int, JSON, bool, str]:
        """Answer an authenticated call: replay a stored answer, or execute and store it."""
        # No await from lookup to store: two requests with one key cannot both execute.
        if key is not None and key in self._idempotency:
            stored = self._idempotency[key]
            if (stored.method, stored.path) != (request.method, request.path):
                raise _idempotency_error(
                    f"Keys for idempotent requests can only be used for the same endpoint they "
                    f"were first used for ('{stored.method} {stored.path}' vs '{request.method} "
                    f"{request.path}'). Try using a key other than '{key}' if you meant to "
                    f"execute a different request."
                )
            if stored.params != params:
                raise _idempotency_error(
                    f"Keys for idempotent requests can only be used with the same parameters "
                    f"they were first used with. Try using a key other than '{key}' if you "
                    f"meant to execute a different request."
                )
            return stored.status, stored.body, True, stored.request_id
        first_new_event = len(self.events)
        try:
            status, body = 200, operation(request.match_info, params, Origin(request_id, key))
        except StripeError as error:
            if not error.replayable:
                raise
            status, body = error.status, error.body()
        # The stored body is a snapshot: the object may change before the key is reused.
        body = json.loads(json.dumps(body))
        if key is not None:
            self._idempotency[key] = _Stored(
                request.method, request.path, params, status, body, request_id
            )
        self._deliver_later(self.events[first_new_event:])
        return status, body, False, request_id

    def _authenticate(self, request: web.Request) -> None:
        header = request.headers.get("Authorization", "")
        if not header:
            raise StripeError(
                401,
                "You did not provide an API key. You need to provide your API key in the "
                "Authorization header, using Bearer auth "
                "(e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
                replayable=False,
            )
        given = header.removeprefix("Bearer ")
        if header == given or given != self.api_key:
            raise StripeError(401, f"Invalid API Key provided: {_redact(given)}", replayable=False)


def _fault_error(kind: str, key: str | None) -> StripeError:
    """What Stripe answers for an injected 500 or 409 (nothing was executed or stored)."""
    if kind == "409":
        return StripeError(
            409,
            f"There is currently another in-progress request using this Idempotent Key (that "
            f"probably means you submitted twice, and the other request is still going "
            f"through): {key}. Please try again later.",
            type_="idempotency_error",
            code="idempotency_key_in_use",
            replayable=False,
        )
    return StripeError(
        500,
        "An unknown error occurred while processing your request.",
        type_="api_error",
        replayable=False,
    )


def _idempotency_error(message: str) -> StripeError:
    return StripeError(400, message, type_="idempotency_error", replayable=False)


def _redact(key: str) -> str:
    return key[:8] + "*" * 4 + key[-4:] if len(key) > 12 else "*" * len(key)


def _pretty(body: object) -> str:
    return json.dumps(body, indent=2)


@web.middleware
async def _stripe_not_found(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Unknown URLs and methods get Stripe's error body instead of aiohttp's text page."""
    try:
        return await handler(request)
    except (web.HTTPNotFound, web.HTTPMethodNotAllowed):
        message = f"Unrecognized request URL ({request.method}: {request.path})."
        body = {"error": {"type": "invalid_request_error", "message": message}}
        return web.json_response(body, status=404, dumps=_pretty)
