"""Direct messages over HTTP: inboxes, threads, sending, block and report, and a live stream."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

from aiohttp import web

from livesale.domain.errors import DmOwnShop, NotModerator, OrderNotFound, ValidationFailed
from livesale.domain.messages import DirectMessage, Reference, RefKind, Side
from livesale.live.direct_messages import Caller, DirectMessages, Seat
from livesale.storage.creators import CreatorRepository
from livesale.storage.orders import OrderRepository
from livesale.storage.products import ProductRepository
from livesale.storage.viewers import ViewerRepository
from livesale.web.auth import Identity
from livesale.web.json_body import read_object
from livesale.web.message_json import (
    conversation_json,
    inbox_json,
    message_json,
    reference_cards,
)

_SEND_FIELDS = ("text", "order_id", "product_id")


@dataclass(frozen=True, slots=True)
class MessageParts:
    """What the message routes use."""

    messages: DirectMessages
    creators: CreatorRepository
    viewers: ViewerRepository
    orders: OrderRepository
    products: ProductRepository
    identity: Identity


def add_message_routes(app: web.Application, *, parts: MessageParts) -> None:
    """Register the direct-message routes."""
    app.router.add_get("/api/messages", partial(viewer_inbox, parts=parts))
    app.router.add_post("/api/creators/{creator_id}/messages", partial(start, parts=parts))
    app.router.add_post("/api/orders/{order_id}/messages", partial(about_order, parts=parts))
    app.router.add_get("/api/shops/{creator_id}/messages", partial(shop_inbox, parts=parts))
    app.router.add_get("/api/conversations/{conversation_id}", partial(thread, parts=parts))
    app.router.add_post(
        "/api/conversations/{conversation_id}/messages", partial(reply, parts=parts)
    )
    app.router.add_put(
        "/api/conversations/{conversation_id}/block", partial(block, parts=parts, on=True)
    )
    app.router.add_delete(
        "/api/conversations/{conversation_id}/block", partial(block, parts=parts, on=False)
    )
    app.router.add_post(
        "/api/conversations/{conversation_id}/reports", partial(report, parts=parts)
    )


async def caller_of(request: web.Request, identity: Identity) -> Caller:
    """The request's creator session and guest identity (either may be absent)."""
    return Caller(await identity.current_creator(request), await identity.current_viewer(request))


async def viewer_inbox(request: web.Request, *, parts: MessageParts) -> web.Response:
    """The caller's conversations with shops, newest first, with unread counts."""
    viewer = await parts.identity.require_viewer(request)
    entries = await parts.messages.inbox_of_viewer(viewer)
    names = await _names(parts, [e.conversation.creator_id for e in entries], [])
    items = inbox_json(entries, Side.VIEWER, names)
    return web.json_response(
        {"conversations": items, "unread": sum(item["unread"] for item in items)}
    )


async def shop_inbox(request: web.Request, *, parts: MessageParts) -> web.Response:
    """A shop's conversations, unread first: for its creator and its moderators."""
    creator = await parts.creators.get(request.match_info["creator_id"])
    caller = await caller_of(request, parts.identity)
    if await parts.messages.may_answer_for(caller, creator.id) is None:
        raise NotModerator("only the shop's creator or its moderators read its messages")
    entries = await parts.messages.inbox_of_shop(creator.id)
    names = await _names(parts, [], [e.conversation.viewer_id for e in entries])
    items = inbox_json(entries, Side.SHOP, names)
    return web.json_response(
        {"conversations": items, "unread": sum(item["unread"] for item in items)}
    )


async def start(request: web.Request, *, parts: MessageParts) -> web.Response:
    """A viewer writes to a shop (opening their conversation), maybe about an order or product."""
    creator = await parts.creators.get(request.match_info["creator_id"])
    body = await read_object(request, allowed=_SEND_FIELDS)
    reference = _reference(body)
    caller = await caller_of(request, parts.identity)
    if caller.creator is not None and caller.creator.id == creator.id:
        # Their own conversation would always open on the shop's side: nobody to write to.
        raise DmOwnShop("a shop cannot write to itself", creator_id=creator.id)
    viewer = caller.viewer
    conversation, message = await parts.messages.start(
        viewer, creator.id, body.get("text"), reference
    )
    seat = Seat(conversation, Side.VIEWER, message.author_id)
    return web.json_response(await _sent(parts, seat, message), status=201)


async def about_order(request: web.Request, *, parts: MessageParts) -> web.Response:
    """A buyer writes to the shop of one of their orders (from the order page), about it."""
    viewer = await parts.identity.require_viewer(request)
    order_id = request.match_info["order_id"]
    order = await parts.orders.get(order_id)
    if order is None or order.viewer_id != viewer.id:
        raise OrderNotFound("no order of yours has this id", id=order_id)
    body = await read_object(request, allowed=("text",))
    conversation, message = await parts.messages.start(
        viewer, order.creator_id, body.get("text"), Reference(RefKind.ORDER, order.id)
    )
    seat = Seat(conversation, Side.VIEWER, message.author_id)
    return web.json_response(await _sent(parts, seat, message), status=201)


async def reply(request: web.Request, *, parts: MessageParts) -> web.Response:
    """Either side writes in a conversation it is part of."""
    seat = await _seat(request, parts)
    body = await read_object(request, allowed=_SEND_FIELDS)
    message = await parts.messages.send(seat, body.get("text"), _reference(body))
    return web.json_response(await _sent(parts, seat, message), status=201)


async def thread(request: web.Request, *, parts: MessageParts) -> web.Response:
    """A conversation and a page of its messages (`before` a message id); marks them read."""
    seat = await _seat(request, parts)
    before = _before(request.query.get("before"))
    conversation, messages = await parts.messages.thread(seat, before)
    viewer_ids = [conversation.viewer_id, *(m.author_id for m in messages)]
    names = await _names(parts, [conversation.creator_id], viewer_ids)
    cards = await reference_cards(
        (m.reference for m in messages if m.reference is not None), parts.orders, parts.products
    )
    return web.json_response(
        {
            "conversation": conversation_json(conversation, seat.side, names),
            "messages": [message_json(m, seat.side, names, cards) for m in messages],
        }
    )


async def block(request: web.Request, *, parts: MessageParts, on: bool) -> web.Response:
    """The caller's side blocks (PUT) or unblocks (DELETE) the other side."""
    seat = await _seat(request, parts)
    conversation = await parts.messages.set_blocked(seat, on)
    names = await _names(parts, [conversation.creator_id], [conversation.viewer_id])
    return web.json_response({"conversation": conversation_json(conversation, seat.side, names)})


async def report(request: web.Request, *, parts: MessageParts) -> web.Response:
    """Report the conversation (or one `message_id` of it) to the operator, with a reason."""
    seat = await _seat(request, parts)
    body = await read_object(request, allowed=("reason", "message_id"))
    report_id = await parts.messages.report(seat, body.get("reason"), body.get("message_id"))
    return web.json_response({"id": report_id}, status=201)


async def _seat(request: web.Request, parts: MessageParts) -> Seat:
    caller = await caller_of(request, parts.identity)
    return await parts.messages.seat(caller, request.match_info["conversation_id"])


async def _sent(parts: MessageParts, seat: Seat, message: DirectMessage) -> dict[str, Any]:
    conversation = seat.conversation
    names = await _names(parts, [conversation.creator_id], [conversation.viewer_id, seat.author_id])
    cards = await reference_cards(
        [] if message.reference is None else [message.reference], parts.orders, parts.products
    )
    return {
        "conversation_id": conversation.id,
        "message": message_json(message, seat.side, names, cards),
    }


async def _names(
    parts: MessageParts, creator_ids: Iterable[str], viewer_ids: Iterable[str]
) -> dict[str, str]:
    """Display names by id: shops by their creator's name, people by their guest name."""
    names = {v.id: v.display_name for v in (await parts.viewers.get_many(viewer_ids)).values()}
    for creator_id in set(creator_ids):
        names[creator_id] = (await parts.creators.get(creator_id)).display_name
    return names


def _reference(body: dict[str, Any]) -> Reference | None:
    order_id, product_id = body.get("order_id"), body.get("product_id")
    if order_id is not None and product_id is not None:
        raise ValidationFailed(
            "a message is about one order or one product", field="order_id", reason="not_allowed"
        )
    for field, kind, value in (
        ("order_id", RefKind.ORDER, order_id),
        ("product_id", RefKind.PRODUCT, product_id),
    ):
        if value is None:
            continue
        if not isinstance(value, str) or not 1 <= len(value) <= 64:
            raise ValidationFailed(f"{field} must be an id", field=field, reason="wrong_type")
        return Reference(kind, value)
    return None


def _before(raw: str | None) -> int | None:
    if raw is None:
        return None
    if not raw.isdigit() or len(raw) > 18:
        raise ValidationFailed("before must be a message id", field="before", reason="bad_format")
    return int(raw)
