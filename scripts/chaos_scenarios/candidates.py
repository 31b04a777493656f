"""The candidate flood: WHEP offers and trickle PATCHes aiming the relay's ICE checks at us.

16. Attackers send WHEP offers with hundreds of `a=candidate` lines naming
   UDP ports this scenario listens on (on loopback, on this machine's own
   addresses, on 0.0.0.0), then PATCH hundreds more, and never connect; real
   viewers send the same flood in their own offers and must still connect
   (the relay learns their address from their own checks); offers whose ICE
   ufrag carries bytes outside RFC 8839 are refused. The listening ports
   must receive nothing. A second server with `media.allow_private_candidates`
   on is the control: there the same flood does reach the ports, at most
   `media.max_remote_candidates` of them per session.
"""

from __future__ import annotations

import asyncio
import ipaddress
import secrets
import string
from collections import Counter

import aiohttp
import ifaddr
from aiortc import RTCSessionDescription

from tests.support.ice_flood import (
    Trap,
    candidate_lines,
    flood_offer,
    received,
    traps,
)
from tests.support.peers import TestPublisher, TestViewer
from tests.support.signalling import publish, whep_answer

from .endurance import metric
from .harness import Outcome, Run, Scenario, Shop, open_shop, poll, stage

SDP = {"Content-Type": "application/sdp"}
TRICKLE = {"Content-Type": "application/trickle-ice-sdpfrag"}
CANDIDATES_PER_REQUEST = 200  # as in the finding: 200 lines in one offer
CONNECT_TIMEOUT = 60.0
DEFAULT_LIMIT = 10  # media.max_remote_candidates' default, which the stages keep
REFUSALS = ("loopback", "own_address", "unspecified", "too_many")
ICE_CHARS = string.ascii_letters + string.digits + "+/"


def local_targets() -> list[str]:
    """Addresses that reach this machine: loopback, 0.0.0.0 and every interface's own."""
    targets = ["127.0.0.1", "127.0.0.2", "::1", "::ffff:127.0.0.1", "0.0.0.0"]
    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            text = ip.ip if isinstance(ip.ip, str) else ip.ip[0]
            address = ipaddress.ip_address(text)
            if not (address.is_loopback or address.is_link_local) and text not in targets:
                targets.append(text)
    return targets


def sdp_value(sdp: str, prefix: str) -> str:
    """The value of the first line starting with `prefix`."""
    return next(line for line in sdp.split("\r\n") if line.startswith(prefix))[len(prefix) :]


def with_credentials(offer: str, ufrag: str, pwd: str) -> str:
    """`offer` with every ICE ufrag and password replaced."""
    lines = []
    for line in offer.split("\r\n"):
        if line.startswith("a=ice-ufrag:"):
            line = f"a=ice-ufrag:{ufrag}"
        elif line.startswith("a=ice-pwd:"):
            line = f"a=ice-pwd:{pwd}"
        lines.append(line)
    return "\r\n".join(lines)


def _aims(found: list[Trap], targets: list[str], run: Run) -> list[tuple[str, int]]:
    """CANDIDATES_PER_REQUEST (address, port) pairs over every trap and target, shuffled."""
    everything = [(host, trap.port) for trap in found for host in targets]
    return [run.random.choice(everything) for _ in range(CANDIDATES_PER_REQUEST)]


async def _recvonly_offer() -> str:
    """A real aiortc viewer's offer (audio and video, gathered)."""
    viewer = TestViewer()
    try:
        await viewer.pc.setLocalDescription(await viewer.pc.createOffer())
        return str(viewer.pc.localDescription.sdp)
    finally:
        await viewer.close()


async def _go_live(http: aiohttp.ClientSession, base: str, shop: Shop) -> TestPublisher:
    """A real publisher on the shop's show, once viewers can join."""
    publisher = TestPublisher(keyframe_every=30, audio=False)
    await publish(http, base, shop, publisher, CONNECT_TIMEOUT)
    await poll(
        lambda: publisher.pc.connectionState == "connected", CONNECT_TIMEOUT, "the publisher"
    )
    return publisher


async def _attack(
    http: aiohttp.ClientSession,
    base: str,
    show_id: str,
    offer: str,
    aims: tuple[list[tuple[str, int]], list[tuple[str, int]]],
    outcome: Outcome,
) -> bool:
    """One attacker: a flooded offer it never answers, then a flooded PATCH; whether accepted."""
    ufrag = "".join(secrets.choice(ICE_CHARS) for _ in range(16))
    pwd = "".join(secrets.choice(ICE_CHARS) for _ in range(32))
    flooded = flood_offer(with_credentials(offer, ufrag, pwd), candidate_lines(aims[0]))
    async with http.post(f"{base}/whep/{show_id}", data=flooded, headers=SDP) as response:
        text = await response.text()
        if response.status != 201:
            outcome.fail(f"a flooded WHEP offer got {response.status}: {text[:200]}")
            return False
        location = response.headers["Location"]
    fragment = [
        f"a=ice-ufrag:{ufrag}",
        f"a=ice-pwd:{pwd}",
        "a=mid:0",
        *candidate_lines(aims[1], first=CANDIDATES_PER_REQUEST),
        "a=end-of-candidates",
    ]
    body = "\r\n".join(fragment) + "\r\n"
    async with http.patch(f"{base}{location}", data=body, headers=TRICKLE) as response:
        if response.status != 204:
            outcome.fail(f"a flooded PATCH got {response.status}: {await response.text()}")
    return True


async def _bad_ufrag(
    http: aiohttp.ClientSession, base: str, show_id: str, offer: str, outcome: Outcome
) -> bool:
    """An offer whose ufrag would put chosen bytes into the relay's packets; whether refused."""
    payload = "GET / HTTP/1.1\\r\\nHost: x"  # what a flood aimed at some text protocol carries
    bad = with_credentials(offer, payload, "".join(secrets.choice(ICE_CHARS) for _ in range(24)))
    async with http.post(f"{base}/whep/{show_id}", data=bad, headers=SDP) as response:
        text = await response.text()
        if response.status == 400 and '"invalid_sdp"' in text:
            return True
        outcome.fail(f"an offer with ufrag {payload!r} got {response.status}: {text[:200]}")
        return False


async def _real_viewer(
    http: aiohttp.ClientSession, base: str, show_id: str, aims: list[tuple[str, int]]
) -> bool:
    """A real viewer whose offer carries the flood instead of its candidates; whether it plays."""
    viewer = TestViewer()
    try:
        await viewer.pc.setLocalDescription(await viewer.pc.createOffer())
        offer = flood_offer(str(viewer.pc.localDescription.sdp), candidate_lines(aims))
        answer = await whep_answer(http, base, show_id, offer, CONNECT_TIMEOUT)
        await viewer.pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
        await poll(
            lambda: viewer.first_keyframe_at() is not None, CONNECT_TIMEOUT, "a viewer's video"
        )
        return True
    except (TimeoutError, RuntimeError):
        return False
    finally:
        await viewer.close()


async def _refusals(http: aiohttp.ClientSession, base: str) -> Counter[str]:
    name = "livesale_media_ice_candidates_refused_total"
    return Counter(
        {reason: int(await metric(http, base, name, reason=reason)) for reason in REFUSALS}
    )


async def _never_connected(http: aiohttp.ClientSession, base: str) -> float:
    name = "livesale_media_sessions_ended_total"
    return await metric(http, base, name, role="viewer", outcome="never_connected")


async def _flood(run: Run, outcome: Outcome) -> str:
    """The default server: attackers, bad ufrags and real viewers; the traps must hear nothing."""
    attackers, viewers, bad = run.size(60, 6), run.size(20, 3), run.size(20, 2)
    targets = local_targets()
    setup = "5" if run.quick else "15"
    async with (
        stage(media__session_setup_timeout_seconds=setup) as running,
        traps(run.size(40, 10)) as listening,
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as http,
    ):
        shop = await open_shop(running.base, 10)
        publisher = await _go_live(http, running.base, shop)
        try:
            offer = await _recvonly_offer()
            before = await _never_connected(http, running.base)
            accepted = await asyncio.gather(
                *(
                    _attack(
                        http,
                        running.base,
                        shop.show_id,
                        offer,
                        (_aims(listening, targets, run), _aims(listening, targets, run)),
                        outcome,
                    )
                    for _ in range(attackers)
                )
            )
            refused_ufrags = await asyncio.gather(
                *(_bad_ufrag(http, running.base, shop.show_id, offer, outcome) for _ in range(bad))
            )
            playing = await asyncio.gather(
                *(
                    _real_viewer(http, running.base, shop.show_id, _aims(listening, targets, run))
                    for _ in range(viewers)
                )
            )
            outcome.iterations += attackers + bad + viewers
            # The attackers' sessions live until the setup timeout closes them: only then
            # has the relay had every chance to send its checks.
            started = sum(accepted)

            async def all_closed() -> bool:
                return await _never_connected(http, running.base) >= before + started

            await poll(all_closed, float(setup) + 60, "the attackers' sessions to time out")
            refusals = await _refusals(http, running.base)
        finally:
            await publisher.close()
            await shop.creator.close()
        packets = received(listening)
        if packets:
            outcome.fail(f"{packets} packets reached addresses no viewer used")
        if sum(playing) != viewers:
            outcome.fail(f"only {sum(playing)} of {viewers} real viewers got video")
        lines = 2 * attackers * CANDIDATES_PER_REQUEST + viewers * CANDIDATES_PER_REQUEST
        refused_text = ", ".join(f"{reason} {count:,}" for reason, count in refusals.items())
        return (
            f"{attackers} offers + {attackers} PATCHes + {viewers} viewers' offers: {lines:,} "
            f"candidates at {len(listening)} ports x {len(targets)} local addresses: "
            f"{packets} packets to them; refused {refused_text}; "
            f"{sum(playing)}/{viewers} real viewers played via their own checks; "
            f"{sum(refused_ufrags)}/{bad} non-RFC ufrags 400"
        )


async def _control(run: Run, outcome: Outcome) -> str:
    """The same flood with private targets allowed: the traps hear it, on a few ports only."""
    targets = local_targets()
    setup = "5" if run.quick else "15"
    async with (
        stage(
            media__allow_private_candidates="true", media__session_setup_timeout_seconds=setup
        ) as running,
        traps(run.size(40, 20)) as listening,
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as http,
    ):
        shop = await open_shop(running.base, 10)
        publisher = await _go_live(http, running.base, shop)
        try:
            # Only addresses the LAN setting allows, each port once: every line a new target.
            # (An IPv4-mapped address cannot be sent to from the relay's IPv6 sockets.)
            allowed = [t for t in targets if t != "0.0.0.0" and not t.startswith("::ffff:")]
            aims = [(allowed[i % len(allowed)], trap.port) for i, trap in enumerate(listening)]
            flooded = flood_offer(await _recvonly_offer(), candidate_lines(aims))
            before = await _never_connected(http, running.base)
            async with http.post(
                f"{running.base}/whep/{shop.show_id}", data=flooded, headers=SDP
            ) as response:
                if response.status != 201:
                    outcome.fail(f"the control offer got {response.status}")
                    return "control offer refused"
            outcome.iterations += 1

            def reached() -> int:
                return sum(1 for trap in listening if trap.stun_requests())

            async def closed() -> bool:
                return await _never_connected(http, running.base) > before

            # Nobody answers: the session checks what it accepted until its setup timeout.
            await poll(closed, float(setup) + 60, "the control session to time out")
            # Every accepted target hears checks, and no other: the cap, exactly.
            if reached() != DEFAULT_LIMIT:
                outcome.fail(f"one session checked {reached()} ports; the cap is {DEFAULT_LIMIT}")
            return (
                f"LAN control (private targets allowed): one offer naming {len(listening)} "
                f"ports reached {reached()}"
            )
        finally:
            await publisher.close()
            await shop.creator.close()


async def candidate_flood(run: Run) -> Outcome:
    """Scenario 16: the relay sends nothing to addresses a viewer names but does not use."""
    outcome = Outcome(0, 0, "-")
    flood = await _flood(run, outcome)
    control = await _control(run, outcome)
    outcome.figure = f"{flood}. {control}"
    return outcome


SCENARIOS = [
    Scenario(
        16,
        "ICE candidate flood",
        "0 packets to candidates a viewer names but does not use; real viewers still connect",
        candidate_flood,
        300.0,
    ),
]
