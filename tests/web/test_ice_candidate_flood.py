"""ICE that only talks to the viewer: the candidate flood over WHEP, with real UDP listeners.

The finding: a WHEP offer with 200 `a=candidate` lines naming 127.0.0.1 ports
made the relay send 1,000 STUN requests to them in 15 s, with the attacker's
chosen ufrag bytes in every packet. Here real UDP sockets listen on those
ports; a real aiortc viewer that sent the offer still connects (the relay
learns its address from its own connectivity checks: peer-reflexive).
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from aioice import stun
from aiortc import RTCSessionDescription
from prometheus_client import REGISTRY

from livesale.composition.services import SERVICES
from livesale.config import Settings
from tests.support.clients import Client
from tests.support.ice_flood import (
    Trap,
    candidate_lines,
    flood_offer,
    received,
    traps,
    without_lines,
)
from tests.support.peers import TestPublisher, TestViewer, wait_for
from tests.support.services import relay
from tests.support.whip import (
    SDP,
    TRICKLE,
    assert_error,
    bearer,
    local_offer,
    publish_until_watchable,
    sdp_lines,
    serve,
)

FLOOD = 200  # candidate lines in the attacker's offer, as in the finding
LIMIT = 10  # media.max_remote_candidates' default
LOOPBACK = "127.0.0.1"


def refused(reason: str) -> float:
    """`livesale_media_ice_candidates_refused_total{reason}` so far."""
    value = REGISTRY.get_sample_value(
        "livesale_media_ice_candidates_refused_total", {"reason": reason}
    )
    return value or 0.0


def loopback(found: list[Trap]) -> list[str]:
    """A host candidate line naming each trap's port on 127.0.0.1."""
    return candidate_lines([(LOOPBACK, trap.port) for trap in found])


def server_ice(client: Client, session_id: str) -> Any:
    """The relay's ICE transport of a viewer session (public aiortc API beyond the session)."""
    session = relay(client.app)._viewers[session_id]
    return session.pc.getTransceivers()[0].receiver.transport.transport


def remote_addresses(ice: Any) -> set[tuple[str, int]]:
    """The addresses a session's ICE agent checks (a port alone may repeat on another IP)."""
    return {(candidate.ip, candidate.port) for candidate in ice.getRemoteCandidates()}


def addresses(found: list[Trap]) -> set[tuple[str, int]]:
    return {(LOOPBACK, trap.port) for trap in found}


@asynccontextmanager
async def live_show(client: Client) -> AsyncIterator[tuple[str, TestPublisher]]:
    """A show with a real publisher on air."""
    show, key = await client.app[SERVICES].storage.shows.create("Candidate flood")
    publisher = TestPublisher(keyframe_every=30, audio=False)
    try:
        await publish_until_watchable(client, show.id, key, publisher)
        yield show.id, publisher
    finally:
        await publisher.close()


async def watch_with(client: Client, show_id: str, viewer: TestViewer, offer: str) -> str:
    """POST `offer` to WHEP and give the answer to `viewer`; the session id."""
    response = await client.post(f"/whep/{show_id}", data=offer, headers=SDP)
    assert response.status == 201, await response.text()
    answer = await response.text()
    await viewer.pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
    return str(response.headers["Location"]).rsplit("/", 1)[1]


async def test_a_whep_offer_naming_200_loopback_ports_sends_them_nothing(
    settings: Settings,
) -> None:
    async with (
        serve(settings) as client,
        live_show(client) as (show_id, _publisher),
        traps(FLOOD, LOOPBACK) as listening,
    ):
        viewer = TestViewer()
        try:
            offer = flood_offer(await local_offer(viewer.pc), loopback(listening))
            before = refused("loopback")
            session_id = await watch_with(client, show_id, viewer, offer)
            # The viewer connects all the same: the relay learns its address from
            # the viewer's own checks (peer-reflexive), never from the offer.
            await wait_for(
                lambda: viewer.first_keyframe_at() is not None, 20, "video for the viewer"
            )
            ice = server_ice(client, session_id)
            assert {c.type for c in ice.getRemoteCandidates()} == {"prflx"}
            assert not remote_addresses(ice) & addresses(listening)
            assert received(listening) == 0
            assert refused("loopback") == before + FLOOD
        finally:
            await viewer.close()


async def test_a_trickled_candidate_flood_sends_nothing(settings: Settings) -> None:
    async with (
        serve(settings) as client,
        live_show(client) as (show_id, _publisher),
        traps(FLOOD, LOOPBACK) as listening,
    ):
        viewer = TestViewer()
        try:
            offer = without_lines(
                await local_offer(viewer.pc), "a=candidate:", "a=end-of-candidates"
            )
            response = await client.post(f"/whep/{show_id}", data=offer, headers=SDP)
            assert response.status == 201, await response.text()
            location = response.headers["Location"]
            answer = await response.text()
            fragment = [
                *sdp_lines(offer, "a=ice-ufrag:")[:1],
                *sdp_lines(offer, "a=ice-pwd:")[:1],
                *sdp_lines(offer, "a=mid:")[:1],
                *loopback(listening),
                "a=end-of-candidates",
            ]
            patched = await client.patch(
                location, data="\r\n".join(fragment) + "\r\n", headers=TRICKLE
            )
            assert patched.status == 204, await patched.text()
            ice = server_ice(client, location.rsplit("/", 1)[1])
            assert ice.getRemoteCandidates() == []
            await viewer.pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
            await wait_for(
                lambda: viewer.first_keyframe_at() is not None, 20, "video for the viewer"
            )
            assert not remote_addresses(ice) & addresses(listening)
            assert received(listening) == 0
        finally:
            await viewer.close()


async def test_allowed_private_candidates_are_checked_but_only_a_few(settings: Settings) -> None:
    # The listeners can hear the relay: with private targets allowed (a LAN
    # deployment) the same flood reaches the first `max_remote_candidates` ports
    # and no more, each with the offer's own ufrag.
    async with (
        serve(settings, allow_private_candidates=True) as client,
        live_show(client) as (show_id, _publisher),
        traps(50, LOOPBACK) as listening,
    ):
        viewer = TestViewer()
        try:
            offer = flood_offer(await local_offer(viewer.pc), loopback(listening))
            ufrag = sdp_lines(offer, "a=ice-ufrag:")[0].split(":", 1)[1]
            before = refused("too_many")
            # Nobody answers this offer: the relay keeps checking what it accepted.
            response = await client.post(f"/whep/{show_id}", data=offer, headers=SDP)
            assert response.status == 201, await response.text()
            session_id = response.headers["Location"].rsplit("/", 1)[1]
            await wait_for(
                lambda: sum(1 for t in listening if t.stun_requests()) == LIMIT,
                20,
                f"connectivity checks on {LIMIT} ports",
            )
            ice = server_ice(client, session_id)
            checked = remote_addresses(ice)
            assert len(checked) == LIMIT
            assert addresses([t for t in listening if t.datagrams]) <= checked
            assert refused("too_many") == before + 50 - LIMIT
            for trap in listening:
                for message in trap.stun_requests():
                    assert message.attributes["USERNAME"].startswith(f"{ufrag}:")
        finally:
            await viewer.close()


def binding_request(server_ufrag: str, server_pwd: str, client_ufrag: str) -> bytes:
    """An authenticated ICE connectivity check, as a viewer's agent sends one."""
    request = stun.Message(message_method=stun.Method.BINDING, message_class=stun.Class.REQUEST)
    request.attributes["USERNAME"] = f"{server_ufrag}:{client_ufrag}"
    request.attributes["PRIORITY"] = 1853824767
    request.attributes["ICE-CONTROLLING"] = secrets.randbits(64)
    request.add_message_integrity(server_pwd.encode())
    request.add_fingerprint()
    return bytes(request)


async def test_addresses_learnt_from_checks_are_capped_too(settings: Settings) -> None:
    # Peer-reflexive addresses come from the client's own checks; a client that
    # sends them from many addresses still gets triggered checks on a few only.
    async with (
        serve(settings) as client,
        live_show(client) as (show_id, _publisher),
        traps(LIMIT + 5, LOOPBACK) as sockets,
    ):
        viewer = TestViewer()
        try:
            offer = without_lines(
                await local_offer(viewer.pc), "a=candidate:", "a=end-of-candidates"
            )
            response = await client.post(f"/whep/{show_id}", data=offer, headers=SDP)
            assert response.status == 201, await response.text()
            answer = await response.text()
            session_id = response.headers["Location"].rsplit("/", 1)[1]
            target = next(
                line.split() for line in sdp_lines(answer, "a=candidate:") if "." in line.split()[4]
            )
            server = (target[4], int(target[5]))
            server_ufrag = sdp_lines(answer, "a=ice-ufrag:")[0].split(":", 1)[1]
            server_pwd = sdp_lines(answer, "a=ice-pwd:")[0].split(":", 1)[1]
            client_ufrag = sdp_lines(offer, "a=ice-ufrag:")[0].split(":", 1)[1]
            for trap in sockets:
                assert trap.transport is not None
                check = binding_request(server_ufrag, server_pwd, client_ufrag)
                trap.transport.sendto(check, server)

            def answered() -> bool:
                return all(
                    any(
                        stun.parse_message(data).message_class == stun.Class.RESPONSE
                        for data, _addr in trap.datagrams
                    )
                    for trap in sockets
                )

            # Every check was answered, so the relay has seen them all.
            await wait_for(answered, 20, "an answer to every check")
            await wait_for(
                lambda: sum(1 for t in sockets if t.stun_requests()) >= LIMIT,
                20,
                "triggered checks",
            )
            ice = server_ice(client, session_id)
            assert len(ice.getRemoteCandidates()) == LIMIT
            assert sum(1 for t in sockets if t.stun_requests()) == LIMIT
        finally:
            await viewer.close()


async def test_ice_credentials_outside_rfc_8839_are_refused(settings: Settings) -> None:
    async with (
        serve(settings, allow_private_candidates=True) as client,
        live_show(client) as (show_id, _publisher),
        traps(3, LOOPBACK) as listening,
    ):
        viewer = TestViewer()
        try:
            offer = flood_offer(await local_offer(viewer.pc), loopback(listening))
            ufrag_line = sdp_lines(offer, "a=ice-ufrag:")[0]
            pwd_line = sdp_lines(offer, "a=ice-pwd:")[0]
            media = relay(client.app)
            bad = [
                offer.replace(ufrag_line, "a=ice-ufrag:SET x 1;\tPING"),
                offer.replace(ufrag_line, "a=ice-ufrag:" + "A" * 257),
                offer.replace(ufrag_line, "a=ice-ufrag:abc"),
                offer.replace(pwd_line, "a=ice-pwd:short"),
                offer.replace(pwd_line, "a=ice-pwd:" + "=" * 30),
            ]
            for text in bad:
                response = await client.post(f"/whep/{show_id}", data=text, headers=SDP)
                await assert_error(response, 400, "invalid_sdp")
            assert media.viewer_count(show_id) == 0
            assert received(listening) == 0
        finally:
            await viewer.close()


async def test_malformed_candidate_lines_are_refused(settings: Settings) -> None:
    async with serve(settings) as client, live_show(client) as (show_id, _publisher):
        viewer = TestViewer()
        try:
            offer = await local_offer(viewer.pc)
            for line in (
                "a=candidate:1 1 udp 2130706431 203.0.113.9 70000 typ host",
                "a=candidate:" + "f" * 33 + " 1 udp 2130706431 203.0.113.9 5000 typ host",
                "a=candidate:1 0 udp 2130706431 203.0.113.9 5000 typ host",
                "a=candidate:1 1 udp 99999999999 203.0.113.9 5000 typ host",
                "a=candidate:1 1 udp 2130706431 203.0.113.9 5000 type host",
                "a=candidate:1 1 udp 2130706431 203.0.113.9 5000 typ host raddr",
            ):
                response = await client.post(
                    f"/whep/{show_id}", data=flood_offer(offer, [line]), headers=SDP
                )
                await assert_error(response, 400, "invalid_sdp")
            assert relay(client.app).viewer_count(show_id) == 0
        finally:
            await viewer.close()


async def test_stream_key_is_irrelevant_to_publisher_candidates(settings: Settings) -> None:
    # Publishers (WHIP) get the same treatment: a stream key is no licence to aim the relay.
    async with serve(settings) as client, traps(20, LOOPBACK) as listening:
        show, key = await client.app[SERVICES].storage.shows.create("Flooding publisher")
        publisher = TestPublisher(keyframe_every=30, audio=False)
        try:
            offer = flood_offer(await publisher.offer(), loopback(listening))
            response = await client.post(
                f"/whip/{show.id}", data=offer, headers={**SDP, **bearer(key)}
            )
            assert response.status == 201, await response.text()
            answer = await response.text()
            await publisher.pc.setRemoteDescription(
                RTCSessionDescription(sdp=answer, type="answer")
            )
            await wait_for(
                lambda: relay(client.app).is_live(show.id), 20, "the publisher to connect"
            )
            assert received(listening) == 0
        finally:
            await publisher.close()
