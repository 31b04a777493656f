"""WHIP and WHEP through a running server's public port, as a browser signals."""

from __future__ import annotations

import asyncio
import time

import aiohttp
from aiortc import RTCSessionDescription

from tests.support.peers import TestPublisher
from tests.support.polling import poll
from tests.support.stage import Shop

SDP = {"Content-Type": "application/sdp"}


async def whip(http: aiohttp.ClientSession, base: str, shop: Shop, offer: str) -> tuple[int, str]:
    """POST a WHIP offer with the show's stream key; the status and the answer (or error)."""
    headers = {**SDP, "Authorization": f"Bearer {shop.stream_key}"}
    async with http.post(f"{base}/whip/{shop.show_id}", data=offer, headers=headers) as response:
        return response.status, await response.text()


async def publish(
    http: aiohttp.ClientSession, base: str, shop: Shop, publisher: TestPublisher, timeout: float
) -> None:
    """Publish, retrying while the server still holds the previous session (host.js does too)."""
    offer = await publisher.offer()
    deadline = time.monotonic() + timeout
    while True:
        status, body = await whip(http, base, shop, offer)
        if status == 201:
            break
        # 409 publisher_exists: the old session is not yet silent for
        # publisher_timeout_seconds; the creator's page retries after a backoff.
        if status != 409 or time.monotonic() > deadline:
            raise RuntimeError(f"WHIP {status}: {body[:300]}")
        await asyncio.sleep(0.5)  # the client's retry pace, not synchronisation
    await publisher.pc.setRemoteDescription(RTCSessionDescription(sdp=body, type="answer"))


async def whep_answer(
    http: aiohttp.ClientSession, base: str, show_id: str, offer: str, timeout: float
) -> str:
    """POST a WHEP offer; retry while the show is starting (409 until its tracks are known)."""
    answers: list[str] = []

    async def accepted() -> bool:
        async with http.post(f"{base}/whep/{show_id}", data=offer, headers=SDP) as response:
            text = await response.text()
            if response.status == 409:
                return False
            if response.status != 201:
                raise RuntimeError(f"WHEP {response.status}: {text[:300]}")
            answers.append(text)
            return True

    await poll(accepted, timeout, "WHEP to accept a viewer")
    return answers[0]
