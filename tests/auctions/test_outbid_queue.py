"""The outbid queue off the bid's path: a failing notice is logged and counted and the next is
still made; a full queue drops (counted); at shutdown what is queued is made within the drain
time, and what is not is counted as dropped and logged with its count."""

from __future__ import annotations

import asyncio
import logging

import pytest
from prometheus_client import REGISTRY

from livesale.shop.outbid_notices import Outbid, OutbidNotices
from tests.support.polling import poll_until


def _dropped(reason: str) -> float:
    value = REGISTRY.get_sample_value("livesale_outbid_notices_dropped_total", {"reason": reason})
    return value or 0.0


async def _title(product_id: str) -> str:
    return f"title of {product_id}"


def _outbid(viewer_id: str) -> Outbid:
    return Outbid(viewer_id, "show1", "au_1", "p1")


async def test_a_failing_notice_is_counted_and_the_next_is_made(
    caplog: pytest.LogCaptureFixture,
) -> None:
    notices = OutbidNotices(_title)
    made: list[tuple[str, str, str, str]] = []

    async def listener(viewer: str, show: str, auction: str, product: str) -> None:
        if viewer == "broken":
            raise OSError("the record is away")
        made.append((viewer, show, auction, product))

    notices.listener = listener
    errors = _dropped("error")
    notices.tell(_outbid("broken"))
    notices.tell(_outbid("mia"))
    await poll_until(lambda: len(made) == 1, 5, "the second notice")
    assert made == [("mia", "show1", "au_1", "title of p1")]
    assert _dropped("error") == errors + 1
    assert "outbid notice for auction au_1 failed" in caplog.text
    await notices.close()


async def test_nothing_is_queued_without_a_listener() -> None:
    notices = OutbidNotices(_title, limit=1)
    full = _dropped("full")
    for viewer in ("mia", "noor"):
        notices.tell(_outbid(viewer))
    assert _dropped("full") == full
    await notices.close()


async def test_a_full_queue_drops_and_shutdown_drains_then_counts_the_rest(
    caplog: pytest.LogCaptureFixture,
) -> None:
    notices = OutbidNotices(_title, limit=2, drain_seconds=0.3)
    release = asyncio.Event()
    made: list[str] = []

    async def listener(viewer: str, show: str, auction: str, product: str) -> None:
        await release.wait()  # a record that does not answer
        made.append(viewer)

    notices.listener = listener
    full, shutdown = _dropped("full"), _dropped("shutdown")
    for viewer in ("a", "b", "c", "d"):
        notices.tell(_outbid(viewer))  # the worker has not run yet: two fit
    assert _dropped("full") == full + 2
    caplog.set_level(logging.WARNING)
    await notices.close()
    # Neither queued notice could be made within the drain time: both counted, and logged.
    assert made == []
    assert _dropped("shutdown") == shutdown + 2
    assert "2 still queued at shutdown were dropped" in caplog.text


async def test_shutdown_makes_what_is_queued_within_the_drain_time() -> None:
    notices = OutbidNotices(_title, drain_seconds=5.0)
    made: list[str] = []

    async def listener(viewer: str, show: str, auction: str, product: str) -> None:
        made.append(viewer)

    notices.listener = listener
    shutdown = _dropped("shutdown")
    for viewer in ("a", "b", "c"):
        notices.tell(_outbid(viewer))
    await notices.close()  # at once: the worker has not taken any yet
    assert made == ["a", "b", "c"]
    assert _dropped("shutdown") == shutdown
