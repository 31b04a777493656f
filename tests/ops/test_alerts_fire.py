"""A real Prometheus with alerts.yml sees each failure alert fire on the first failures.

One `livesale serve` with a shop process (prometheus-client's multiprocess mode: the
scrape is answered by the shop process, the relay and the recorder run in the media
process), scraped every second. Real failures, one of each kind: a recording part stops
as disk_full (recording.min_free_bytes above the disk's free space), viewers' WHEP
sessions never connect, and a buyer's card is declined at the Stripe stand-in, whose
payment_intent.payment_failed webhooks reach the shop.

The rules are alerts.yml with every `for:` set to 0 s, and nothing else changed (the test
checks that): `for:` is how long a firing condition must hold before anyone is paged (one
to ten minutes), which says nothing about whether the expression sees the first failure.
The expressions, their windows and their thresholds are those shipped. On a server whose
series are born at their first increment, none of these fires.
"""

from __future__ import annotations

import os
import re
import sys
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
from aiortc import RTCSessionDescription

from livesale.web.order_routes import WEBHOOK_PATH
from tests.ops.ops_helpers import ALERTS_YML
from tests.ops.prometheus_process import (
    STARTUP_SECONDS,
    announced,
    free_port,
    get_json,
    prometheus,
    running,
    scraped,
)
from tests.stripe_standin.server import StripeStandin
from tests.support.peers import TestPublisher, TestViewer
from tests.support.polling import poll_until

FIRING_SECONDS = 60.0
SDP = {"Content-Type": "application/sdp"}
# The viewer alert counts at least 5 failed sessions; the payment alert at least 5 failures.
VIEWER_FAILURES = 5
DECLINES = 5
FAILURE_ALERTS = {
    "LivesaleRecordingFailing",
    "LivesaleViewersFailingToConnect",
    "LivesalePaymentFailureRatioHigh",
}
_FOR = re.compile(r"^(\s+for:) \S+$", re.MULTILINE)


def _without_waiting(rules: str) -> str:
    """alerts.yml with every `for:` at 0 s."""
    return _FOR.sub(r"\1 0s", rules)


def test_the_rules_copy_changes_only_the_waiting() -> None:
    shipped = ALERTS_YML.read_text(encoding="utf-8")
    copied = _without_waiting(shipped)
    changed = [
        (old, new)
        for old, new in zip(shipped.splitlines(), copied.splitlines(), strict=True)
        if old != new
    ]
    assert changed, "alerts.yml waits nowhere"
    assert all(new.split() == ["for:", "0s"] and old.split()[0] == "for:" for old, new in changed)


class Shopper:
    """One cookie jar talking JSON to livesale with the same-origin header a browser sends."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.session = aiohttp.ClientSession(
            cookie_jar=aiohttp.CookieJar(unsafe=True), timeout=aiohttp.ClientTimeout(total=30)
        )

    async def expect(self, method: str, path: str, body: Any, status: int) -> Any:
        """A JSON call that must answer `status`; its JSON."""
        headers = {"Origin": self.base}
        async with self.session.request(
            method, self.base + path, json=body, headers=headers
        ) as response:
            answer = await response.json()
            assert response.status == status, (method, path, response.status, answer)
            return answer

    async def sdp(self, path: str, offer: str, headers: dict[str, str]) -> str | None:
        """POST an SDP offer (WHIP or WHEP); the answer (None while the show is not live)."""
        async with self.session.post(
            self.base + path, data=offer, headers={**SDP, **headers}
        ) as response:
            answer = await response.text()
            if response.status == 409 and "show_not_live" in answer:
                return None
            assert response.status == 201, (path, response.status, answer)
            return answer


async def _live_show(creator: Shopper) -> tuple[str, str, str]:
    """A creator's show selling one product: the show's id, its stream key, the variant's id."""
    email = f"creator-{uuid.uuid4().hex[:8]}@example.com"
    await creator.expect(
        "POST",
        "/api/auth/signup",
        {"email": email, "password": "correct horse battery", "display_name": "Creator"},
        201,
    )
    variant = {"sku": "ALERT-1", "name": "One size", "price_minor": 2500, "currency": "EUR",
               "stock": 10}  # fmt: skip
    product = await creator.expect(
        "POST", "/api/products", {"title": "Sneaker", "variants": [variant]}, 201
    )
    show = await creator.expect(
        "POST", "/api/shows", {"title": "Alerts", "product_ids": [product["product"]["id"]]}, 201
    )
    return show["show"]["id"], show["stream_key"], product["product"]["variants"][0]["id"]


async def _viewer_offer() -> str:
    """A WHEP offer of a viewer that hangs up at once: its sessions never connect."""
    viewer = TestViewer()
    try:
        await viewer.pc.setLocalDescription(await viewer.pc.createOffer())
        return str(viewer.pc.localDescription.sdp)
    finally:
        await viewer.close()


async def _whep(shopper: Shopper, show_id: str, offer: str) -> bool:
    """Start a viewer's WHEP session; False while the show cannot be watched yet."""
    return await shopper.sdp(f"/whep/{show_id}", offer, {}) is not None


async def _declined_payment_intent(buyer: Shopper, show_id: str, variant_id: str) -> str:
    """A guest's order paid through Stripe: its payment intent's id."""
    await buyer.expect("PUT", "/api/viewer", {"display_name": "Mia"}, 200)
    bought = await buyer.expect(
        "POST",
        f"/api/shows/{show_id}/buy",
        {"variant_id": variant_id, "quantity": 1, "request_id": uuid.uuid4().hex},
        201,
    )
    address = {"line1": "1 Market Street", "city": "Springfield", "postal_code": "12345",
               "country": "US"}  # fmt: skip
    placed = await buyer.expect(
        "POST",
        f"/api/checkouts/{bought['checkout']['id']}/order",
        {"email": "mia@example.com", "name": "Mia Buyer", "address": address},
        201,
    )
    payment_id: str = placed["payment"]["payment_id"]
    return payment_id


async def _alerts(session: aiohttp.ClientSession, api: str) -> dict[str, str]:
    """Each alert Prometheus holds now, by name: pending or firing."""
    data = await get_json(session, f"{api}/alerts")
    return {alert["labels"]["alertname"]: alert["state"] for alert in data["alerts"]}


async def _alerts_are(session: aiohttp.ClientSession, api: str, alerts: dict[str, str]) -> bool:
    return await _alerts(session, api) == alerts


async def test_each_failure_alert_fires_on_the_first_failures(tmp_path: Path) -> None:
    rules = tmp_path / "alerts.yml"
    rules.write_text(_without_waiting(ALERTS_YML.read_text(encoding="utf-8")), encoding="utf-8")
    port = free_port()
    async with StripeStandin() as standin:
        standin.webhook_url = f"http://127.0.0.1:{port}{WEBHOOK_PATH}"
        env = {
            **os.environ,
            "LIVESALE__SERVER__PORT": str(port),
            "LIVESALE__SERVER__DATA_DIR": str(tmp_path / "data"),
            "LIVESALE__SERVER__SHOP_PROCESSES": "1",
            "LIVESALE__AUTH__PASSWORD_TIME_COST": "1",
            "LIVESALE__AUTH__PASSWORD_MEMORY_KIB": "8",
            "LIVESALE__AUTH__PASSWORD_PARALLELISM": "1",
            # More free space than any disk has: the first part stops as disk_full.
            "LIVESALE__RECORDING__MIN_FREE_BYTES": str(1 << 62),
            # The test's peers are on loopback; a viewer that never connects fails in 2 s.
            "LIVESALE__MEDIA__ALLOW_PRIVATE_CANDIDATES": "true",
            "LIVESALE__MEDIA__SESSION_SETUP_TIMEOUT_SECONDS": "2",
            "LIVESALE__MEDIA__PUBLISHER_TIMEOUT_SECONDS": "600",
            "LIVESALE__PAYMENTS__GATEWAY": "stripe",
            "LIVESALE__PAYMENTS__STRIPE_API_BASE": standin.url,
            "LIVESALE__PAYMENTS__STRIPE_SECRET_KEY": standin.api_key,
            "LIVESALE__PAYMENTS__STRIPE_WEBHOOK_SECRET": standin.webhook_secret,
        }
        env.pop("CI", None)
        async with (
            running(
                sys.executable, "-m", "livesale", "serve",
                env=env, cwd=tmp_path, log=tmp_path / "livesale.log",
            ) as livesale,
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session,
        ):  # fmt: skip
            await announced(livesale, port)
            async with prometheus(tmp_path, port, rules, session) as api:
                await _fail_once_each(session, api, standin, f"http://127.0.0.1:{port}")


async def _fail_once_each(
    session: aiohttp.ClientSession, api: str, standin: StripeStandin, base: str
) -> None:
    """Check the failure series are at 0, fail once each way, wait for the alerts to fire."""
    await _quiet_start(session, api)
    creator, buyer = Shopper(base), Shopper(base)
    # Three seconds of media, then quiet with the connection up (the show stays live).
    publisher = TestPublisher(keyframe_every=30, seconds=3)
    try:
        show_id, key, variant_id = await _live_show(creator)
        answer = await creator.sdp(
            f"/whip/{show_id}", await publisher.offer(), {"Authorization": f"Bearer {key}"}
        )
        assert answer is not None
        await publisher.pc.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
        # Viewers whose sessions fail: the first gets in once the publisher's media arrives
        # (and with it the recording's first part, which stops as disk_full), the others
        # right after.
        offer = await _viewer_offer()
        await poll_until(lambda: _whep(buyer, show_id, offer), STARTUP_SECONDS, "a WHEP session")
        for _ in range(VIEWER_FAILURES - 1):
            assert await _whep(buyer, show_id, offer)
        payment_id = await _declined_payment_intent(buyer, show_id, variant_id)
        for _ in range(DECLINES):  # the buyer tries five cards, each declined
            await standin.fail(payment_id)

        async def all_fired() -> bool:
            alerts = await _alerts(session, api)
            return all(alerts.get(name) == "firing" for name in FAILURE_ALERTS)

        await poll_until(all_fired, FIRING_SECONDS, f"{sorted(FAILURE_ALERTS)} to fire")
        # Nothing else: the show has its publisher, the stores answer.
        assert set(await _alerts(session, api)) == FAILURE_ALERTS
    finally:
        await publisher.close()
        await creator.session.close()
        await buyer.session.close()


def _at_zero(
    session: aiohttp.ClientSession, api: str, series: str
) -> Callable[[], Awaitable[bool]]:
    """Whether Prometheus holds `series` at 0 now."""
    return lambda: scraped(session, api, series, "0")


async def _quiet_start(session: aiohttp.ClientSession, api: str) -> None:
    """Wait until Prometheus holds each failure series at 0 and no alert."""
    # Before any failure, Prometheus holds each failure series at 0: the media
    # process's through the shop process's scrape, and the shop's own.
    for series in (
        'livesale_recording_failures_total{reason="disk_full"}',
        'livesale_media_session_failures_total{role="viewer",reason="timeout"}',
        'livesale_media_sessions_started_total{role="viewer"}',
        'livesale_shop_payment_events_total{kind="failed",result="applied"}',
        'livesale_shop_payment_events_total{kind="succeeded",result="applied"}',
    ):
        await poll_until(_at_zero(session, api, series), STARTUP_SECONDS, series)
    # Each process reports Redis at 0 until its start-up check, which the shipped `for: 1m`
    # rides out; the copy's 0 s does not, so wait for it before failing anything.
    await poll_until(
        lambda: scraped(session, api, "min(livesale_redis_up)", "1"),
        STARTUP_SECONDS,
        "Redis up in every process",
    )
    await poll_until(
        lambda: _alerts_are(session, api, {}), STARTUP_SECONDS, "no alert before failing"
    )
