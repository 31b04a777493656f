"""Scenario 18: a spam and fake-crowd bot from one address against a live show.

One address (127.0.0.1) opens 300 anonymous room sockets, each claiming a
browser id of its own, and sends 10 likes from each (3,000); then 40 fresh
guests put 5 lines each into the chat at once (200 lines); then a banned
guest comes back with a new cookie. A real viewer at another address
(127.0.0.2) watches and chats all along. At the defaults the address holds
at most `room.max_connections_per_address` sockets, counts as at most
`room.max_counted_viewers_per_address` viewers (in the public count and the
creator's analytics alike), adds at most `room.max_likes_per_address_per_second`
likes a second and `chat.address_rate_messages` lines per window, and the
banned guest's new cookie says nothing, while the real viewer's line arrives.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from livesale.config import ChatSettings, RoomSettings
from tests.support.peers import TestPublisher
from tests.support.signalling import publish

from .endurance import metric, show_state
from .harness import Actor, Outcome, Run, Scenario, Shop, open_shop, poll, stage

BOT_ADDRESS = "127.0.0.1"
REAL_ADDRESS = "127.0.0.2"
TIMEOUT = 60.0  # hundreds of handshakes on a busy two-core machine
LIKES_PER_SOCKET = 10
LINES_PER_GUEST = 5


@dataclass
class Watcher:
    """A room socket whose events are all kept, with their arrival times."""

    ws: aiohttp.ClientWebSocketResponse
    events: list[tuple[float, dict[str, Any]]] = field(default_factory=list)
    task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Read in the background until the socket closes."""
        self.task = asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        async for message in self.ws:
            if message.type is aiohttp.WSMsgType.TEXT:
                data = json.loads(message.data)
                at = time.monotonic()
                self.events.extend((at, e) for e in (data if isinstance(data, list) else [data]))

    def of(self, kind: str) -> list[dict[str, Any]]:
        """The events of one type, in order."""
        return [e for _at, e in self.events if e.get("type") == kind]

    def viewers(self) -> list[int]:
        """Every viewer count this socket was told, the snapshot's first."""
        counts = [e["viewers"] for e in self.of("snapshot")]
        return counts + [e["count"] for e in self.of("viewers")]

    async def close(self) -> None:
        """Close the socket and stop reading."""
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.ws.close(), 5)
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(BaseException):
                await self.task


def room_session(address: str, actor: Actor | None = None) -> aiohttp.ClientSession:
    """A session for long-lived room sockets from `address`, with `actor`'s cookies if given
    (an Actor's own session ends every request, sockets too, after 30 s)."""
    return aiohttp.ClientSession(
        cookie_jar=None if actor is None else actor.session.cookie_jar,
        connector=aiohttp.TCPConnector(limit=0, local_addr=(address, 0)),
        timeout=aiohttp.ClientTimeout(total=None, connect=TIMEOUT),
    )


async def _watch(session: aiohttp.ClientSession, base: str, show_id: str, **params: str) -> Watcher:
    """Open the show's room (as the watch page does) and read it in the background."""
    ws = await session.ws_connect(
        f"{base}/api/shows/{show_id}/events", params=params, headers={"Origin": base}
    )
    watcher = Watcher(ws)
    watcher.start()
    await poll(lambda: watcher.events or ws.closed, TIMEOUT, "the room's first frame")
    return watcher


@dataclass
class Figures:
    """What the bot got, against what it tried."""

    sockets: int = 0
    accepted: int = 0
    viewers_seen: int = 0
    likes_sent: int = 0
    likes_counted: int = 0
    identities: int = 0
    lines: int = 0
    spam_delivered: int = 0
    comeback_delivered: int = 0
    real_chat_ms: float = 0.0
    unique: int = 0
    peak: int = 0


async def _fake_crowd(
    base: str, shop: Shop, real: Watcher, sockets: int, figures: Figures, outcome: Outcome
) -> None:
    """Anonymous sockets from one address, each a 'browser' of its own, and their likes."""
    room, cap = RoomSettings(), RoomSettings().max_counted_viewers_per_address
    async with room_session(BOT_ADDRESS) as bot:
        opened: list[Watcher] = []
        try:
            for start in range(0, sockets, 50):
                opened += await asyncio.gather(
                    *(
                        _watch(bot, base, shop.show_id, visitor=secrets.token_urlsafe(16))
                        for _ in range(start, min(sockets, start + 50))
                    )
                )
            accepted = [w for w in opened if w.of("snapshot")]
            refused = [w for w in opened if not w.of("snapshot")]
            figures.sockets, figures.accepted = sockets, len(accepted)
            if len(accepted) > room.max_connections_per_address:
                outcome.fail(f"{len(accepted)} sockets from one address were let in")
            await poll(lambda: all(w.ws.closed for w in refused), TIMEOUT, "refusals to close")
            codes = {w.ws.close_code for w in refused}
            if refused and codes != {4029}:
                outcome.fail(f"refused sockets closed with {codes}, not 4029")
            await poll(lambda: max(real.viewers()) >= 1 + cap, TIMEOUT, "the bot's counted viewers")
            likes_before = await metric_total(base, "livesale_room_likes_total")
            started = time.monotonic()
            like = json.dumps({"type": "like", "count": LIKES_PER_SOCKET})
            await asyncio.gather(*(w.ws.send_str(like) for w in accepted))
            await asyncio.gather(*(w.ws.send_str('{"type":"ping"}') for w in accepted))
            await poll(lambda: all(w.of("pong") for w in accepted), TIMEOUT, "every pong")
            windows = int(time.monotonic()) - int(started) + 1
            figures.likes_sent = LIKES_PER_SOCKET * len(accepted)
            counted = await metric_total(base, "livesale_room_likes_total") - likes_before
            figures.likes_counted = int(counted)
            if counted > room.max_likes_per_address_per_second * windows:
                outcome.fail(f"{counted:.0f} likes counted from one address in {windows} s")
        finally:
            await asyncio.gather(*(w.close() for w in opened))
    await poll(lambda: real.viewers()[-1] == 1, TIMEOUT, "the bot's sockets to go")
    figures.viewers_seen = max(real.viewers())
    if figures.viewers_seen > 1 + cap:
        outcome.fail(f"the public count reached {figures.viewers_seen} (cap {cap} + 1 real)")


async def metric_total(base: str, name: str) -> float:
    """A counter's value summed over the server's processes."""
    async with aiohttp.ClientSession() as http:
        return await metric(http, base, name)


async def _spam(
    base: str, shop: Shop, real: Watcher, guests: int, figures: Figures, outcome: Outcome
) -> Actor | None:
    """Fresh guests from one address, five lines each at once; returns one of the spammers."""
    chat = ChatSettings()
    actors = [Actor(base, BOT_ADDRESS) for _ in range(guests)]
    watchers: list[Watcher] = []
    made: list[Actor] = []
    sessions: list[aiohttp.ClientSession] = []
    try:
        for n, actor in enumerate(actors):
            status, _body = await actor.call("PUT", "/api/viewer", {"display_name": f"Bot {n}"})
            if status == 200:
                made.append(actor)
        figures.identities = len(made)
        sessions = [room_session(BOT_ADDRESS, a) for a in made]
        watchers = [await _watch(session, base, shop.show_id) for session in sessions]
        figures.lines = LINES_PER_GUEST * len(watchers)
        started = time.monotonic()
        await asyncio.gather(
            *(
                w.ws.send_str(json.dumps({"type": "chat", "text": f"SPAM {n}-{i}"}))
                for n, w in enumerate(watchers)
                for i in range(LINES_PER_GUEST)
            )
        )

        def spam_seen() -> int:
            return sum(1 for e in real.of("chat") if e["message"]["text"].startswith("SPAM"))

        def answered() -> bool:
            refused = sum(len(w.of("error")) for w in watchers)
            return refused + spam_seen() >= figures.lines

        await poll(answered, TIMEOUT, "an answer to every spam line")
        windows = math.ceil((time.monotonic() - started) / chat.address_rate_window_seconds)
        figures.spam_delivered = spam_seen()
        if figures.spam_delivered > chat.address_rate_messages * windows:
            outcome.fail(f"{figures.spam_delivered} spam lines delivered in {windows} window(s)")
        # The real viewer, next to the bot, chats as if nothing happened.
        said = time.monotonic()
        question = "does it come in blue?"
        await real.ws.send_str(json.dumps({"type": "chat", "text": question}))
        await poll(
            lambda: any(e["message"]["text"] == question for e in real.of("chat")),
            TIMEOUT,
            "the real viewer's line",
        )
        arrived = next(at for at, e in real.events if e.get("message", {}).get("text") == question)
        figures.real_chat_ms = (arrived - said) * 1000
        if real.of("error"):
            outcome.fail(f"the real viewer was refused: {real.of('error')}")
        return made[0] if made else None
    finally:
        for w in watchers:
            await w.close()
        for session in sessions:
            await session.close()
        for actor in actors:
            if actor not in made[:1]:
                await actor.close()


async def _ban_comeback(
    base: str, shop: Shop, real: Watcher, spammer: Actor, figures: Figures, outcome: Outcome
) -> None:
    """The creator bans a spammer, who drops the cookie and tries again."""
    me = await spammer.expect("GET", "/api/viewer", None, 200)
    await shop.creator.expect(
        "POST", f"/api/shows/{shop.show_id}/bans", {"viewer_id": me["viewer"]["id"]}, 201
    )
    await spammer.close()
    comeback = Actor(base, BOT_ADDRESS)
    try:
        status, _body = await comeback.call("PUT", "/api/viewer", {"display_name": "Not a bot"})
        if status != 200:
            return  # no new identity at all: nothing more to try
        session = room_session(BOT_ADDRESS, comeback)
        watcher = await _watch(session, base, shop.show_id)
        try:
            line = "I am back with a new cookie"
            await watcher.ws.send_str(json.dumps({"type": "chat", "text": line}))
            await poll(lambda: watcher.of("error"), TIMEOUT, "the comeback's answer")
            figures.comeback_delivered = sum(
                1 for e in real.of("chat") if e["message"]["text"] == line
            )
            codes = [e["code"] for e in watcher.of("error")]
            if codes != ["chat_banned"] or figures.comeback_delivered:
                outcome.fail(f"the banned guest came back: {codes}")
        finally:
            await watcher.close()
            await session.close()
    finally:
        await comeback.close()


async def _analytics(shop: Shop, figures: Figures, outcome: Outcome) -> None:
    """The creator's analytics count the same people as the public count."""
    cap = RoomSettings().max_counted_viewers_per_address
    report: dict[str, Any] = {}

    async def settled() -> bool:
        nonlocal report
        report = await shop.creator.expect("GET", f"/api/shows/{shop.show_id}/analytics", None, 200)
        return bool(report["viewers"]["unique"] >= 1 + cap)

    await poll(settled, TIMEOUT, "the analytics to record the crowd")
    figures.unique, figures.peak = report["viewers"]["unique"], report["viewers"]["peak"]
    if figures.unique > 1 + cap or figures.peak > 1 + cap:
        outcome.fail(f"analytics: unique {figures.unique}, peak {figures.peak} (cap {cap} + 1)")


async def spam_crowd(run: Run) -> Outcome:
    """Scenario 18: one address fakes a crowd and spams; the figures stay the real ones."""
    sockets = run.size(300, 130)
    guests = run.size(40, 10)
    outcome = Outcome(0, 0, "-")
    figures = Figures()
    async with stage() as st:
        await st.ready()
        shop = await open_shop(st.base, stock=10)
        publisher = TestPublisher(keyframe_every=90, audio=False, bit_rate=250_000)
        real_actor = Actor(st.base, REAL_ADDRESS)
        real_room = room_session(REAL_ADDRESS, real_actor)
        real: Watcher | None = None
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
                await publish(http, st.base, shop, publisher, 30)

                async def live() -> bool:
                    return bool((await show_state(http, st.base, shop.show_id))["live"])

                await poll(live, 30, "the show to be live")
            # Live is all the analytics need: the show stays live for
            # `shows.end_after_publisher_lost_seconds`, and no encoder competes for the CPU.
            await publisher.close()
            await real_actor.become_guest("Real buyer")
            real = await _watch(real_room, st.base, shop.show_id)
            await _fake_crowd(st.base, shop, real, sockets, figures, outcome)
            spammer = await _spam(st.base, shop, real, guests, figures, outcome)
            if spammer is not None:
                await _ban_comeback(st.base, shop, real, spammer, figures, outcome)
            await _analytics(shop, figures, outcome)
            outcome.iterations = figures.sockets + figures.lines
        finally:
            if real is not None:
                await real.close()
            await real_room.close()
            await real_actor.close()
            await shop.creator.close()
            await publisher.close()
    outcome.figure = (
        f"spam {figures.spam_delivered}/{figures.lines} lines delivered; "
        f"viewer count {figures.viewers_seen} with {figures.sockets} bot sockets "
        f"({figures.accepted} let in); analytics unique {figures.unique}, peak {figures.peak}; "
        f"likes {figures.likes_counted:,}/{figures.likes_sent:,}; "
        f"banned guest's new cookie: {figures.comeback_delivered} lines; "
        f"real viewer's line in {figures.real_chat_ms:.0f} ms"
    )
    return outcome


SCENARIOS = [
    Scenario(
        18,
        "spam and fake crowd",
        "one address counts as at most 10 viewers, spam and likes capped per address, "
        "a ban follows the person",
        spam_crowd,
        budget_seconds=300,
    )
]
