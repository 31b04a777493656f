"""A stopping relay waits for sessions that were already ending: none is left half-closed."""

from __future__ import annotations

import asyncio

from livesale.config import MediaSettings
from livesale.media.service import MediaService
from tests.support.peers import TestPublisher, TestViewer, wait_for

SHOW = "show-1"


def transports_closed(pc: object) -> bool:
    """Whether every ICE transport of the relay's side of a session is closed (sockets too)."""
    return all(
        transceiver.receiver.transport.transport.state == "closed"
        for transceiver in pc.getTransceivers()  # type: ignore[attr-defined]
    )


async def test_close_waits_for_a_viewer_session_that_was_ending() -> None:
    media = MediaService(MediaSettings())
    publisher = TestPublisher(audio=False)
    viewer = TestViewer()
    try:

        async def publish(offer: str) -> str:
            return (await media.publish(SHOW, offer)).answer_sdp

        async def view(offer: str) -> str:
            return (await media.view(SHOW, offer)).answer_sdp

        await publisher.connect(publish)
        await wait_for(lambda: media.is_live(SHOW), 10, "the publisher to be live")
        await viewer.connect(view)
        await wait_for(lambda: len(viewer.video_frames()) >= 5, 10, "the viewer's first frames")
        (session_id,) = list(media._viewers)
        relay_side = media._viewers[session_id].pc
        # The publisher's session is gone (a rotated key), the viewer's waits for it: the
        # relay's stop has nothing else left to close that could give the viewer time.
        assert await media.disconnect_publisher(SHOW)
        # The session ends by itself (as a hung-up peer's state change ends it), and
        # the relay is stopped while that session's connection is still closing.
        ending = asyncio.create_task(media.end_viewer(SHOW, session_id))
        await asyncio.sleep(0)  # one step: the session is out of the table, its close begun
        assert session_id not in media._viewers
        assert not transports_closed(relay_side)
        await media.close()
        assert transports_closed(relay_side)
        assert relay_side.connectionState == "closed"
        await ending
    finally:
        await media.close()
        await viewer.close()
        await publisher.close()
