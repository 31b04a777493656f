"""Abuse scenarios: fuzzed WHIP/WHEP input, and stolen, forged or misused credentials.

8. Hypothesis generates malformed requests (mutations of a real aiortc offer,
   junk bodies, wrong content types, oversized bodies, trickle fragments, bad
   Authorization headers, unknown sessions) that go over HTTP to a running
   livesale: every answer must be a 4xx with the JSON error shape (a still-valid
   mutant may be accepted: its session is hung up at once), no process may
   restart, file descriptors and memory must come back flat, and a real
   publisher and viewer must still work afterwards.
10. Guests and other creators try to publish, pin, moderate and write
   cross-site; forged, rotated, other-show and logged-out credentials are
   replayed. Every attempt must be refused with the status and code docs/api.md gives,
   and SQLite, the live broadcast and the room must be unchanged afterwards.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import io
import json
import re
import secrets
import sqlite3
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp
from aiortc import RTCConfiguration, RTCPeerConnection
from yarl import URL

from .harness import (
    ROOT,
    Actor,
    Outcome,
    Run,
    Scenario,
    Shop,
    Stage,
    open_fds,
    open_shop,
    poll,
    rss_bytes,
    stage,
)

SDP = "application/sdp"
TRICKLE = "application/trickle-ice-sdpfrag"
MAX_SDP_BYTES = 16_384  # media.max_sdp_bytes' default, which the stage keeps
CONNECT_TIMEOUT = 60.0  # ICE + DTLS on a loaded two-core machine
# A fuzz request is answered in milliseconds; a minute means the server hung.
REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=60)
FUZZ_CONCURRENCY = 4
# Descriptors: the processes open a few lazily (a Redis or SQLite connection of a
# pool, an aioice socket closed on the next loop turn), never one per request, so a
# handful is noise while a leak per case (a socket, a recording file) shows thousands.
FD_TOLERANCE = 12
# Memory: CPython keeps freed arenas and aiortc's peer connections churn, so RSS
# moves by a few tens of MiB without any leak, then levels off; a leak keeps
# climbing. So the cases after the warm-up go in two halves, measured after each
# once the sessions have closed (fds settled): a process fails when the second
# half grew it by more than RSS_NOISE_BYTES and at least half as much as the first
# did (still climbing), or when the whole run grew it past
# max(RSS_TOLERANCE_BYTES, RSS_TOLERANCE_SHARE of the baseline).
RSS_NOISE_BYTES = 16 * 1024 * 1024
RSS_TOLERANCE_BYTES = 64 * 1024 * 1024
RSS_TOLERANCE_SHARE = 0.25
EVIL_ORIGIN = "https://evil.example"


# -- shared helpers ----------------------------------------------------------------------


async def _offer(direction: str) -> str:
    """A real aiortc offer (video + audio, gathered) in the given direction."""
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    try:
        pc.addTransceiver("video", direction=direction)
        pc.addTransceiver("audio", direction=direction)
        await pc.setLocalDescription(await pc.createOffer())
        return str(pc.localDescription.sdp)
    finally:
        await pc.close()


def _cookie(actor: Actor, name: str) -> str:
    """The value of one cookie in an actor's jar."""
    for morsel in actor.session.cookie_jar:
        if morsel.key == name:
            return morsel.value
    raise RuntimeError(f"no {name} cookie")


def _json(text: str) -> Any:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


def _error_code(body: Any) -> str | None:
    """The `error.code` of the documented error shape, or None when the body is not one."""
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        code = body["error"].get("code")
        if isinstance(code, str) and code:
            return code
    return None


@dataclass
class Live:
    """A real aiortc publisher on a show, with its WHIP session path."""

    publisher: Any  # tests.support.peers.TestPublisher
    location: str


@dataclass
class Watching:
    """A real aiortc viewer with its WHEP session path."""

    viewer: Any  # tests.support.peers.TestViewer
    location: str


async def _signal(
    http: aiohttp.ClientSession, url: str, headers: dict[str, str], found: list[str]
) -> Callable[[str], Any]:
    """An offer -> answer function over WHIP/WHEP that keeps the Location it got."""

    async def signal(offer: str) -> str:
        sent = {"Content-Type": SDP, **headers}
        async with http.post(url, data=offer.encode(), headers=sent) as response:
            text = await response.text()
            if response.status != 201:
                raise RuntimeError(f"POST {url}: {response.status} {text[:300]}")
            found.append(response.headers["Location"])
            return text

    return signal


async def _go_live(http: aiohttp.ClientSession, stage_: Stage, shop: Shop, key: str) -> Live:
    """Publish real VP8 + Opus to the show and wait until it is connected and live."""
    from tests.support.peers import TestPublisher

    publisher = TestPublisher(keyframe_every=30)
    found: list[str] = []
    signal = await _signal(
        http, f"{stage_.base}/whip/{shop.show_id}", {"Authorization": f"Bearer {key}"}, found
    )
    try:
        await publisher.connect(signal)
        await poll(
            lambda: publisher.pc.connectionState == "connected",
            CONNECT_TIMEOUT,
            "the publisher to connect",
        )

        async def on_air() -> bool:
            async with http.get(f"{stage_.base}/api/shows/{shop.show_id}") as response:
                show = await response.json()
                return bool(show["live"]) and show["status"] == "live"

        await poll(on_air, CONNECT_TIMEOUT, "the show to be live")
    except BaseException:
        await publisher.close()
        raise
    return Live(publisher, found[0])


async def _watch(http: aiohttp.ClientSession, stage_: Stage, show_id: str) -> Watching:
    """Watch a live show with a real viewer until its first complete keyframe arrives."""
    from tests.support.peers import TestViewer

    viewer = TestViewer()
    found: list[str] = []
    try:
        await viewer.connect(await _signal(http, f"{stage_.base}/whep/{show_id}", {}, found))
        await poll(
            lambda: viewer.first_keyframe_at() is not None,
            CONNECT_TIMEOUT,
            "the viewer's first keyframe",
        )
    except BaseException:
        await viewer.close()
        raise
    return Watching(viewer, found[0])


async def _grows(watching: Watching, what: str) -> None:
    """Wait until the viewer receives more video than it has now."""
    before = len(watching.viewer.video)
    await poll(lambda: len(watching.viewer.video) > before + 10, CONNECT_TIMEOUT, what)


@asynccontextmanager
async def _plain_http() -> AsyncIterator[aiohttp.ClientSession]:
    """An HTTP client without a cookie jar: every header is the request's own."""
    async with aiohttp.ClientSession(
        cookie_jar=aiohttp.DummyCookieJar(), timeout=REQUEST_TIMEOUT
    ) as http:
        yield http


# -- 8. SDP and WHIP/WHEP fuzzing ------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One generated request; its show and key are filled in when it is sent."""

    kind: str  # what the case attacks (a key of the figure's breakdown)
    method: str
    resource: str  # "whip" or "whep"
    target: str  # "live" (a publisher is on air), "fresh" (never published), "unknown"
    session: str | None  # a session id for PATCH/DELETE, None for the resource itself
    content_type: str | None
    auth: str | None  # "valid", "other" (another show's key), a header value, or None
    body: bytes | None
    chunked: bool = False
    expect: frozenset[int] | None = None  # statuses that alone are right; None: any 4xx
    may_succeed: bool = False  # a mutant that is still a valid offer may get 201


def _mutate(lines: list[str], operations: list[tuple[Any, ...]]) -> bytes:
    """Apply drawn mutations to SDP lines; bytes, since some make it invalid UTF-8."""
    out = list(lines)
    tail = b""
    ending = "\r\n"
    for operation in operations:
        name = operation[0]
        at = operation[1] % max(len(out), 1)
        if name == "drop" and out:
            del out[at]
        elif name == "duplicate" and out:
            out.insert(at, out[at])
        elif name == "swap" and out:
            other = operation[2] % len(out)
            out[at], out[other] = out[other], out[at]
        elif name == "garble" and out:
            line = out[at]
            start = operation[2] % (len(line) + 1)
            out[at] = line[:start] + operation[3] + line[start + operation[4] :]
        elif name == "insert":
            out.insert(at, operation[2])
        elif name == "huge":
            out.insert(at, f"a={operation[2]}:" + "x" * operation[3])
        elif name == "number" and out:
            out[at] = re.sub(r"\d+", str(operation[2]), out[at], count=1)
        elif name == "truncate":
            out = out[:at]
        elif name == "ending":
            ending = operation[2]
        elif name == "bytes":
            tail = operation[2]
    return ending.join(out).encode("utf-8", "surrogatepass") + tail


def _case_strategy(publish_lines: list[str], view_lines: list[str], fragment: str) -> Any:
    """The hypothesis strategy of fuzz cases built around real aiortc SDP."""
    from hypothesis import strategies as st

    index = st.integers(0, 200)
    line_text = st.text(st.characters(codec="utf-8", blacklist_characters="\r\n"), max_size=80)
    attribute = st.from_regex(r"[a-z\-]{1,20}", fullmatch=True)
    operation = st.one_of(
        st.tuples(st.just("drop"), index),
        st.tuples(st.just("duplicate"), index),
        st.tuples(st.just("swap"), index, index),
        st.tuples(st.just("garble"), index, index, line_text, st.integers(0, 40)),
        st.tuples(st.just("insert"), index, line_text),
        st.tuples(st.just("huge"), index, attribute, st.integers(100, 40_000)),
        st.tuples(
            st.just("number"),
            index,
            st.one_of(st.integers(-1, 70_000), st.just(2**64), st.just(-(2**31))),
        ),
        st.tuples(st.just("truncate"), index),
        st.tuples(st.just("ending"), index, st.sampled_from(["\n", "\r", "\r\r\n", " "])),
        st.tuples(
            st.just("bytes"), index, st.sampled_from([b"\x00", b"\xff\xfe", b"\xc3", b"\x80"])
        ),
    )
    operations = st.lists(operation, min_size=1, max_size=4)
    session_id = st.text(
        st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=60
    )
    token_text = st.text(
        st.characters(min_codepoint=0x20, max_codepoint=0xFF, blacklist_characters="\x7f"),
        max_size=200,
    )
    wrong_type = st.one_of(
        st.sampled_from(
            [
                None,
                "text/plain",
                "application/json",
                "application/x-www-form-urlencoded",
                "multipart/form-data; boundary=x",
                "application/sdp+xml",
                "application/trickle-ice-sdpfrag",
                "application/octet-stream",
            ]
        ),
        st.from_regex(r"[a-z]{1,12}/[a-z0-9.+\-]{1,20}", fullmatch=True).filter(lambda t: t != SDP),
    )

    @st.composite
    def offers(draw: Any) -> Case:
        viewing = draw(st.booleans())
        lines = view_lines if viewing else publish_lines
        body = _mutate(lines, draw(operations))
        return Case(
            kind="whep_offer" if viewing else "whip_offer",
            method="POST",
            resource="whep" if viewing else "whip",
            target=draw(st.sampled_from(["live", "fresh"])),
            session=None,
            content_type=SDP,
            auth=None if viewing else "valid",
            body=body,
            may_succeed=True,
        )

    @st.composite
    def junk(draw: Any) -> Case:
        resource = draw(st.sampled_from(["whip", "whep"]))
        return Case(
            kind="junk_body",
            method="POST",
            resource=resource,
            target="live",
            session=None,
            content_type=draw(st.sampled_from([SDP, None, "text/plain"])),
            auth="valid" if resource == "whip" else None,
            body=draw(st.binary(max_size=20_000)),
        )

    @st.composite
    def oversized(draw: Any) -> Case:
        resource = draw(st.sampled_from(["whip", "whep"]))
        size = draw(st.integers(MAX_SDP_BYTES + 1, 2_000_000))
        filler = draw(st.sampled_from([b"a=x\r\n", b"\xff", b"v=0\r\n"]))
        return Case(
            kind="oversized",
            method="POST",
            resource=resource,
            target="live",
            session=None,
            content_type=SDP,
            auth="valid" if resource == "whip" else None,
            body=(filler * (size // len(filler) + 1))[:size],
            chunked=draw(st.booleans()),
            expect=frozenset({413}),
        )

    @st.composite
    def content_types(draw: Any) -> Case:
        resource = draw(st.sampled_from(["whip", "whep"]))
        lines = view_lines if resource == "whep" else publish_lines
        return Case(
            kind="content_type",
            method="POST",
            resource=resource,
            target="live",
            session=None,
            content_type=draw(wrong_type),
            auth="valid" if resource == "whip" else None,
            body="\r\n".join(lines).encode(),
            expect=frozenset({415}),
        )

    @st.composite
    def authorization(draw: Any) -> Case:
        header = draw(
            st.one_of(
                st.none(),
                st.just("other"),
                token_text,
                token_text.map(lambda t: f"Bearer {t}"),
                token_text.map(lambda t: f"Basic {t}"),
                st.binary(max_size=48).map(lambda b: "Basic " + base64.b64encode(b).decode()),
                st.sampled_from(["Bearer", "Bearer ", "bearer\t", "Token abc", "Bearer  \t "]),
            )
        )
        unknown = draw(st.booleans())
        return Case(
            kind="authorization",
            method="POST",
            resource="whip",
            target="unknown" if unknown else "live",
            session=None,
            content_type=SDP,
            auth=header,
            body="\r\n".join(publish_lines).encode(),
            # An unknown show is 404 with any key; a known one is 401 without its own.
            expect=frozenset({401, 404}) if unknown else frozenset({401}),
        )

    @st.composite
    def trickle(draw: Any) -> Case:
        lines = fragment.split("\r\n")
        return Case(
            kind="trickle_patch",
            method="PATCH",
            resource=draw(st.sampled_from(["whip", "whep"])),
            target=draw(st.sampled_from(["live", "unknown"])),
            session=draw(session_id),
            content_type=draw(st.one_of(st.just(TRICKLE), wrong_type)),
            auth=None,
            body=_mutate(lines, draw(operations)),
        )

    @st.composite
    def delete(draw: Any) -> Case:
        return Case(
            kind="unknown_delete",
            method="DELETE",
            resource=draw(st.sampled_from(["whip", "whep"])),
            target=draw(st.sampled_from(["live", "fresh", "unknown"])),
            session=draw(session_id),
            content_type=None,
            auth=draw(st.sampled_from([None, "valid", "other"])),
            body=None,
            expect=frozenset({404}),
        )

    @st.composite
    def methods(draw: Any) -> Case:
        on_session = draw(st.booleans())
        method = draw(
            st.sampled_from(["GET", "PUT"] + (["POST"] if on_session else ["PATCH", "DELETE"]))
        )
        return Case(
            kind="wrong_method",
            method=method,
            resource=draw(st.sampled_from(["whip", "whep"])),
            target="live",
            session=draw(session_id.filter(lambda s: "/" not in s)) if on_session else None,
            content_type=SDP,
            auth=None,
            body=b"v=0\r\n",
            expect=frozenset({404, 405}),
        )

    return st.one_of(
        offers(),
        offers(),
        offers(),
        junk(),
        oversized(),
        content_types(),
        authorization(),
        trickle(),
        delete(),
        methods(),
    )


def _generate(count: int, seed: int, strategy: Any) -> list[Case]:
    """Run a hypothesis test of `count` examples whose body keeps each generated case."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as fixed_seed

    cases: list[Case] = []

    @fixed_seed(seed)
    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(case: Case) -> None:
        cases.append(case)

    collect()
    return cases


@dataclass
class FuzzState:
    """The shows the fuzz cases aim at, and what came back."""

    stage: Stage
    live: Shop
    live_key: str
    fresh: Shop
    fresh_key: str
    other_key: str
    statuses: Counter[int] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)
    accepted: int = 0  # valid mutants answered 201 (and hung up)
    sent: int = 0
    fresh_lock: asyncio.Lock = field(default_factory=asyncio.Lock)


def _body_chunks(body: bytes) -> Any:
    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(body), 65_536):
            yield body[start : start + 65_536]

    return chunks()


async def _send_case(
    http: aiohttp.ClientSession, state: FuzzState, case: Case, outcome: Outcome
) -> None:
    """Send one case and check its answer."""
    shop = {"live": state.live, "fresh": state.fresh}.get(case.target)
    show_id = shop.show_id if shop is not None else f"nope-{uuid.uuid4().hex}"
    path = f"/{case.resource}/{quote(show_id, safe='')}"
    if case.session is not None:
        path += "/" + quote(case.session, safe="")
    headers: dict[str, str] = {}
    if case.content_type is not None:
        headers["Content-Type"] = case.content_type
    if case.auth == "valid":
        key = state.fresh_key if case.target == "fresh" else state.live_key
        headers["Authorization"] = f"Bearer {key}"
    elif case.auth == "other":
        headers["Authorization"] = f"Bearer {state.other_key}"
    elif case.auth is not None:
        headers["Authorization"] = case.auth
    data: Any = None
    if case.body is not None:
        # A file-like body: aiohttp warns that large bytes block the loop while sent.
        data = _body_chunks(case.body) if case.chunked else io.BytesIO(case.body)
    skip = {"Content-Type"} if case.content_type is None else set()
    url = f"{state.stage.base}{path}"
    state.sent += 1
    state.kinds[case.kind] += 1
    described = f"{case.kind} {case.method} {path[:80]} ({len(case.body or b'')} bytes)"
    try:
        async with http.request(
            case.method,
            URL(url, encoded=True),
            headers=headers,
            data=data,
            skip_auto_headers=skip,
        ) as response:
            text = await response.text(errors="replace")
            status = response.status
            location = response.headers.get("Location")
            content_type = response.content_type
    except (aiohttp.ClientError, TimeoutError) as exc:
        outcome.fail(f"{described}: connection dropped or hung: {exc!r}")
        return
    state.statuses[status] += 1
    if 200 <= status < 300:
        if not (case.may_succeed and status == 201 and content_type == SDP and location):
            outcome.fail(f"{described}: accepted with {status} {text[:200]!r}")
            return
        # A mutant that is still a valid offer: hang up the session it opened.
        state.accepted += 1
        async with http.delete(f"{state.stage.base}{location}") as hang_up:
            # 404: the session already failed (a mutant's ICE or DTLS cannot complete)
            # and was closed, or another accepted mutant replaced that failed publisher.
            gone = hang_up.status == 404 and _error_code(_json(await hang_up.text())) == (
                "session_not_found"
            )
            if hang_up.status != 200 and not gone:
                outcome.fail(f"DELETE {location} of an accepted mutant: {hang_up.status}")
        if case.resource == "whip" and case.target == "fresh":
            await _replace_fresh(state)
        return
    if not 400 <= status < 500:
        outcome.fail(f"{described}: status {status} {text[:300]!r}")
        return
    code = _error_code(_json(text))
    if content_type != "application/json" or code is None:
        outcome.fail(f"{described}: {status} without the JSON error shape: {text[:200]!r}")
    elif case.expect is not None and status not in case.expect:
        outcome.fail(f"{described}: {status} {code}, expected {sorted(case.expect)}")


async def _replace_fresh(state: FuzzState) -> None:
    """An accepted WHIP mutant ended the fresh show: aim the next cases at a new one."""
    async with state.fresh_lock:
        creator = state.fresh.creator
        status, answer = await creator.call(
            "POST", "/api/shows", {"title": "Fuzz target", "product_ids": [state.fresh.product_id]}
        )
        if status != 201:
            raise RuntimeError(f"could not create a fresh show: {status} {answer}")
        state.fresh = Shop(
            creator,
            answer["show"]["id"],
            answer["stream_key"],
            state.fresh.product_id,
            state.fresh.variant_id,
            state.fresh.creator_id,
        )
        state.fresh_key = answer["stream_key"]


def _fail_first(outcome: Outcome, problem: str) -> None:
    """A failure of a whole-run check, listed before the per-case ones it explains."""
    outcome.fail(problem)
    if outcome.problems[-1] == problem:
        outcome.problems.pop()
    outcome.problems.insert(0, problem)
    del outcome.problems[20:]


def _exceptions(logged: str) -> str:
    """The distinct exceptions of the tracebacks in a log, with where they were raised."""
    found: Counter[str] = Counter()
    for block in logged.split("Traceback (most recent call last):")[1:]:
        lines = block.splitlines()
        where = [line.strip() for line in lines if line.strip().startswith("File ")]
        last = next((line for line in lines[1:] if line and not line.startswith(" ")), "?")
        found[f"{last} at {where[-1] if where else '?'}"] += 1
    return "; ".join(f"{n}x {what}" for what, n in found.most_common(5))


def _rss_tolerance(baseline: int) -> float:
    """How much a process's RSS may grow without it counting as a leak."""
    return max(RSS_TOLERANCE_BYTES, RSS_TOLERANCE_SHARE * baseline)


def _footprint(stage_: Stage) -> dict[int, tuple[str, int, int]]:
    """pid -> (role, open fds, RSS) of the supervisor and every child."""
    assert stage_.process is not None
    roles = {stage_.process.pid: "supervisor"}
    for role, pids in stage_.roles().items():
        for pid in pids:
            roles[pid] = role
    return {pid: (role, open_fds(pid), rss_bytes(pid)) for pid, role in roles.items()}


async def _send_all(
    http: aiohttp.ClientSession, state: FuzzState, cases: list[Case], outcome: Outcome, run: Run
) -> None:
    """Send cases, a few at a time, until done or the run's deadline nears."""
    queue = iter(cases)
    # Time kept for the checks after the fuzzing (settling, a publisher and a viewer).
    reserve = 35 if run.quick else 120
    out_of_time = False

    async def worker() -> None:
        nonlocal out_of_time
        for case in queue:
            if out_of_time:
                return
            if run.seconds_left() < reserve:
                out_of_time = True
                outcome.fail(f"out of time after {state.sent} of the cases")
                return
            await _send_case(http, state, case, outcome)

    await asyncio.gather(*(worker() for _ in range(FUZZ_CONCURRENCY)))


async def fuzz_whip_whep(run: Run) -> Outcome:
    """Scenario 8: hypothesis-generated WHIP/WHEP abuse; 4xx JSON only, flat fds and RSS."""
    count = run.size(10_000, 300)
    outcome = Outcome(0, 0, "-")
    publish_sdp, view_sdp = await _offer("sendonly"), await _offer("recvonly")
    candidates = [line for line in publish_sdp.split("\r\n") if line.startswith("a=candidate:")]
    ufrag = next(line for line in publish_sdp.split("\r\n") if line.startswith("a=ice-ufrag:"))
    fragment = "\r\n".join([ufrag, "m=audio 9 RTP/AVP 0", "a=mid:0", *candidates[:2], ""])
    strategy = _case_strategy(
        publish_sdp.rstrip("\r\n").split("\r\n"), view_sdp.rstrip("\r\n").split("\r\n"), fragment
    )
    # Generation is CPU work in hypothesis: off the loop, so nothing else starves.
    cases = await asyncio.to_thread(_generate, count, run.seed, strategy)
    warm_up = max(30, len(cases) // 20)
    async with stage() as stage_, _plain_http() as http:
        await stage_.ready()
        live, fresh = await open_shop(stage_.base, 10), await open_shop(stage_.base, 10)
        other = await open_shop(stage_.base, 10)
        on_air = await _go_live(http, stage_, live, live.stream_key)
        state = FuzzState(stage_, live, live.stream_key, fresh, fresh.stream_key, other.stream_key)
        try:
            roles_before = stage_.roles()
            log_start = len(stage_.log_text())
            await _send_all(http, state, cases[:warm_up], outcome, run)
            before = _footprint(stage_)
            half = warm_up + (len(cases) - warm_up) // 2
            await _send_all(http, state, cases[warm_up:half], outcome, run)
            await _settle(stage_, before)
            middle = _footprint(stage_)
            await _send_all(http, state, cases[half:], outcome, run)
            if stage_.roles() != roles_before:
                _fail_first(outcome, f"processes restarted: {roles_before} -> {stage_.roles()}")
            logged = stage_.log_text()[log_start:]
            unhandled = logged.count("unhandled error")
            if unhandled:
                _fail_first(outcome, f"{unhandled} unhandled errors (500s): {_exceptions(logged)}")
            footprint = await _flat(stage_, before, middle, outcome)
            # The publisher that was on air all along still feeds a new viewer.
            if on_air.publisher.pc.connectionState != "connected":
                outcome.fail("the live publisher was disconnected by the fuzzing")
            watching = await _watch(http, stage_, live.show_id)
            await watching.viewer.close()
            await on_air.publisher.close()
            # And a new publisher and viewer work end to end.
            after = await open_shop(stage_.base, 10)
            try:
                second = await _go_live(http, stage_, after, after.stream_key)
                watching = await _watch(http, stage_, after.show_id)
                await _grows(watching, "video to keep flowing to a viewer after the fuzzing")
                await watching.viewer.close()
                await second.publisher.close()
            finally:
                await after.creator.close()
        finally:
            await on_air.publisher.close()
            for shop in (live, state.fresh, other):
                await shop.creator.close()
    statuses = " ".join(f"{s}:{n}" for s, n in sorted(state.statuses.items()))
    outcome.iterations = state.sent
    outcome.figure = (
        f"{state.sent:,} cases ({state.accepted} valid mutants accepted); {statuses}; {footprint}"
    )
    return outcome


async def _settle(stage_: Stage, before: dict[int, tuple[str, int, int]]) -> None:
    """Wait (up to a minute) until every process holds no more fds than before, give or take."""

    def settled() -> bool:
        now = _footprint(stage_)
        return all(
            pid in now and now[pid][1] <= fds + FD_TOLERANCE
            for pid, (_r, fds, _m) in before.items()
        )

    # Sessions close asynchronously; a failed mutant's at the setup timeout (15 s).
    with contextlib.suppress(TimeoutError):
        await poll(settled, 60, "file descriptors to settle")


async def _flat(
    stage_: Stage,
    before: dict[int, tuple[str, int, int]],
    middle: dict[int, tuple[str, int, int]],
    outcome: Outcome,
) -> str:
    """Check fds and RSS of every process against the baseline and the midpoint; the deltas."""
    await _settle(stage_, before)
    now = _footprint(stage_)
    fd_parts: list[str] = []
    rss_parts: list[str] = []
    for pid, (role, fds, rss) in before.items():
        if pid not in now or pid not in middle:
            _fail_first(outcome, f"{role} {pid} is gone")
            continue
        grown_fds, grown_rss = now[pid][1] - fds, now[pid][2] - rss
        first_half, second_half = middle[pid][2] - rss, now[pid][2] - middle[pid][2]
        fd_parts.append(f"{role} {grown_fds:+d}")
        rss_parts.append(f"{role} {grown_rss / 1048576:+.1f}")
        if grown_fds > FD_TOLERANCE:
            _fail_first(outcome, f"{role} {pid}: {fds} -> {now[pid][1]} file descriptors")
        if grown_rss > _rss_tolerance(rss):
            _fail_first(outcome, f"{role} {pid}: RSS {rss >> 20} -> {now[pid][2] >> 20} MiB")
        elif second_half > RSS_NOISE_BYTES and second_half >= first_half / 2:
            _fail_first(
                outcome,
                f"{role} {pid}: RSS still climbing, {rss >> 20} -> {middle[pid][2] >> 20} -> "
                f"{now[pid][2] >> 20} MiB over the two halves",
            )
    return f"fd Δ {', '.join(fd_parts)}; RSS Δ MiB {', '.join(rss_parts)}"


# -- 10. token and session abuse -------------------------------------------------------

# Tables an attacker might change; background ones (watch sessions, activity) are left out.
WATCHED_TABLES = (
    "shows",
    "creators",
    "creator_sessions",
    "viewers",
    "images",
    "products",
    "product_images",
    "variants",
    "show_products",
    "timeline_events",
    "chat_messages",
    "moderators",
    "bans",
    "blocked_words",
    "orders",
    "order_lines",
    "recordings",
)
_ROUTE = re.compile(r"add_(post|put|patch|delete)\(\s*\"(/api/[^\"]+)\"")


def state_changing_routes() -> list[tuple[str, str]]:
    """Every (method, path) under /api/ that livesale registers for a write."""
    found: set[tuple[str, str]] = set()
    for source in sorted((ROOT / "livesale" / "web").glob("*.py")):
        for method, path in _ROUTE.findall(source.read_text()):
            found.add((method.upper(), path))
    return sorted(found, key=lambda r: (r[1], r[0]))


def _snapshot(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the watched tables, read-only."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30) as db:
        return {
            table: db.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()
            for table in WATCHED_TABLES
        }


@dataclass
class Tally:
    """Attempts and how they were answered."""

    outcome: Outcome
    attempts: int = 0
    refused: int = 0
    accepted: int = 0

    def check(self, label: str, status: int, body: Any, want: int, code: str) -> None:
        """One attempt: refused with `want` and `code`, else a failure."""
        self.attempts += 1
        got = _error_code(body)
        if 200 <= status < 300 or status == 101:  # 101: a WebSocket opened
            self.accepted += 1
            self.outcome.fail(f"{label}: ACCEPTED with {status} {str(body)[:200]}")
        elif status == want and got == code:
            self.refused += 1
        else:
            self.outcome.fail(f"{label}: {status} {got}, expected {want} {code}")


async def _raw(
    http: aiohttp.ClientSession,
    base: str,
    method: str,
    path: str,
    *,
    cookies: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    body: Any = None,
    data: bytes | None = None,
) -> tuple[int, Any]:
    """One request with exactly these cookies and headers; status and JSON."""
    sent = dict(headers or {})
    if cookies:
        sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    kwargs: dict[str, Any] = {"headers": sent}
    if body is not None:
        kwargs["json"] = body
    elif data is not None:
        kwargs["data"] = data
    async with http.request(method, f"{base}{path}", **kwargs) as response:
        return response.status, _json(await response.text())


def _tamper(token: str) -> str:
    """The token with one character changed."""
    last = "A" if token[-1] != "A" else "B"
    return token[:-1] + last


async def _chat(actor: Actor, show_id: str, text: str) -> int:
    """Send a chat message over the room WebSocket (same origin); its message id."""
    async with actor.session.ws_connect(
        f"{actor.base}/api/shows/{show_id}/events", headers={"Origin": actor.base}
    ) as ws:
        await ws.send_json({"type": "chat", "text": text})
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            message = await ws.receive_json(timeout=30)
            for event in message if isinstance(message, list) else [message]:
                if event.get("type") == "chat" and event["message"]["text"] == text:
                    return int(event["message"]["id"])
        raise TimeoutError("my chat message never came back")


async def _room_snapshot(actor: Actor, show_id: str) -> dict[str, Any]:
    """The room's first event, as this actor sees it (same origin)."""
    async with actor.session.ws_connect(
        f"{actor.base}/api/shows/{show_id}/events", headers={"Origin": actor.base}
    ) as ws:
        message = await ws.receive_json(timeout=30)
        first = message[0] if isinstance(message, list) else message
        if first.get("type") != "snapshot":
            raise RuntimeError(f"the room did not start with a snapshot: {first}")
        return dict(first)


# One table row: each kind of forged or misused credential is a few lines, read in a row.
async def token_abuse(run: Run) -> Outcome:  # noqa: C901
    """Scenario 10: forged, stolen and misused credentials, cross-site writes; all refused."""
    outcome = Outcome(0, 0, "-")
    tally = Tally(outcome)
    rounds = run.size(3, 1)
    async with stage() as stage_, _plain_http() as http:
        await stage_.ready()
        base = stage_.base
        owner = await open_shop(base, 10)
        rival = await open_shop(base, 10)
        guest = Actor(base)
        leaver = Actor(base)
        actors = [owner.creator, rival.creator, guest, leaver]
        on_air: Live | None = None
        watchers: list[Watching] = []
        try:
            guest_viewer = await guest.become_guest("Guest")
            await leaver.sign_up("Leaver")
            stale_session = _cookie(leaver, "ls_session")
            await leaver.expect("POST", "/api/auth/logout", None, 204)
            # An ended show of the owner, and a key the owner has since rotated.
            ended = await owner.creator.expect("POST", "/api/shows", {"title": "Over"}, 201)
            await owner.creator.expect("POST", f"/api/shows/{ended['show']['id']}/end", None, 200)
            old_key = owner.stream_key
            rotated = await owner.creator.expect(
                "POST", f"/api/shows/{owner.show_id}/stream-key", None, 200
            )
            key = rotated["stream_key"]
            on_air = await _go_live(http, stage_, owner, key)
            watchers = [await _watch(http, stage_, owner.show_id) for _ in range(2)]
            pin = await owner.creator.expect(
                "POST", f"/api/shows/{owner.show_id}/pin", {"product_id": owner.product_id}, 201
            )
            message_id = await _chat(guest, owner.show_id, "hello from the guest")
            offer = await _offer("sendonly")
            owner_cookie = _cookie(owner.creator, "ls_session")
            rival_cookie = _cookie(rival.creator, "ls_session")
            guest_cookie = _cookie(guest, "ls_viewer")
            ids = {
                "show_id": owner.show_id,
                "product_id": owner.product_id,
                "variant_id": owner.variant_id,
                "message_id": str(message_id),
                "viewer_id": guest_viewer["id"],
                "checkout_id": f"co_{secrets.token_hex(8)}",
                "order_id": f"ord_{secrets.token_hex(8)}",
                "payment_id": f"pay_{secrets.token_hex(8)}",
                "parcel_id": f"pcl_{secrets.token_hex(10)}",
                "creator_id": f"cr_{secrets.token_hex(8)}",
                "coupon_id": f"cpn_{secrets.token_hex(8)}",
                "review_id": f"rev_{secrets.token_hex(8)}",
                "auction_id": f"auc_{secrets.token_hex(8)}",
                "giveaway_id": f"gw_{secrets.token_hex(8)}",
                "conversation_id": secrets.token_urlsafe(12),
                "passkey_id": secrets.token_urlsafe(16),
            }
            before = _snapshot(stage_.sqlite_path())
            show_before = await guest.expect("GET", f"/api/shows/{owner.show_id}", None, 200)
            product_before = await guest.expect(
                "GET", f"/api/products/{owner.product_id}", None, 200
            )
            for _ in range(rounds):
                await _publish_abuse(
                    http, base, tally, owner, rival, on_air, watchers, ended, old_key, key, offer
                )
                await _cookie_abuse(
                    http, base, tally, owner, stale_session, owner_cookie, guest_cookie
                )
                await _cross_site(http, base, tally, ids, owner_cookie, guest_cookie)
                await _not_yours(http, base, tally, owner, rival, ids, rival_cookie, guest_cookie)
            # Nothing changed: SQLite, the show, the product, the room, the broadcast.
            after = _snapshot(stage_.sqlite_path())
            for table in WATCHED_TABLES:
                if before[table] != after[table]:
                    outcome.fail(f"table {table} changed: {before[table]} -> {after[table]}")
            show_after = await guest.expect("GET", f"/api/shows/{owner.show_id}", None, 200)
            if show_after != show_before:
                outcome.fail(f"the show changed: {show_before} -> {show_after}")
            product_after = await guest.expect(
                "GET", f"/api/products/{owner.product_id}", None, 200
            )
            if product_after != product_before:
                outcome.fail("the product changed")
            snapshot = await _room_snapshot(guest, owner.show_id)
            if (snapshot["pin"] or {}).get("id") != pin["pin"]["id"]:
                outcome.fail(f"the pin changed: {snapshot['pin']}")
            if snapshot["slow_mode_seconds"] != 0 or snapshot["you"]["muted_until"]:
                outcome.fail(f"slow mode or a mute was set: {snapshot['you']}")
            if message_id not in [m["id"] for m in snapshot["chat"]]:
                outcome.fail("the guest's chat message was deleted")
            status, _body = await owner.creator.call("GET", "/api/auth/me")
            if status != 200:
                outcome.fail(f"the owner was signed out by a cross-site logout: {status}")
            cart = await guest.expect("GET", f"/api/shows/{owner.show_id}/cart", None, 200)
            if cart["cart"]["lines"]:
                outcome.fail(f"the guest's cart was filled: {cart}")
            if on_air.publisher.pc.connectionState != "connected":
                outcome.fail("the owner's publisher was disconnected")
            for watching in watchers:
                await _grows(watching, "video to keep flowing to the viewers")
            # The current key still publishes (409: the publisher on air is healthy).
            status, body = await _raw(
                http,
                base,
                "POST",
                f"/whip/{owner.show_id}",
                headers={"Authorization": f"Bearer {key}", "Content-Type": SDP},
                data=offer.encode(),
            )
            if (status, _error_code(body)) != (409, "publisher_exists"):
                outcome.fail(f"the owner's key stopped working: {status} {body}")
            # And the owner's own same-origin write goes through: refusals were not blanket.
            status, body = await owner.creator.call(
                "PATCH", f"/api/shows/{owner.show_id}", {"title": "Still mine"}
            )
            if status != 200:
                outcome.fail(f"the owner's own change was refused: {status} {body}")
        finally:
            for watching in watchers:
                await watching.viewer.close()
            if on_air is not None:
                await on_air.publisher.close()
            for actor in actors:
                await actor.close()
    outcome.iterations = tally.attempts
    outcome.figure = (
        f"{tally.attempts} attempts, {tally.refused} refused, {tally.accepted} accepted"
    )
    return outcome


async def _publish_abuse(
    http: aiohttp.ClientSession,
    base: str,
    tally: Tally,
    owner: Shop,
    rival: Shop,
    on_air: Live,
    watchers: list[Watching],
    ended: dict[str, Any],
    old_key: str,
    key: str,
    offer: str,
) -> None:
    """WHIP with someone else's, stale, forged or no key; WHIP/WHEP hang-ups of others."""
    whip = f"/whip/{owner.show_id}"
    guest_or_rival = {"ls_session": _cookie(rival.creator, "ls_session")}
    attempts: list[tuple[str, str, dict[str, str], dict[str, str] | None, int, str]] = [
        ("no key, a creator's cookie", whip, {}, guest_or_rival, 401, "unauthorized"),
        ("the rival's own key", whip, {"Authorization": f"Bearer {rival.stream_key}"}, None,
         401, "unauthorized"),
        ("the rotated (expired) key", whip, {"Authorization": f"Bearer {old_key}"}, None,
         401, "unauthorized"),
        ("a forged key", whip, {"Authorization": f"Bearer {secrets.token_urlsafe(32)}"}, None,
         401, "unauthorized"),
        ("the key with a character changed", whip, {"Authorization": f"Bearer {_tamper(key)}"},
         None, 401, "unauthorized"),
        ("the key as Basic auth", whip,
         {"Authorization": "Basic " + base64.b64encode(f"x:{key}".encode()).decode()}, None,
         401, "unauthorized"),
        ("the owner's key on the rival's show", f"/whip/{rival.show_id}",
         {"Authorization": f"Bearer {key}"}, None, 401, "unauthorized"),
        ("the ended show's key", f"/whip/{ended['show']['id']}",
         {"Authorization": f"Bearer {ended['stream_key']}"}, None, 409, "show_ended"),
        ("the key in a cookie", whip, {}, {"ls_stream_key": key}, 401, "unauthorized"),
    ]  # fmt: skip
    for label, path, headers, cookies, want, code in attempts:
        status, body = await _raw(
            http,
            base,
            "POST",
            path,
            cookies=cookies,
            headers={"Content-Type": SDP, **headers},
            data=offer.encode(),
        )
        tally.check(f"WHIP: {label}", status, body, want, code)
    viewer_one, viewer_two = (w.location.rsplit("/", 1)[1] for w in watchers)
    publisher_session = on_air.location.rsplit("/", 1)[1]
    hang_ups = [
        ("a viewer's session as the publisher's", f"/whip/{owner.show_id}/{viewer_one}"),
        ("a viewer's session under another show", f"/whep/{rival.show_id}/{viewer_one}"),
        ("the publisher's session as a viewer's", f"/whep/{owner.show_id}/{publisher_session}"),
        ("a viewer's session id altered", f"/whep/{owner.show_id}/{_tamper(viewer_two)}"),
        ("the publisher's session, another show", f"/whip/{rival.show_id}/{publisher_session}"),
        ("the publisher's session altered", f"/whip/{owner.show_id}/{_tamper(publisher_session)}"),
    ]  # fmt: skip
    for label, path in hang_ups:
        status, body = await _raw(http, base, "DELETE", path)
        tally.check(f"DELETE {label}", status, body, 404, "session_not_found")
    fragment = "a=ice-ufrag:abcd\r\na=ice-pwd:efghijklmnopqrstuvwxyz\r\na=end-of-candidates\r\n"
    for label, path in hang_ups[:3]:
        status, body = await _raw(
            http, base, "PATCH", path, headers={"Content-Type": TRICKLE}, data=fragment.encode()
        )
        tally.check(f"PATCH {label}", status, body, 404, "session_not_found")


async def _cookie_abuse(
    http: aiohttp.ClientSession,
    base: str,
    tally: Tally,
    owner: Shop,
    stale_session: str,
    owner_cookie: str,
    guest_cookie: str,
) -> None:
    """Logged-out, forged, tampered and overlong cookies, same origin."""
    show = f"/api/shows/{owner.show_id}"
    same = {"Origin": base}
    sessions = {
        "replayed after logout": stale_session,
        "forged": secrets.token_urlsafe(32),
        "tampered": _tamper(owner_cookie),
        "overlong": owner_cookie * 4,
    }
    for label, value in sessions.items():
        cookie = {"ls_session": value}
        for method, path, body in (
            ("GET", "/api/auth/me", None),
            ("POST", "/api/shows", {"title": "Hijacked"}),
            ("PATCH", show, {"title": "Hijacked"}),
            ("POST", f"{show}/pin", {"product_id": owner.product_id}),
            ("POST", f"{show}/stream-key", None),
            ("POST", f"{show}/end", None),
            ("PATCH", f"/api/products/{owner.product_id}", {"title": "Hijacked"}),
            ("DELETE", f"{show}/replay", None),
            ("PUT", "/api/blocked-words", {"words": ["hijacked"]}),
        ):
            status, answer = await _raw(
                http, base, method, path, cookies=cookie, headers=same, body=body
            )
            tally.check(f"{label} session: {method} {path}", status, answer, 401, "not_signed_in")
    viewers = {
        "forged": secrets.token_urlsafe(32),
        "tampered": _tamper(guest_cookie),
        "overlong": guest_cookie * 4,
    }
    for label, value in viewers.items():
        cookie = {"ls_viewer": value}
        for method, path, payload in (
            ("PUT", f"{show}/cart/items/{owner.variant_id}", {"quantity": 1}),
            ("POST", f"{show}/buy", {"variant_id": owner.variant_id, "request_id": "r1"}),
            ("POST", f"{show}/cart/checkout", {"request_id": "r2"}),
        ):
            status, answer = await _raw(
                http, base, method, path, cookies=cookie, headers=same, body=payload
            )
            tally.check(f"{label} viewer: {method} {path}", status, answer, 401, "viewer_required")


# Bodies that would succeed for the owner (or the guest) if the origin check let them through.
def _bodies(ids: dict[str, str]) -> dict[tuple[str, str], Any]:
    product = {
        "title": "Cross-site product",
        "variants": [
            {"sku": "XS-1", "name": "One", "price_minor": 100, "currency": "EUR", "stock": 1}
        ],
    }
    return {
        ("POST", "/api/shows"): {"title": "Cross-site show"},
        ("PATCH", "/api/shows/{show_id}"): {"title": "Cross-site title"},
        ("PUT", "/api/shows/{show_id}/products"): {"product_ids": []},
        ("POST", "/api/shows/{show_id}/pin"): {"product_id": ids["product_id"]},
        ("POST", "/api/products"): product,
        ("PATCH", "/api/products/{product_id}"): {"title": "Cross-site title"},
        ("POST", "/api/shows/{show_id}/buy"): {"variant_id": ids["variant_id"], "request_id": "x"},
        ("PUT", "/api/shows/{show_id}/cart/items/{variant_id}"): {"quantity": 1},
        ("POST", "/api/shows/{show_id}/cart/checkout"): {"request_id": "y"},
        ("POST", "/api/shows/{show_id}/mutes"): {"viewer_id": ids["viewer_id"], "seconds": 60},
        ("POST", "/api/shows/{show_id}/bans"): {"viewer_id": ids["viewer_id"]},
        ("PUT", "/api/shows/{show_id}/slow-mode"): {"seconds": 30},
        ("POST", "/api/moderators"): {"viewer_id": ids["viewer_id"]},
        ("PUT", "/api/blocked-words"): {"words": ["hello"]},
        ("PUT", "/api/viewer"): {"display_name": "Renamed"},
        ("POST", "/api/auth/login"): {"email": "x@example.com", "password": "x" * 12},
        ("POST", "/api/auth/signup"): {
            "email": f"xs-{uuid.uuid4().hex[:8]}@example.com",
            "password": "correct horse battery staple",
            "display_name": "Cross",
        },
    }


async def _cross_site(
    http: aiohttp.ClientSession,
    base: str,
    tally: Tally,
    ids: dict[str, str],
    owner_cookie: str,
    guest_cookie: str,
) -> None:
    """Every state-changing /api/ route, with the owner's and guest's cookies, cross-site."""
    cookies = {"ls_session": owner_cookie, "ls_viewer": guest_cookie}
    host_port = base.split("://", 1)[1]
    origins: dict[str, dict[str, str]] = {
        "another site": {"Origin": EVIL_ORIGIN},
        "no Origin": {},
        "Origin null": {"Origin": "null"},
        "another port": {"Origin": f"http://{host_port.rsplit(':', 1)[0]}:1"},
        "https twin": {"Origin": f"https://{host_port}"},
        "Sec-Fetch-Site cross-site": {"Origin": base, "Sec-Fetch-Site": "cross-site"},
    }
    bodies = _bodies(ids)
    routes = [r for r in state_changing_routes() if not r[1].startswith("/api/payments/stripe")]
    for method, template in routes:
        path = template.format(**ids)
        for label, headers in origins.items():
            status, answer = await _raw(
                http,
                base,
                method,
                path,
                cookies=cookies,
                headers=headers,
                body=bodies.get((method, template), {}),
            )
            tally.check(
                f"cross-site ({label}) {method} {template}",
                status,
                answer,
                403,
                "cross_site_refused",
            )
    # The room: a WebSocket that would chat as the guest and moderate as the owner.
    events = f"/api/shows/{ids['show_id']}/events"
    upgrade = {
        "Connection": "Upgrade",
        "Upgrade": "websocket",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": base64.b64encode(secrets.token_bytes(16)).decode(),
    }
    for label, headers in origins.items():
        status, answer = await _raw(
            http, base, "GET", events, cookies=cookies, headers={**upgrade, **headers}
        )
        tally.check(
            f"cross-site ({label}) room WebSocket", status, answer, 403, "cross_site_refused"
        )


async def _not_yours(
    http: aiohttp.ClientSession,
    base: str,
    tally: Tally,
    owner: Shop,
    rival: Shop,
    ids: dict[str, str],
    rival_cookie: str,
    guest_cookie: str,
) -> None:
    """Same-origin writes on the owner's show and product by the rival, the guest, anyone."""
    show = f"/api/shows/{owner.show_id}"
    product = f"/api/products/{owner.product_id}"
    viewer = ids["viewer_id"]
    by_rival: list[tuple[str, str, Any, int, str]] = [
        ("PATCH", show, {"title": "Mine now"}, 403, "not_owner"),
        ("PUT", f"{show}/products", {"product_ids": [rival.product_id]}, 403, "not_owner"),
        ("POST", f"{show}/stream-key", None, 403, "not_owner"),
        ("POST", f"{show}/end", None, 403, "not_owner"),
        ("POST", f"{show}/pin", {"product_id": owner.product_id}, 403, "not_owner"),
        ("POST", f"{show}/pin", {"product_id": rival.product_id}, 403, "not_owner"),
        ("POST", f"{show}/unpin", None, 403, "not_owner"),
        ("DELETE", f"{show}/replay", None, 403, "not_owner"),
        ("GET", f"{show}/analytics", None, 403, "not_owner"),
        ("PATCH", product, {"title": "Mine now"}, 403, "not_owner"),
        ("POST", f"{product}/archive", None, 403, "not_owner"),
        ("PUT", f"{show}/slow-mode", {"seconds": 30}, 403, "not_owner"),
        ("POST", f"{show}/mutes", {"viewer_id": viewer, "seconds": 60}, 403, "not_moderator"),
        ("POST", f"{show}/bans", {"viewer_id": viewer}, 403, "not_moderator"),
        ("DELETE", f"{show}/bans/{viewer}", None, 403, "not_moderator"),
        ("DELETE", f"{show}/chat/{ids['message_id']}", None, 403, "not_moderator"),
    ]
    by_guest: list[tuple[str, str, Any, int, str]] = [
        ("PATCH", show, {"title": "Mine now"}, 401, "not_signed_in"),
        ("POST", f"{show}/pin", {"product_id": owner.product_id}, 401, "not_signed_in"),
        ("POST", f"{show}/unpin", None, 401, "not_signed_in"),
        ("POST", f"{show}/end", None, 401, "not_signed_in"),
        ("DELETE", f"{show}/replay", None, 401, "not_signed_in"),
        ("PUT", f"{show}/slow-mode", {"seconds": 30}, 403, "not_owner"),
        ("POST", f"{show}/mutes", {"viewer_id": viewer, "seconds": 60}, 403, "not_moderator"),
        ("POST", f"{show}/bans", {"viewer_id": viewer}, 403, "not_moderator"),
        ("DELETE", f"{show}/chat/{ids['message_id']}", None, 403, "not_moderator"),
    ]
    by_anyone: list[tuple[str, str, Any, int, str]] = [
        ("POST", "/api/shows", {"title": "Anonymous"}, 401, "not_signed_in"),
        ("POST", f"{show}/pin", {"product_id": owner.product_id}, 401, "not_signed_in"),
        ("POST", f"{show}/mutes", {"viewer_id": viewer, "seconds": 60}, 401, "not_signed_in"),
        ("DELETE", f"{show}/chat/{ids['message_id']}", None, 401, "not_signed_in"),
        ("POST", "/api/moderators", {"viewer_id": viewer}, 401, "not_signed_in"),
    ]
    who: list[tuple[str, dict[str, str], list[tuple[str, str, Any, int, str]]]] = [
        ("the rival creator", {"ls_session": rival_cookie}, by_rival),
        ("the guest", {"ls_viewer": guest_cookie}, by_guest),
        ("an anonymous visitor", {}, by_anyone),
    ]
    for label, cookies, attempts in who:
        for method, path, body, want, code in attempts:
            status, answer = await _raw(
                http, base, method, path, cookies=cookies, headers={"Origin": base}, body=body
            )
            tally.check(f"{label}: {method} {path}", status, answer, want, code)


SCENARIOS: list[Scenario] = [
    Scenario(
        8,
        "SDP and WHIP/WHEP fuzzing",
        "every malformed request a 4xx JSON error; fds, RSS flat; media still works",
        fuzz_whip_whep,
        900.0,
    ),
    Scenario(
        10,
        "token and session abuse",
        "every forged, stolen or cross-site attempt refused; nothing changed",
        token_abuse,
        300.0,
    ),
]
