"""Defects the chaos fuzzer (scenario 8) found: offers that crashed aiortc, sessions kept."""

from __future__ import annotations

import gc

import pytest
from aiortc import RTCConfiguration, RTCPeerConnection

from livesale.config import MediaSettings
from livesale.domain.errors import InvalidSdp
from livesale.media.service import MediaService


async def _offer(direction: str) -> str:
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    pc.addTransceiver("video", direction=direction)
    pc.addTransceiver("audio", direction=direction)
    await pc.setLocalDescription(await pc.createOffer())
    sdp = str(pc.localDescription.sdp)
    await pc.close()
    return sdp


MUTATIONS = {
    "no direction": ("a={direction}\r\n", ""),
    "BUNDLE with an unknown first mid": ("a=group:BUNDLE 0 1", "a=group:BUNDLE x 1"),
    "BUNDLE with an unknown mid": ("a=group:BUNDLE 0 1", "a=group:BUNDLE 0 x"),
    "a section without a mid": ("a=mid:0\r\n", ""),
    "two sections with one mid": ("a=mid:1", "a=mid:0"),
    # aiortc's parser takes it; its answer then fails its own parser's assertion.
    "a payload type over 255": ("a=rtpmap:{video_pt} ", "a=rtpmap:300 "),
}


@pytest.mark.parametrize("publishing", [True, False], ids=["whip", "whep"])
@pytest.mark.parametrize("mutation", list(MUTATIONS), ids=list(MUTATIONS))
async def test_offers_aiortc_cannot_answer_are_invalid_sdp(mutation: str, publishing: bool) -> None:
    direction = "sendonly" if publishing else "recvonly"
    offer = await _offer(direction)
    old, new = MUTATIONS[mutation]
    rtpmap = next(line for line in offer.split("\r\n") if line.startswith("a=rtpmap:"))
    old = old.format(direction=direction, video_pt=rtpmap.split(":")[1].split()[0])
    assert old in offer
    service = MediaService(MediaSettings())
    # parse_offer runs before the live check, as for a real viewer.
    signal = service.publish if publishing else service.view
    try:
        with pytest.raises(InvalidSdp):
            await signal("show", offer.replace(old, new))
        # The unmutated offer is still answered: the checks refuse only the broken ones.
        if publishing:
            answer = await service.publish("show", offer)
            assert answer.answer_sdp.startswith("v=0")
    finally:
        await service.close()


async def test_a_session_hung_up_early_is_freed_before_the_setup_timeout() -> None:
    # The setup timer used to hold every closed peer connection until it fired,
    # so POST + DELETE in a loop kept ~250 KB per session for the whole timeout.
    offer = await _offer("sendonly")
    service = MediaService(MediaSettings(session_setup_timeout_seconds=600))
    gc.collect()
    before = sum(isinstance(o, RTCPeerConnection) for o in gc.get_objects())
    try:
        for _ in range(20):
            answer = await service.publish("show", offer)
            await service.end_publisher("show", answer.session_id)
        gc.collect()
        alive = sum(isinstance(o, RTCPeerConnection) for o in gc.get_objects())
        assert alive - before <= 1  # at most one whose close is still unwinding
    finally:
        await service.close()
