"""Client messages: bad ones get an error event and the connection stays usable."""

from __future__ import annotations

import json

from aiohttp.test_utils import TestServer

from tests.room.helpers import browser, guest, room
from tests.support.clients import Client, origin


async def test_bad_messages_get_errors_and_the_socket_keeps_working(
    server: TestServer, show_id: str
) -> None:
    async with guest(server) as (client, _), room(client, show_id) as ws:
        cases = [
            ("{not json", "malformed_message"),
            ("[1, 2]", "malformed_message"),
            ('"text"', "malformed_message"),
            (json.dumps({"type": "dance"}), "unknown_message_type"),
            (json.dumps({"no": "type"}), "unknown_message_type"),
            (json.dumps({"type": "like", "count": 11}), "malformed_message"),
            (json.dumps({"type": "like", "count": "3"}), "malformed_message"),
            (json.dumps({"type": "chat", "text": "x" * 5000}), "message_too_large"),
            # 2,000 characters but 6,000 bytes: the limit is in bytes.
            (
                json.dumps({"type": "chat", "text": "好" * 2000}, ensure_ascii=False),
                "message_too_large",
            ),
        ]
        for text, code in cases:
            await ws.ws.send_str(text)
            error = await ws.next("error")
            assert error["code"] == code, text
            assert error["message"]
            assert isinstance(error["details"], dict)
        await ws.ws.send_bytes(b"\x00\x01")
        assert (await ws.next("error"))["code"] == "malformed_message"
        await ws.send({"type": "ping"})
        await ws.next("pong")
        await ws.chat("still here")
        assert (await ws.next("chat"))["message"]["text"] == "still here"


async def test_cross_site_upgrade_with_cookies_is_refused(
    server: TestServer, alice: Client, show_id: str
) -> None:
    response = await alice.get(
        f"/api/shows/{show_id}/events", headers={"Origin": "https://evil.example"}
    )
    assert response.status == 403
    assert (await response.json())["error"]["code"] == "cross_site_refused"
    # Without cookies the room is public, like the page: no Origin needed.
    async with browser(server) as anonymous:
        ws = await anonymous.session.ws_connect(f"/api/shows/{show_id}/events")
        msg = await ws.receive_json(timeout=5)
        assert msg["type"] == "snapshot"
        await ws.close()
    async with room(alice, show_id) as joined:  # same origin: fine
        assert joined.snapshot["you"]["role"] == "creator"
    assert origin(alice)["Origin"].startswith("http://")
