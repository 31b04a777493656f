"""Where a recording part starts, and where each of its frames falls in the file.

A part starts at video's first usable keyframe (audio's first frame when it
has no video). Each track keeps its own RTP clock (90 kHz video, 48 kHz audio),
so frames are spaced as the publisher stamped them. What ties the tracks
together is arrival: over the first `START_WINDOW_SECONDS` of a track, the
frame that arrived with the least delay maps its RTP clock onto the relay's
clock. (The first frame alone would do on a quiet network, but a publisher's
first frames often arrive in a burst, late, and would shift that track.)
Audio that came in before video's first keyframe is kept a little while, so
the file's sound starts with its picture.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from livesale.media.depayload import Frame

START_WINDOW_SECONDS = 0.5
PRE_ROLL_SECONDS = 1.0
CLOCK_RATES = {"video": 90_000, "audio": 48_000}


class TrackClock:
    """One track's RTP clock mapped onto the file's timeline."""

    def __init__(self, rate: int) -> None:
        self.rate = rate
        self.origin: int | None = None  # file time (in 1/rate) = origin + RTP timestamp
        self.last_pts = -1
        self.last_step = 0

    def anchor(self, frames: Sequence[Frame], zero: float) -> None:
        """Map the clock where the least delayed of `frames` arrived (`zero`: the file's start)."""
        base = min(f.arrival - f.timestamp / self.rate for f in frames)
        self.origin = round((base - zero) * self.rate)

    def pts(self, frame: Frame) -> int | None:
        """The frame's time in the file, always moving forward; None before the file starts."""
        assert self.origin is not None
        pts = self.origin + frame.timestamp
        if pts < 0:
            return None
        pts = max(pts, self.last_pts + 1)
        if self.last_pts >= 0:
            self.last_step = pts - self.last_pts
        self.last_pts = pts
        return pts

    def end_ms(self) -> int:
        """Where the track's last frame ends (one frame step after it starts)."""
        if self.last_pts < 0:
            return 0
        return (self.last_pts + self.last_step) * 1000 // self.rate


class PartTimeline:
    """Admits a part's frames, fixes its time zero, and gives each frame its time."""

    def __init__(self, kinds: Sequence[str], can_start: Callable[[int, Frame], bool]) -> None:
        self.kinds = tuple(kinds)
        self._start_index = self.kinds.index("video" if "video" in self.kinds else "audio")
        self._can_start = can_start
        self.clocks = [TrackClock(CLOCK_RATES[kind]) for kind in self.kinds]
        self._pending: list[tuple[int, Frame]] = []
        self.start_frame: Frame | None = None
        self.zero: float | None = None  # monotonic time of the file's first instant
        self.dropped_bytes = 0  # frames that never make it into the file

    def admit(self, index: int, frame: Frame) -> None:
        """Take a frame in arrival order; video before its first usable keyframe is dropped."""
        if self.start_frame is None and index == self._start_index:
            if not self._can_start(index, frame):
                self.dropped_bytes += frame.size
                return
            self.start_frame = frame
        self._pending.append((index, frame))

    def fix(self, now: float, final: bool) -> bool:
        """Fix time zero once the start has been watched long enough; True when it just was."""
        if self.zero is not None:
            return False
        if self.start_frame is None:
            self._trim_pre_roll(now)
            return False
        if not final and now < self.start_frame.arrival + START_WINDOW_SECONDS:
            return False
        start = self.start_frame
        clock = self.clocks[self._start_index]
        frames = self._frames_of(self._start_index, self._pending)
        base = min(f.arrival - f.timestamp / clock.rate for f in frames)
        self.zero = base + start.timestamp / clock.rate
        for index in {i for i, _frame in self._pending}:
            self.clocks[index].anchor(self._frames_of(index, self._pending), self.zero)
        return True

    def take(self) -> list[tuple[int, Frame, int]]:
        """The frames waiting, each with its time in its track's units (zero is fixed)."""
        assert self.zero is not None
        pending, self._pending = self._pending, []
        for index in {i for i, _frame in pending}:
            if self.clocks[index].origin is None:
                # A track that began after the start: mapped on its first frames.
                self.clocks[index].anchor(self._frames_of(index, pending), self.zero)
        timed = []
        for index, frame in pending:
            pts = self.clocks[index].pts(frame)
            if pts is None:
                self.dropped_bytes += frame.size
            else:
                timed.append((index, frame, pts))
        return timed

    def duration_ms(self) -> int:
        """The file's length so far."""
        return max(clock.end_ms() for clock in self.clocks)

    def _trim_pre_roll(self, now: float) -> None:
        """Waiting for video's first keyframe: keep only the last moment of audio."""
        oldest = now - PRE_ROLL_SECONDS
        kept = [(i, f) for i, f in self._pending if f.arrival >= oldest]
        self.dropped_bytes += sum(f.size for _i, f in self._pending) - sum(f.size for _i, f in kept)
        self._pending = kept

    @staticmethod
    def _frames_of(index: int, frames: list[tuple[int, Frame]]) -> list[Frame]:
        return [frame for i, frame in frames if i == index]
