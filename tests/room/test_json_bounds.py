"""Room frames are parsed within the same JSON bounds as request bodies.

4 KB of `[` in one frame reached Python's recursion limit in the parser.
"""

from __future__ import annotations

from aiohttp.test_utils import TestServer

from tests.room.helpers import guest, room


async def test_a_deeply_nested_frame_is_a_malformed_message(
    server: TestServer, show_id: str
) -> None:
    async with guest(server) as (client, _), room(client, show_id) as ws:
        for frame in ("[" * 4000, '{"type": "like", "count": ' + "9" * 4000 + "}"):
            await ws.ws.send_str(frame)
            error = await ws.next("error")
            assert error["code"] == "malformed_message"
        await ws.chat("still here")
        assert (await ws.next("chat"))["message"]["text"] == "still here"
