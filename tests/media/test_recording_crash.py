"""A media process killed mid-show leaves a playable recording, and its restart repairs it."""

from __future__ import annotations

import fcntl
import os
import signal
import sqlite3
import time
from pathlib import Path
from typing import Any

import aiohttp
import av
import pytest

from livesale.domain.recordings import RecordingStatus
from livesale.media.recording_repair import repair_cut_parts
from livesale.storage.sqlite_database import SqliteDatabase as Database
from tests.media.test_metrics import sample
from tests.media.test_recording import Deployment, h264_only, publish_and_watch
from tests.support.layout import SDP, Layout, create_show, running_layout, stop
from tests.support.peers import VIDEO_RATE, EncodedH264Track, TestPublisher
from tests.support.polling import poll_until
from tests.support.processes import alive

RESTART_TIMEOUT = 60.0


def part_row(layout: Layout, show_id: str) -> dict[str, Any] | None:
    """The show's first recording part, read straight from the SQLite file."""
    with sqlite3.connect(layout.data_dir / "livesale.sqlite3", timeout=5) as db:
        db.row_factory = sqlite3.Row
        row = db.execute(
            "SELECT * FROM recordings WHERE show_id = ? ORDER BY part LIMIT 1", (show_id,)
        ).fetchone()
    return None if row is None else dict(row)


def video_seconds(path: Path) -> tuple[int, float]:
    """Video packets readable (up to the first damaged one), and the last one's time."""
    count, last = 0, 0.0
    try:
        with av.open(str(path)) as container:
            for packet in container.demux(container.streams.video[0]):
                if packet.size and packet.pts is not None and packet.time_base is not None:
                    count += 1
                    last = max(last, float(packet.pts * packet.time_base))
    except av.error.FFmpegError:
        pass  # a file cut by a crash may end in the middle of a cluster
    return count, last


def read_to_the_end(path: Path) -> tuple[int, float, float]:
    """Video packets, last video time and the container's duration; any damage raises."""
    with av.open(str(path)) as container:
        assert container.duration is not None
        packets = [
            p for p in container.demux(container.streams.video[0]) if p.size and p.pts is not None
        ]
        last = max(float(p.pts * p.time_base) for p in packets if p.pts is not None and p.time_base)
        return len(packets), last, container.duration / av.time_base


async def test_a_killed_media_process_leaves_a_playable_part_that_restart_repairs(
    tmp_path: Path,
) -> None:
    async with running_layout(tmp_path) as layout, aiohttp.ClientSession() as http:
        show = await create_show(layout)
        publisher = TestPublisher(keyframe_every=30)

        async def publish(offer: str) -> str:
            headers = {**SDP, "Authorization": f"Bearer {show['stream_key']}"}
            async with http.post(show["whip_url"], data=offer, headers=headers) as response:
                assert response.status == 201, await response.text()
                return await response.text()

        try:
            await publisher.connect(publish)
            await poll_until(lambda: part_row(layout, show["id"]) is not None, 20, "a part")
            part = part_row(layout, show["id"])
            assert part is not None
            assert part["status"] == "recording"
            path = layout.data_dir / "recordings" / part["file_name"]
            # Clusters reach the file about every second while the show runs.
            await poll_until(
                lambda: path.exists() and video_seconds(path)[1] >= 4.0, 20, "4 s on disk"
            )
            # Kill mid-cluster, not just after one reached the disk: 0.6 s later in the show.
            _count, seen = video_seconds(path)
            started_at = float(part["started_at"])
            await poll_until(lambda: time.time() >= started_at + seen + 0.6, 5, "the kill moment")
            # Held open across the kill: the repair replaces the file, this keeps the cut one.
            with path.open("rb") as cut_file:
                media = layout.children()["media"][0]
                killed_at = time.time()
                os.kill(media, signal.SIGKILL)
                await poll_until(lambda: not alive(media), 10, "the media process to die")
                cut = tmp_path / "cut.webm"
                cut.write_bytes(cut_file.read())

            # What the killed process wrote plays up to within ~2 s of the kill.
            cut_packets, cut_last = video_seconds(cut)
            assert cut_packets >= 100
            recorded_until = started_at + cut_last
            assert killed_at - recorded_until < 2.0, (killed_at, recorded_until)

            # The supervisor starts a new media process; at start-up it repairs the part.
            def repaired() -> bool:
                row = part_row(layout, show["id"])
                return row is not None and row["status"] != "recording"

            await poll_until(repaired, RESTART_TIMEOUT, "the restarted media process's repair")
            part = part_row(layout, show["id"])
            assert part is not None, part
            assert part["status"] == "complete", part
            packets, last, duration = read_to_the_end(path)
            assert packets >= cut_packets
            assert last >= cut_last
            assert abs(duration - cut_last) < 1.0
            assert abs(part["duration_ms"] / 1000 - duration) < 0.1
            assert part["size_bytes"] == path.stat().st_size
            assert not path.with_name(path.name + ".repair").exists()
            async with http.get(f"{layout.base}/metrics") as response:
                metrics = await response.text()
            assert "livesale_recordings_repaired_total 1.0" in metrics.splitlines()
        finally:
            await publisher.close()
        await stop(layout)


@pytest.mark.parametrize("codec", ["VP8", "H264"])
async def test_parts_left_recording_are_repaired_failed_or_left_alone(
    tmp_path: Path, codec: str
) -> None:
    db = await Database.connect(tmp_path / "repair.sqlite3")
    studio = await Deployment(db, tmp_path / "recordings").studio()
    try:
        # A real part to cut: three seconds of the codec, recorded and closed.
        publisher = TestPublisher(keyframe_every=30)
        if codec == "H264":
            transceiver = publisher.pc.getTransceivers()[0]
            transceiver.sender.replaceTrack(EncodedH264Track(keyframe_every=30))
            h264_only(transceiver)
        viewer = await publish_and_watch(studio, publisher)
        await poll_until(lambda: len(viewer.video) >= 3 * VIDEO_RATE, 15, "3 s of video")
        await studio.media.end_broadcast(studio.show.id)
        [whole] = await studio.settled_parts(1)
        await viewer.close()
        await publisher.close()
        assert whole.status is RecordingStatus.COMPLETE
        assert whole.duration_ms
        data = (studio.folder / whole.file_name).read_bytes()

        # Parts a crash left `recording`: cut at 60 %, garbage, missing, still being written.
        before = time.time()
        store, show_id = studio.store, studio.show.id
        cut, garbage, missing, busy = [
            await store.start_part(show_id, whole.container, before - 60, 0) for _ in range(4)
        ]
        (studio.folder / cut.file_name).write_bytes(data[: len(data) * 6 // 10])
        (studio.folder / garbage.file_name).write_bytes(os.urandom(50_000))
        (studio.folder / busy.file_name).write_bytes(data)
        # And one this process has just started: not a crash's.
        mine = await store.start_part(show_id, whole.container, before + 1, 0)
        repaired = sample("livesale_recordings_repaired_total")
        with (studio.folder / busy.file_name).open("rb") as held:
            fcntl.flock(held, fcntl.LOCK_EX)  # as a live writer holds it
            assert await repair_cut_parts(store, studio.folder, before) == 1
        assert sample("livesale_recordings_repaired_total") == repaired + 1

        after = {p.id: p for p in await store.for_show(show_id)}
        fixed = after[cut.id]
        assert fixed.status is RecordingStatus.COMPLETE, fixed
        assert fixed.duration_ms is not None
        assert 0.3 * whole.duration_ms < fixed.duration_ms < 0.9 * whole.duration_ms
        path = studio.folder / fixed.file_name
        assert fixed.size_bytes == path.stat().st_size
        packets, _last, duration = read_to_the_end(path)
        assert packets >= 30
        assert abs(duration * 1000 - fixed.duration_ms) < 100
        assert (after[garbage.id].status, after[garbage.id].error) == (
            RecordingStatus.FAILED,
            "unreadable",
        )
        assert (after[missing.id].status, after[missing.id].error) == (
            RecordingStatus.FAILED,
            "missing",
        )
        assert after[busy.id].status is RecordingStatus.RECORDING
        assert after[mine.id].status is RecordingStatus.RECORDING
        assert not list(studio.folder.glob("*.repair"))
    finally:
        await studio.media.close()
        await db.close()
