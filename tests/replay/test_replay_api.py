"""The replay API: parts and chapters, the video files with ranges, deleting, retention."""

from __future__ import annotations

import dataclasses

from aiohttp.test_utils import TestServer

from livesale import keys
from livesale.app import create_app
from livesale.config import Settings
from livesale.domain.pins import TimelineKind
from livesale.domain.recordings import RecordingStatus
from livesale.live.replays import ReplayService
from livesale.storage.recordings import RecordingRepository
from livesale.storage.shows import ShowRepository
from livesale.storage.timeline import TimelineRepository
from tests.support.clients import Client, assert_error, origin
from tests.support.polling import poll_until
from tests.support.replay import PIN_AT_MS, UNPIN_AT_MS, flash_sale, record_part, replay_show
from tests.support.world import create_show, open_live_shop

DAY = 86_400.0


async def test_the_replay_lists_playable_parts_and_product_chapters(
    alice: Client, anonymous: Client
) -> None:
    replay = await replay_show(alice, sale=flash_sale(seconds=2), end=False)
    app = alice.app
    # A second, failed part still plays what it wrote; a third never finished.
    failed, _ = await record_part(app, replay.show_id, 7_000, 2, RecordingStatus.FAILED)
    await record_part(app, replay.show_id, 9_500, 1, RecordingStatus.RECORDING)
    await app[keys.LIFECYCLE].end(replay.show_id)

    response = await anonymous.get(f"/api/shows/{replay.show_id}/replay")
    assert response.status == 200, await response.text()
    body = await response.json()

    assert body["show"]["id"] == replay.show_id
    assert body["show"]["status"] == "ended"
    assert body["show"]["replay_flash_sales"] is False
    first = replay.part
    assert first.duration_ms is not None
    assert failed.duration_ms is not None
    assert body["parts"] == [
        {
            "id": first.id,
            "part": 1,
            "status": "complete",
            "url": f"/replays/{first.id}",
            "content_type": "video/webm",
            "offset_ms": 0,
            "duration_ms": first.duration_ms,
            "size_bytes": replay.path.stat().st_size,
        },
        {
            "id": failed.id,
            "part": 2,
            "status": "failed",
            "url": f"/replays/{failed.id}",
            "content_type": "video/webm",
            "offset_ms": 7_000,
            "duration_ms": failed.duration_ms,
            "size_bytes": failed.size_bytes,
        },
    ]
    assert 5_900 <= first.duration_ms <= 6_100
    assert body["duration_ms"] == first.duration_ms + failed.duration_ms
    [chapter] = body["chapters"]
    assert chapter["pin_id"] == replay.pin_id
    assert (chapter["offset_ms"], chapter["until_ms"]) == (PIN_AT_MS, UNPIN_AT_MS)
    assert chapter["product"]["id"] == replay.product["id"]
    assert chapter["product"]["variants"][0]["price_minor"] == 2_500
    # The live sale ran 2 s from the pin: the replay knows where it stopped.
    assert chapter["flash_sale"]["sale_price_minor"] == 1_500
    assert chapter["flash_sale"]["until_ms"] == PIN_AT_MS + 2_000


async def test_a_pin_never_unpinned_lasts_until_the_show_ended(alice: Client) -> None:
    shop = await open_live_shop(alice)
    live = await alice.app[keys.SHOWS].get(shop.show_id)
    assert live.live_at is not None
    ended_at = live.live_at + 10
    timeline = TimelineRepository(alice.app[keys.DATABASE])
    pin = await timeline.append(shop.show_id, TimelineKind.PIN, 1_000, shop.product["id"])
    await record_part(alice.app, shop.show_id)
    # Ended without the lifecycle (as a crash may leave it): no unpin closes the pin.
    await ShowRepository(alice.app[keys.DATABASE], clock=lambda: ended_at).mark_ended(shop.show_id)

    body = await (await alice.get(f"/api/shows/{shop.show_id}/replay")).json()

    [chapter] = body["chapters"]
    assert chapter["pin_id"] == pin.id
    assert (chapter["offset_ms"], chapter["until_ms"]) == (1_000, 10_000)
    assert chapter["flash_sale"] is None


async def test_the_file_answers_ranges_and_head(alice: Client, anonymous: Client) -> None:
    replay = await replay_show(alice)
    data = replay.path.read_bytes()
    url = f"/replays/{replay.part.id}"

    whole = await anonymous.get(url)
    assert whole.status == 200
    assert await whole.read() == data
    assert whole.headers["Content-Type"] == "video/webm"
    assert whole.headers["Accept-Ranges"] == "bytes"
    assert whole.headers["Cache-Control"] == "public, max-age=3600"
    assert whole.headers["X-Content-Type-Options"] == "nosniff"

    sliced = await anonymous.get(url, headers={"Range": "bytes=100-1099"})
    assert sliced.status == 206
    assert sliced.headers["Content-Range"] == f"bytes 100-1099/{len(data)}"
    assert sliced.headers["Content-Type"] == "video/webm"
    assert await sliced.read() == data[100:1100]

    tail = await anonymous.get(url, headers={"Range": "bytes=-500"})
    assert tail.status == 206
    assert await tail.read() == data[-500:]

    # If-Range: a slice of the file the client has, else the whole (changed) file.
    same = {"Range": "bytes=0-9", "If-Range": whole.headers["Last-Modified"]}
    resumed = await anonymous.get(url, headers=same)
    assert resumed.status == 206
    assert await resumed.read() == data[:10]
    older = {"Range": "bytes=0-9", "If-Range": "Sat, 01 Jan 2000 00:00:00 GMT"}
    stale = await anonymous.get(url, headers=older)
    assert stale.status == 200
    assert await stale.read() == data

    head = await anonymous.head(url)
    assert head.status == 200
    assert int(head.headers["Content-Length"]) == len(data)
    assert head.headers["Content-Type"] == "video/webm"
    assert await head.read() == b""

    await assert_error(await anonymous.get("/replays/rec_nothing"), 404, "replay_not_found")


async def test_there_is_no_replay_before_the_show_ends_or_without_a_recording(
    alice: Client, anonymous: Client
) -> None:
    scheduled = (await create_show(alice))["show"]["id"]
    await assert_error(
        await anonymous.get(f"/api/shows/{scheduled}/replay"), 404, "replay_not_found"
    )

    live = await replay_show(alice, end=False)
    await assert_error(
        await anonymous.get(f"/api/shows/{live.show_id}/replay"), 404, "replay_not_found"
    )
    # Its part is complete, but nobody plays it while the show goes on.
    await assert_error(await anonymous.get(f"/replays/{live.part.id}"), 404, "replay_not_found")

    unrecorded = await open_live_shop(alice)
    await alice.app[keys.LIFECYCLE].end(unrecorded.show_id)
    await assert_error(
        await anonymous.get(f"/api/shows/{unrecorded.show_id}/replay"), 404, "replay_not_found"
    )
    await assert_error(await anonymous.get("/api/shows/nosuchshow00/replay"), 404, "show_not_found")


async def test_only_the_owner_deletes_an_ended_show_s_replay(
    alice: Client, bob: Client, anonymous: Client
) -> None:
    live = await replay_show(alice, end=False)
    await assert_error(
        await alice.delete(f"/api/shows/{live.show_id}/replay", headers=origin(alice)),
        409,
        "show_not_ended",
    )
    await alice.app[keys.LIFECYCLE].end(live.show_id)
    path = f"/api/shows/{live.show_id}/replay"
    await assert_error(
        await anonymous.delete(path, headers=origin(anonymous)), 401, "not_signed_in"
    )
    await assert_error(await bob.delete(path, headers=origin(bob)), 403, "not_owner")
    assert live.path.is_file()
    assert (await anonymous.get(path)).status == 200

    deleted = await alice.delete(path, headers=origin(alice))
    assert deleted.status == 204, await deleted.text()

    assert not live.path.exists()
    part = await RecordingRepository(alice.app[keys.DATABASE]).get(live.part.id)
    assert part is not None
    assert part.status is RecordingStatus.DELETED
    await assert_error(await anonymous.get(path), 404, "replay_not_found")
    await assert_error(await anonymous.get(f"/replays/{live.part.id}"), 404, "replay_not_found")
    # Again: nothing left to delete, still fine.
    assert (await alice.delete(path, headers=origin(alice))).status == 204


async def test_a_part_whose_file_is_missing_is_not_served(alice: Client, anonymous: Client) -> None:
    replay = await replay_show(alice)
    replay.path.unlink()
    await assert_error(await anonymous.get(f"/replays/{replay.part.id}"), 404, "replay_not_found")


async def _ended_at(alice: Client, show_id: str, ended_at: float) -> None:
    """Go live and end the show at chosen moments (a repository on a fixed clock)."""
    shows = ShowRepository(alice.app[keys.DATABASE], clock=lambda: ended_at)
    await shows.mark_live(show_id)
    await shows.mark_ended(show_id)


async def test_retention_deletes_only_the_parts_of_shows_ended_long_enough_ago(
    alice: Client, settings: Settings
) -> None:
    now = 1_900_000_000.0
    app = alice.app
    old_show = (await create_show(alice))["show"]["id"]
    await _ended_at(alice, old_show, now - 3 * DAY)
    old, old_path = await record_part(app, old_show)
    recent_show = (await create_show(alice))["show"]["id"]
    await _ended_at(alice, recent_show, now - DAY / 2)
    recent, recent_path = await record_part(app, recent_show)
    recordings = RecordingRepository(app[keys.DATABASE])

    # The default keeps every replay.
    assert await app[keys.REPLAYS].apply_retention(now) == 0
    assert old_path.is_file()

    retention = ReplayService(
        settings.recordings_dir,
        1.0,
        app[keys.SHOWS],
        recordings,
        TimelineRepository(app[keys.DATABASE]),
        app[keys.PRODUCTS],
    )
    assert await retention.apply_retention(now) == 1
    assert not old_path.exists()
    assert recent_path.is_file()
    gone, kept = await recordings.get(old.id), await recordings.get(recent.id)
    assert gone is not None
    assert gone.status is RecordingStatus.DELETED
    assert kept is not None
    assert kept.status is RecordingStatus.COMPLETE
    # A second pass finds nothing more to do.
    assert await retention.apply_retention(now) == 0


async def test_a_shop_process_applies_retention_when_it_starts(
    alice: Client, settings: Settings
) -> None:
    show_id = (await create_show(alice))["show"]["id"]
    await _ended_at(alice, show_id, 1_000_000_000.0)  # in 2001
    part, path = await record_part(alice.app, show_id)
    keeping = dataclasses.replace(settings.recording, retention_days=30.0)

    other = TestServer(create_app(dataclasses.replace(settings, recording=keeping)))
    async with other:
        recordings = RecordingRepository(other.app[keys.DATABASE])

        async def deleted() -> bool:
            found = await recordings.get(part.id)
            return found is not None and found.status is RecordingStatus.DELETED

        await poll_until(deleted, 10, "retention to delete the old part")
    assert not path.exists()
