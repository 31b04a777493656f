"""Real recordings for replay tests: a few seconds of VP8 and Opus muxed into WebM by PyAV."""

from __future__ import annotations

import math
from array import array
from fractions import Fraction
from pathlib import Path

import av

WIDTH, HEIGHT = 320, 240
FPS = 15
SAMPLE_RATE = 48_000
AUDIO_FRAME = 960  # 20 ms, Opus's usual frame


def _video_frame(index: int) -> av.VideoFrame:
    """Moving stripes whose colour changes every frame, so every frame differs."""
    frame = av.VideoFrame(WIDTH, HEIGHT, "rgb24")
    plane = frame.planes[0]
    shade = (index * 7) % 256
    colour = bytes([shade, 255 - shade, (index * 3) % 256]) * WIDTH
    black = bytes(3 * WIDTH)
    padding = bytes(plane.line_size - 3 * WIDTH)
    rows = [(colour if (y // 20 + index) % 2 else black) + padding for y in range(HEIGHT)]
    plane.update(b"".join(rows))
    frame.pts = index
    frame.time_base = Fraction(1, FPS)
    return frame.reformat(format="yuv420p")


def _audio_frame(first_sample: int) -> av.AudioFrame:
    """20 ms of a 440 Hz tone."""
    samples = array(
        "h",
        (
            round(3000 * math.sin(2 * math.pi * 440 * (first_sample + k) / SAMPLE_RATE))
            for k in range(AUDIO_FRAME)
        ),
    )
    frame = av.AudioFrame(format="s16", layout="mono", samples=AUDIO_FRAME)
    frame.planes[0].update(samples.tobytes())
    frame.sample_rate = SAMPLE_RATE
    frame.pts = first_sample
    frame.time_base = Fraction(1, SAMPLE_RATE)
    return frame


def write_webm(path: Path, seconds: int = 6) -> int:
    """Encode `seconds` of 320x240 VP8 video and Opus audio into `path`; returns its ms."""
    with av.open(str(path), "w", format="webm") as out:
        video = out.add_stream("libvpx", rate=FPS)
        video.width, video.height, video.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        video.bit_rate = 300_000
        audio = out.add_stream("libopus", rate=SAMPLE_RATE, layout="mono")
        sample = 0
        for index in range(FPS * seconds):
            for packet in video.encode(_video_frame(index)):
                out.mux(packet)
            # Audio up to the end of this video frame, so the file is interleaved.
            while sample < (index + 1) * SAMPLE_RATE // FPS:
                for packet in audio.encode(_audio_frame(sample)):
                    out.mux(packet)
                sample += AUDIO_FRAME
        for stream in (video, audio):
            for packet in stream.encode(None):
                out.mux(packet)
    with av.open(str(path)) as played:
        assert played.duration is not None
        return round(played.duration / 1000)  # av.time_base is microseconds
