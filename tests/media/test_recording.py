"""Recording live broadcasts from the relay's encoded media: real peers, real SQLite, real files."""

from __future__ import annotations

import asyncio
import dataclasses
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import pytest
from aiortc import RTCRtpSender
from aiortc.codecs.h264 import h264_depayload

from livesale.composition.services import SERVICES
from livesale.config import MediaSettings, RecordingSettings, Settings
from livesale.domain.recordings import Container, Recording, RecordingStatus
from livesale.domain.shows import Show
from livesale.media.recording import Recordings
from livesale.media.recording_codecs import h264_nal_units
from livesale.media.service import MediaService
from livesale.storage.recordings import RecordingRepository
from livesale.storage.shows import ShowRepository
from livesale.storage.sqlite_database import SqliteDatabase as Database
from tests.media.test_metrics import sample
from tests.support.peers import VIDEO_RATE, EncodedH264Track, Signal, TestPublisher, TestViewer
from tests.support.polling import poll_until
from tests.support.services import relay
from tests.support.whip import publish_until_watchable, serve, watch

MiB = 1 << 20


@dataclass
class Studio:
    """A relay that records, its SQLite and a live show."""

    media: MediaService
    store: RecordingRepository
    shows: ShowRepository
    show: Show
    folder: Path

    def publish_signal(self) -> Signal:
        async def signal(offer: str) -> str:
            return (await self.media.publish(self.show.id, offer)).answer_sdp

        return signal

    def view_signal(self) -> Signal:
        async def signal(offer: str) -> str:
            return (await self.media.view(self.show.id, offer)).answer_sdp

        return signal

    async def parts(self) -> list[Recording]:
        return await self.store.for_show(self.show.id)

    async def settled_parts(self, count: int) -> list[Recording]:
        """Wait until the show has `count` parts, none of them still recording."""

        async def settled() -> bool:
            parts = await self.parts()
            return len(parts) == count and all(
                p.status is not RecordingStatus.RECORDING for p in parts
            )

        await poll_until(settled, 15, f"{count} finished part(s)")
        return await self.parts()


@dataclass
class Deployment:
    """What a studio is built from: the database and a recording configuration."""

    db: Database
    folder: Path

    async def studio(self, recording: RecordingSettings | None = None, **media: float) -> Studio:
        store = RecordingRepository(self.db)
        shows = ShowRepository(self.db)
        show, _key = await shows.create("Recorded live")
        show = await shows.mark_live(show.id)
        recordings = Recordings(recording or RecordingSettings(), self.folder, store, shows.get)
        settings = MediaSettings(**media)  # type: ignore[arg-type]
        return Studio(MediaService(settings, recordings), store, shows, show, self.folder)


@pytest.fixture
async def deployment(tmp_path: Path) -> AsyncIterator[Deployment]:
    db = await Database.connect(tmp_path / "recordings.sqlite3")
    yield Deployment(db, tmp_path / "recordings")
    await db.close()


@pytest.fixture
async def studio(deployment: Deployment) -> AsyncIterator[Studio]:
    studio = await deployment.studio()
    yield studio
    await studio.media.close()


async def publish_and_watch(studio: Studio, publisher: TestPublisher) -> TestViewer:
    """Publish, wait until viewers may join, and join one."""
    await publisher.connect(studio.publish_signal())
    await poll_until(
        lambda: (
            studio.media.is_live(studio.show.id)
            and bool((b := studio.media.broadcast(studio.show.id)) and b.tracks)
        ),
        10,
        "the publisher to be live",
    )
    viewer = TestViewer()
    await viewer.connect(studio.view_signal())
    return viewer


async def wait_until_relayed(publisher: TestPublisher, viewer: TestViewer, frames: int) -> None:
    """Every frame the publisher will send has passed the relay (the viewer got the last)."""
    assert publisher.audio is not None
    video, audio = publisher.video, publisher.audio

    def everything_arrived() -> bool:
        received = [data for _at, data in viewer.video_frames()]
        # Counted from the viewer's first frame: flat test pictures repeat P-frames byte
        # for byte, so "the last frame is in" could be true too early.
        return (
            len(video.sent) == frames
            and bool(received)
            and len(received) == frames - video.sent.index(received[0])
            and audio.max_frames is not None
            and len(audio.sent) == audio.max_frames
            and audio.sent[-1] in {p.payload for p in viewer.audio}
        )

    await poll_until(everything_arrived, 20, "the publisher's last frames to pass the relay")


def read_packets(path: Path, kind: str) -> list[av.Packet[Any]]:
    """Every packet of the file's stream of `kind`, read with av to the end."""
    with av.open(str(path)) as container:
        stream = next(s for s in container.streams if s.type == kind)
        return [p for p in container.demux(stream) if p.size]


def duration_seconds(path: Path) -> float:
    with av.open(str(path)) as container:
        assert container.duration is not None
        return float(container.duration) / av.time_base


async def test_a_broadcast_is_recorded_without_reencoding(studio: Studio) -> None:
    frames_before = sample("livesale_recording_frames_total", kind="video")
    bytes_before = sample("livesale_recording_bytes_total")
    seconds = 4.0
    # Frames stamped with their send time, so "the live" is the time they took.
    publisher = TestPublisher(keyframe_every=30, seconds=seconds, camera_clock=True)
    viewer = await publish_and_watch(studio, publisher)
    await wait_until_relayed(publisher, viewer, round(seconds * VIDEO_RATE))
    await studio.media.end_broadcast(studio.show.id)
    [part] = await studio.settled_parts(1)

    assert part.status is RecordingStatus.COMPLETE
    assert part.part == 1
    assert part.container is Container.WEBM
    path = studio.folder / part.file_name
    assert part.size_bytes == path.stat().st_size > 0
    video = read_packets(path, "video")
    sent = publisher.video.sent
    first = sent.index(bytes(video[0]))
    # The recording starts at a keyframe; the frames before it may be missing
    # (the relay binds the track after the first packets), none after it.
    assert sent[first][0] & 0x01 == 0
    assert video[0].is_keyframe
    assert first < 45
    assert [bytes(p) for p in video] == sent[first:], "the encoder's exact bytes, in order"
    assert sample("livesale_recording_frames_total", kind="video") - frames_before == len(video)
    assert sample("livesale_recording_bytes_total") > bytes_before

    # The file lasts as long as the live did, and its duration is in SQLite.
    live_seconds = publisher.video.sent_at[-1] - publisher.video.sent_at[first]
    recorded = duration_seconds(path)
    assert abs(recorded - live_seconds) <= 0.05 * live_seconds, (recorded, live_seconds)
    assert part.duration_ms is not None
    assert abs(part.duration_ms / 1000 - recorded) <= 0.05 * recorded
    assert 0 <= part.offset_ms < 60_000

    # Opus is there too, packet for packet, starting with the video (lined up in time).
    assert publisher.audio is not None
    audio = read_packets(path, "audio")
    sent_audio = publisher.audio.sent
    start = sent_audio.index(bytes(audio[0]))
    assert [bytes(p) for p in audio] == sent_audio[start : start + len(audio)]
    assert len(audio) >= 0.9 * live_seconds / 0.02
    assert audio[0].pts is not None
    assert audio[0].time_base is not None
    assert float(audio[0].pts * audio[0].time_base) < 0.1
    await viewer.close()
    await publisher.close()


async def test_a_reconnect_starts_part_two_later_in_the_show(deployment: Deployment) -> None:
    studio = await deployment.studio(publisher_timeout_seconds=1.0)
    try:
        first = TestPublisher(keyframe_every=30)
        viewer = await publish_and_watch(studio, first)
        await poll_until(lambda: len(viewer.video_frames()) >= 30, 10, "a second of video")
        # The creator's connection drops without a WHIP DELETE, and they come back.
        await first.close()
        await poll_until(lambda: not studio.media.is_live(studio.show.id), 10, "the drop")
        second = TestPublisher(keyframe_every=30)
        await second.connect(studio.publish_signal())
        await poll_until(
            lambda: sum(d in set(second.video.sent) for _at, d in viewer.video_frames()) >= 30,
            10,
            "a second of video from the second publisher",
        )
        await studio.media.end_broadcast(studio.show.id)
        one, two = await studio.settled_parts(2)
        assert (one.part, two.part) == (1, 2)
        assert one.status is two.status is RecordingStatus.COMPLETE
        assert one.duration_ms is not None
        assert two.duration_ms is not None
        assert two.offset_ms >= one.offset_ms + one.duration_ms
        for part in (one, two):
            packets = read_packets(studio.folder / part.file_name, "video")
            assert packets[0].is_keyframe
            assert len(packets) >= 25
        # Part 2 holds the second publisher's frames only.
        second_packets = read_packets(studio.folder / two.file_name, "video")
        start = second.video.sent.index(bytes(second_packets[0]))
        recorded = [bytes(p) for p in second_packets]
        assert recorded == second.video.sent[start : start + len(recorded)]
        await viewer.close()
        await second.close()
    finally:
        await studio.media.close()


async def test_a_show_with_recording_off_writes_nothing(studio: Studio) -> None:
    await studio.shows.update(studio.show.id, record=False)
    publisher = TestPublisher(keyframe_every=30)
    viewer = await publish_and_watch(studio, publisher)
    await poll_until(lambda: len(viewer.video_frames()) >= 45, 10, "1.5 s of video")
    await studio.media.end_broadcast(studio.show.id)
    # The relay is idle again: every part it would have started has had its chance.
    await studio.media.close()
    assert await studio.parts() == []
    assert not studio.folder.exists() or not any(studio.folder.iterdir())
    await viewer.close()
    await publisher.close()


async def test_a_deployment_with_recording_off_writes_nothing(settings: Settings) -> None:
    settings = dataclasses.replace(settings, recording=RecordingSettings(enabled=False))
    async with serve(settings) as client:
        show, key = await client.app[SERVICES].storage.shows.create("Not recorded")
        publisher = TestPublisher(keyframe_every=30)
        viewer = TestViewer()
        await publish_until_watchable(client, show.id, key, publisher)
        await watch(client, show.id, viewer)
        await poll_until(lambda: len(viewer.video_frames()) >= 45, 10, "1.5 s of video")
        assert (
            await RecordingRepository(client.app[SERVICES].storage.database).for_show(show.id) == []
        )
        await viewer.close()
        await publisher.close()
    assert not settings.recordings_dir.exists()


async def test_a_deployment_records_through_whip_and_serves_the_replay(settings: Settings) -> None:
    async with serve(settings) as client:
        show, key = await client.app[SERVICES].storage.shows.create("Recorded")
        publisher = TestPublisher(keyframe_every=30)
        viewer = TestViewer()
        await publish_until_watchable(client, show.id, key, publisher)
        await watch(client, show.id, viewer)
        await poll_until(lambda: len(viewer.video_frames()) >= 45, 10, "1.5 s of video")
        store = RecordingRepository(client.app[SERVICES].storage.database)
        response = await client.delete(f"/whip/{show.id}/{publisher_session(client, show.id)}")
        assert response.status == 200
        await poll_until(
            lambda: _complete(store, show.id), 15, "the part to be complete after WHIP DELETE"
        )
        [part] = await store.for_show(show.id)
        path = settings.recordings_dir / part.file_name
        assert path.stat().st_size == part.size_bytes

        # The show ends: what the recorder wrote is its replay, served in ranges.
        await client.app[SERVICES].live.lifecycle.end(show.id)
        replay = await client.get(f"/api/shows/{show.id}/replay")
        assert replay.status == 200, await replay.text()
        [listed] = (await replay.json())["parts"]
        assert (listed["id"], listed["content_type"]) == (part.id, "video/webm")
        assert part.duration_ms is not None
        assert listed["duration_ms"] == part.duration_ms > 1000
        whole = path.read_bytes()
        ranged = await client.get(listed["url"], headers={"Range": "bytes=100-1099"})
        assert ranged.status == 206
        assert await ranged.read() == whole[100:1100]
        assert ranged.headers["Content-Range"] == f"bytes 100-1099/{len(whole)}"
        await viewer.close()
        await publisher.close()


def publisher_session(client: object, show_id: str) -> str:
    media = relay(client.app)  # type: ignore[attr-defined]
    return str(media._publishers[show_id].id)


async def _complete(store: RecordingRepository, show_id: str) -> bool:
    parts = await store.for_show(show_id)
    return len(parts) == 1 and parts[0].status is RecordingStatus.COMPLETE


class Fifo:
    """A recordings "disk" that is a pipe: it takes 64 KiB, then blocks (or breaks) writes."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        os.mkfifo(path)
        # Opened for reading (never read) so the writer's open() succeeds.
        self.fd: int | None = os.open(path, os.O_RDONLY | os.O_NONBLOCK)

    def written(self) -> bool:
        """Whether the writer has opened the pipe and written to it (what it wrote is read)."""
        try:
            return bool(self.fd is not None and os.read(self.fd, 1 << 20))
        except BlockingIOError:
            return False

    def break_it(self) -> None:
        """The reader goes away: the writer's next write fails (EPIPE)."""
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def drain(self) -> None:
        """Read what is in the pipe once (unblocks a writer for a moment)."""
        if self.fd is not None:
            try:
                while os.read(self.fd, 65536):
                    pass
            except BlockingIOError:
                pass


@pytest.mark.parametrize(("disk", "reason"), [("stalled", "queue_full"), ("broken", "write_error")])
async def test_a_failing_disk_never_stalls_forwarding(
    deployment: Deployment, disk: str, reason: str
) -> None:
    studio = await deployment.studio(RecordingSettings(max_queue_bytes=MiB))
    failures = sample("livesale_recording_failures_total", reason=reason)
    # Part 1's file is a pipe nobody reads: the writer thread blocks in write().
    fifo = Fifo(studio.folder / f"{studio.show.id}-001.webm")
    try:
        # Noise (every frame unique, megabits a second): a blocked writer soon has 1 MiB queued.
        publisher = TestPublisher(keyframe_every=30, bit_rate=1_500_000, noise=True)
        viewer = await publish_and_watch(studio, publisher)
        await poll_until(lambda: _parts_exist(studio), 10, "the part to start")
        frames_at_start = len(viewer.video_frames())
        sent_at_start = len(publisher.video.sent)
        if disk == "broken":
            await poll_until(fifo.written, 10, "the writer to write its header")
            fifo.break_it()

        async def failed() -> bool:
            parts = await studio.parts()
            return bool(parts) and parts[0].status is RecordingStatus.FAILED

        await poll_until(failed, 20, f"the part to fail ({reason})")
        sent_while_failing = len(publisher.video.sent) - sent_at_start
        [part] = await studio.parts()
        assert part.error == reason
        assert sample("livesale_recording_failures_total", reason=reason) == failures + 1
        # Forwarding never waited for the disk: the viewer has what was sent a moment
        # ago, and every frame it has is the publisher's, in order.
        sent = publisher.video.sent
        latest = sent[len(sent) - 1]
        await poll_until(
            lambda: latest in {data for _at, data in viewer.video_frames()},
            5,
            "the viewer to get the frame sent as the part failed",
        )
        positions = [sent.index(data) for _at, data in viewer.video_frames()]
        assert positions == sorted(set(positions)), "the publisher's frames, in order, once"
        if disk == "stalled":
            # The writer was stuck while the queue filled (a second or more); video went on.
            assert sent_while_failing >= 20
            assert len(positions) - frames_at_start >= sent_while_failing / 2
        await viewer.close()
        await publisher.close()
    finally:
        fifo.drain()
        fifo.break_it()  # a writer still blocked gets EPIPE and ends
        await studio.media.close()


async def _parts_exist(studio: Studio) -> bool:
    return bool(await studio.parts())


async def test_a_full_disk_fails_the_part_and_the_show_goes_on(deployment: Deployment) -> None:
    # More free space wanted than any disk has: the writer stops at its first check.
    studio = await deployment.studio(RecordingSettings(min_free_bytes=1 << 62))
    failures = sample("livesale_recording_failures_total", reason="disk_full")
    try:
        publisher = TestPublisher(keyframe_every=30)
        viewer = await publish_and_watch(studio, publisher)
        [part] = await studio.settled_parts(1)
        assert (part.status, part.error) == (RecordingStatus.FAILED, "disk_full")
        assert sample("livesale_recording_failures_total", reason="disk_full") == failures + 1
        before = len(viewer.video_frames())
        await poll_until(lambda: len(viewer.video_frames()) >= before + 30, 5, "more video")
        await viewer.close()
        await publisher.close()
    finally:
        await studio.media.close()


def h264_only(transceiver: object) -> None:
    codecs = RTCRtpSender.getCapabilities("video").codecs
    transceiver.setCodecPreferences(  # type: ignore[attr-defined]
        [c for c in codecs if c.mimeType in ("video/H264", "video/rtx")]
    )


async def test_an_h264_broadcast_is_recorded_to_mp4_untouched(studio: Studio) -> None:
    frames = 90
    publisher = TestPublisher(seconds=frames / VIDEO_RATE)
    track = EncodedH264Track(keyframe_every=30, max_frames=frames)
    transceiver = publisher.pc.getTransceivers()[0]
    transceiver.sender.replaceTrack(track)
    h264_only(transceiver)
    viewer = await publish_and_watch(studio, publisher)
    broadcast = studio.media.broadcast(studio.show.id)
    assert broadcast is not None
    assert broadcast.codec_for("video") is not None
    assert broadcast.tracks["video"].codec.mime_type.lower() == "video/h264"

    def everything_arrived() -> bool:
        received = h264_frames(viewer)
        if len(track.sent) < frames or not received:
            return False
        sent = [list(h264_nal_units(data)) for data in track.sent]
        return len(received) == frames - sent.index(received[0])

    await poll_until(everything_arrived, 15, "three seconds of H.264 to pass the relay")
    await studio.media.end_broadcast(studio.show.id)
    [part] = await studio.settled_parts(1)
    assert part.status is RecordingStatus.COMPLETE
    assert part.container is Container.MP4
    path = studio.folder / part.file_name
    assert path.suffix == ".mp4"
    packets = read_packets(path, "video")
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.width, stream.codec_context.height) == (320, 240)
    recorded = [_avcc_units(bytes(p)) for p in packets]
    sent = [list(h264_nal_units(data)) for data in track.sent]
    first = sent.index(recorded[0])
    assert recorded == sent[first:], "the encoder's exact NAL units, in order"
    assert packets[0].is_keyframe
    await viewer.close()
    await publisher.close()


def h264_frames(viewer: TestViewer) -> list[list[bytes]]:
    """The NAL units of each complete H.264 frame the viewer received."""
    frames: list[list[bytes]] = []
    current: list[bytes] = []
    for packet in viewer.video:
        current.append(h264_depayload(packet.payload))
        if packet.marker:
            frames.append(list(h264_nal_units(b"".join(current))))
            current = []
    return frames


def _avcc_units(data: bytes) -> list[bytes]:
    """The NAL units of an MP4 sample (4-byte big-endian lengths)."""
    units = []
    offset = 0
    while offset < len(data):
        size = int.from_bytes(data[offset : offset + 4], "big")
        units.append(data[offset + 4 : offset + 4 + size])
        offset += 4 + size
    return units


async def test_shutdown_closes_the_part_before_returning(studio: Studio) -> None:
    publisher = TestPublisher(keyframe_every=30)
    viewer = await publish_and_watch(studio, publisher)
    await poll_until(lambda: len(viewer.video_frames()) >= 45, 10, "1.5 s of video")
    await poll_until(lambda: _parts_exist(studio), 10, "the part to start")
    closing = asyncio.get_running_loop().time()
    await studio.media.close()
    assert asyncio.get_running_loop().time() - closing < 5
    [part] = await studio.parts()
    assert part.status is RecordingStatus.COMPLETE
    assert part.duration_ms
    assert duration_seconds(studio.folder / part.file_name) > 1.0
    await viewer.close()
    await publisher.close()
