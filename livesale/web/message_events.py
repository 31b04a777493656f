"""GET /api/messages/events: a Server-Sent Events stream of one person's direct-message news."""

from __future__ import annotations

import contextlib
from functools import partial

from aiohttp import web

from livesale.domain.errors import NotModerator, ViewerRequired
from livesale.live.direct_messages import shop_channel, viewer_channel
from livesale.live.message_stream import CLOSED, MessageStream
from livesale.web.message_routes import MessageParts, caller_of

# A comment line this often keeps proxies from closing a quiet stream.
HEARTBEAT_SECONDS = 15.0


def add_message_event_routes(
    app: web.Application, *, parts: MessageParts, stream: MessageStream
) -> None:
    """Register the event stream; open streams end when the app shuts down."""
    app.router.add_get("/api/messages/events", partial(events, parts=parts, stream=stream))
    app.on_shutdown.append(partial(_close, stream=stream))


async def _close(_app: web.Application, *, stream: MessageStream) -> None:
    await stream.close()


async def events(
    request: web.Request, *, parts: MessageParts, stream: MessageStream
) -> web.StreamResponse:
    """News of the caller's conversations: as the viewer, and as the shop `?shop=<creator_id>`.

    Each event is `data: {"type": "message" | "block", "conversation_id", ...}`
    or `{"type": "resync"}` (read the inbox again: some news may have been missed).
    """
    caller = await caller_of(request, parts.identity)
    channels = []
    if caller.viewer is not None:
        channels.append(viewer_channel(caller.viewer.id))
    shop = request.query.get("shop")
    if shop is not None:
        if await parts.messages.may_answer_for(caller, shop) is None:
            raise NotModerator("only the shop's creator or its moderators hear its messages")
        channels.append(shop_channel(shop))
    if not channels:
        raise ViewerRequired("choose a display name first (PUT /api/viewer)")
    listener = await stream.listen(channels)
    try:
        response = web.StreamResponse(
            headers={
                "Content-Type": "text/event-stream",
                "Cache-Control": "no-store",
                # Tell nginx not to buffer: each event must reach the page at once.
                "X-Accel-Buffering": "no",
            }
        )
        await response.prepare(request)
        await response.write(b": ready\n\n")
        with contextlib.suppress(ConnectionResetError):
            while True:
                event = await listener.get(HEARTBEAT_SECONDS)
                if event == CLOSED:
                    break
                line = ": ping" if event is None else f"data: {event}"
                await response.write(f"{line}\n\n".encode())
        return response
    finally:
        await stream.stop(listener)
