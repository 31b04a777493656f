"""The `Room` service: every show's live room in this process, shared through Redis.

A connection joins in four steps: it is added to the show's fan-out (events
now wait in its backlog), the process makes sure it follows the show's
channel, the snapshot goes out, then the backlog (without chat the snapshot
already holds) and from then on every batch. So nothing is missed between
snapshot and events, and the snapshot always comes first.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import WSMsgType, web

from livesale import metrics
from livesale.config import RoomSettings
from livesale.domain.accounts import Creator, Viewer
from livesale.domain.analytics import LIKE, NO_PIN
from livesale.domain.chat import Participant, Role
from livesale.domain.errors import CapacityReached, ChatBanned, LivesaleError
from livesale.domain.person import UNKNOWN_ADDRESS
from livesale.domain.shows import Show
from livesale.live.bus import Bus
from livesale.live.chat import ChatService
from livesale.live.crowd import Crowd
from livesale.live.entrance import Entrance
from livesale.live.fanout import NO_FLOW_CONTROL_LIMIT, Connection, ShowFanout
from livesale.live.likes import Likes
from livesale.live.local_shows import LocalShows
from livesale.live.presence import Presence
from livesale.live.protocol import (
    CLOSE_BANNED,
    CLOSE_SHUTTING_DOWN,
    CLOSE_TRY_AGAIN,
    BadCommand,
    error_event,
    error_event_of,
    parse_command,
)
from livesale.live.room_events import KICK, RoomEvents
from livesale.live.snapshot import SharedSnapshot, SnapshotCache
from livesale.storage.activity import ActivityRecorder
from livesale.tasks import cancel_and_wait

logger = logging.getLogger(__name__)

# aiohttp closes a connection (1009) on frames above this; smaller oversized
# messages get a `message_too_large` error and the connection stays usable.
MIN_HARD_MESSAGE_BYTES = 65_536


class Room:
    """Live rooms of shows: connections, events through Redis, chat, likes and presence."""

    def __init__(
        self,
        settings: RoomSettings,
        activity: ActivityRecorder,
        events: RoomEvents,
        bus: Bus,
        local: LocalShows,
        entrance: Entrance,
        chat: ChatService,
        snapshots: SnapshotCache,
        presence: Presence,
        likes: Likes,
        crowd: Crowd,
    ) -> None:
        self._settings = settings
        self._activity = activity
        self._events = events
        self._bus = bus
        self._local = local
        self._fanouts = local.fanouts
        self._entrance = entrance
        self._chat = chat
        self._snapshots = snapshots
        self._presence = presence
        self._likes = likes
        self._crowd = crowd
        self._tasks: set[asyncio.Task[Any]] = set()
        self._tickers: list[asyncio.Task[None]] = []
        events.on_control(KICK, self._kicked)

    async def start(self) -> None:
        """Connect the bus and start the presence and likes timers."""
        await self._bus.start(
            self._local.push_from_bus, self._events.dispatch_control, self._on_resync
        )
        loop = asyncio.get_running_loop()
        self._tickers = [
            loop.create_task(
                self._every(self._settings.presence_interval_seconds, self._presence.tick)
            ),
            loop.create_task(self._every(self._settings.like_interval_seconds, self._likes_tick)),
        ]

    async def close_connections(self) -> None:
        """Close every connection (1001: clients reconnect, maybe to another process).

        Called from the app's on_shutdown, before aiohttp waits for handlers to end.
        """
        closing = [
            conn.close_soon(CLOSE_SHUTTING_DOWN, "server shutting down")
            for fanout in list(self._fanouts.values())
            for conn in list(fanout.connections)
        ]
        if closing:
            await asyncio.wait(closing)

    async def stop(self) -> None:
        """Close what is still open, stop the timers, take this process out of counts."""
        await self.close_connections()
        for task in self._tickers:
            task.cancel()  # all at once, then wait for each
        for task in self._tickers:
            await cancel_and_wait(task)
        with contextlib.suppress(Exception):
            await self._presence.tick()  # takes this process's counts out
        pending = list(self._tasks)
        if pending:
            await asyncio.wait(pending, timeout=3.0)
        for fanout in list(self._fanouts.values()):
            await fanout.close()
        self._fanouts.clear()
        await self._bus.close()

    def local_connection_count(self, show_id: str | None = None) -> int:
        """Open room connections in this process (for one show, or all)."""
        if show_id is not None:
            fanout = self._fanouts.get(show_id)
            return 0 if fanout is None else len(fanout.connections)
        return sum(len(f.connections) for f in self._fanouts.values())

    def check_capacity(self) -> None:
        """Raise CapacityReached when this process holds `room.max_connections_per_process`."""
        limit = self._settings.max_connections_per_process
        if self.local_connection_count() >= limit:
            raise CapacityReached("this server has no room for more viewers", limit=limit)

    async def participant(
        self, show: Show, creator: Creator | None, viewer: Viewer | None
    ) -> Participant:
        """Who is connecting; ChatBanned for a viewer banned from the show's creator."""
        return await self._entrance.participant(show, creator, viewer)

    def websocket(self) -> web.WebSocketResponse:
        """A WebSocketResponse set up for the room (heartbeat, limits, no compression)."""
        return web.WebSocketResponse(
            heartbeat=self._settings.heartbeat_seconds,
            max_msg_size=max(MIN_HARD_MESSAGE_BYTES, 16 * self._settings.max_message_bytes),
            compress=False,  # one shared payload per batch; deflate would be per connection
            writer_limit=NO_FLOW_CONTROL_LIMIT,
        )

    async def serve(
        self,
        show: Show,
        ws: web.WebSocketResponse,
        transport: asyncio.BaseTransport | None,
        who: Participant,
        visitor_id: str | None = None,
        replay: bool = False,
        address: str = UNKNOWN_ADDRESS,
    ) -> None:
        """Run one prepared connection until it closes.

        `visitor_id` is the browser's id, if it sent one; `replay` says the page
        is playing the show's replay (its viewers are counted apart); `address`
        is the client's address as a person key (see `livesale.domain.person`).
        """
        conn = Connection(
            show.id, show.creator_id, ws, transport, who, self._settings.max_send_buffer_bytes
        )
        conn.address = address
        if who.role is not Role.CREATOR:
            if not self._crowd.open(address):
                await self._entrance.refuse_over_cap(conn)
                return
            try:
                key = await self._entrance.audience(show.id, who, visitor_id, address)
            except Exception:
                self._crowd.close(address)
                raise
            conn.person = (key, replay)
            self._crowd.join(show.id, address, conn.person, who.id)
        fanout = self._fanouts.get(show.id)
        if fanout is None:
            fanout = self._fanouts[show.id] = ShowFanout(
                show.id, self._settings.flush_interval_seconds
            )
        fanout.connections[conn] = None
        conn.on_gone = self._leave
        metrics.ROOM_CONNECTIONS.inc()
        joined_at = fanout.seq
        try:
            await self._bus.subscribe(show.id)
            conn.you = await self._entrance.you(show.id, who, address)
            shared = await self._snapshots.get(show.id, joined_at, lambda: fanout.seq)
            await self._deliver_snapshot(conn, shared)
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    await self._receive(conn, msg.data)
                elif msg.type is WSMsgType.BINARY:
                    await conn.send(error_event("malformed_message", "send JSON text frames"))
        except Exception:
            # The upgrade is done, so no JSON error response: close, the client retries.
            logger.exception("room connection to show %s failed", show.id)
            conn.close_soon(CLOSE_TRY_AGAIN, "server error: reconnect")
        finally:
            self._leave(conn)

    async def _deliver_snapshot(self, conn: Connection, shared: SharedSnapshot) -> None:
        fanout = self._fanouts.get(conn.show_id)
        local = 0 if fanout is None else self._crowd.viewer_count(conn.show_id)
        viewers = self._presence.known_total(conn.show_id, local)
        if viewers is None:
            viewers = await self._presence.total(conn.show_id, local)
        likes = await self._likes.total(conn.show_id)
        await conn.send_raw(shared.render(viewers, likes, conn.you).encode())
        backlog = [raw for raw in conn.backlog if not _chat_in(raw, shared.chat_ids)]
        conn.backlog = []
        if backlog:
            await conn.send_raw(("[" + ",".join(backlog) + "]").encode())
        conn.ready = True

    async def _receive(self, conn: Connection, data: str) -> None:
        try:
            command = parse_command(data, self._settings.max_message_bytes)
        except BadCommand as exc:
            await conn.send(exc.event)
            return
        if command.kind == "ping":
            await conn.send({"type": "pong"})
        elif command.kind == "like":
            accepted = self._likes.add(conn, command.count)
            if accepted:
                self._activity.count(conn.show_id, LIKE, NO_PIN, accepted)
        else:
            try:
                await self._chat.send(
                    conn.show_id, conn.creator_id, conn.who, command.text, conn.address
                )
            except LivesaleError as exc:
                await conn.send(error_event_of(exc))

    def _leave(self, conn: Connection) -> None:
        fanout = self._fanouts.get(conn.show_id)
        if fanout is None or conn not in fanout.connections:
            return
        del fanout.connections[conn]
        metrics.ROOM_CONNECTIONS.dec()
        if conn.person is not None:
            self._crowd.leave(conn.show_id, conn.address, conn.person)
            self._crowd.close(conn.address)
        if not fanout.connections:
            del self._fanouts[conn.show_id]
            self._spawn(fanout.close())
            self._bus.unsubscribe(conn.show_id)
            self._snapshots.forget(conn.show_id)
            self._likes.forget(conn.show_id)

    async def _likes_tick(self) -> None:
        await self._likes.tick(list(self._fanouts))

    def _kicked(self, message: dict[str, Any]) -> None:
        for fanout in self._fanouts.values():
            for conn in list(fanout.connections):
                if conn.who.id == message["viewer_id"] and conn.creator_id == message["creator_id"]:
                    self._spawn(self._kick(conn))

    async def _kick(self, conn: Connection) -> None:
        await conn.send(error_event_of(ChatBanned("you are banned from this creator's shows")))
        conn.close_soon(CLOSE_BANNED, "banned")

    def _on_resync(self) -> None:
        # Events may have been lost while Redis was away: everyone starts from a fresh snapshot.
        for show_id, fanout in self._fanouts.items():
            # Lost events did not count: bump the count so no older build is reused.
            fanout.seq += 1
            self._snapshots.forget(show_id)
            self._spawn(self._resync(show_id, fanout))

    async def _resync(self, show_id: str, fanout: ShowFanout) -> None:
        conns = [c for c in fanout.connections if c.ready]
        for conn in conns:
            conn.ready = False  # events wait in the backlog until the new snapshot is out
        try:
            shared = await self._snapshots.get(show_id, fanout.seq, lambda: fanout.seq)
        except Exception as exc:
            logger.warning("cannot resync show %s (%s); closing its connections", show_id, exc)
            for conn in conns:
                conn.close_soon(CLOSE_TRY_AGAIN, "reconnect for a fresh snapshot")
            return
        for conn in conns:
            if not conn.closed:
                await self._deliver_snapshot(conn, shared)

    async def _every(self, interval: float, tick: Callable[[], Awaitable[None]]) -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                await tick()
            except Exception as exc:  # Redis away: try again next time
                logger.warning("room timer failed: %s", exc)

    def _spawn(self, coro: Awaitable[Any]) -> None:
        task: asyncio.Task[Any] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def _chat_in(raw: str, chat_ids: frozenset[int]) -> bool:
    """Whether a serialised event is a chat message the snapshot already holds."""
    if not chat_ids or not raw.startswith('{"type":"chat"'):
        return False
    message = json.loads(raw).get("message", {})
    return isinstance(message, dict) and message.get("id") in chat_ids
