"""A measuring shopper (run as a script, e.g. inside a network namespace): streams the
astronaut to the server at argv[1], prints ``measuring`` after ``--warmup`` seconds, then
after ``--seconds`` one JSON line: frames back, fps, and the frames' round-trip latency.

Latency is read off the frames themselves: the left margin (grey in the astronaut track)
carries the frame number as 12 black or white blocks, which survive the video codec and the
engine (it draws on faces only). A frame's latency is its arrival time minus the time the
track handed that frame number to the encoder.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from typing import Any

import numpy as np
from av import VideoFrame
from numpy.typing import NDArray
from peer import AstronautTrack, connect
from skimage import data

BITS = 12
BLOCK_ROWS = 40  # 12 blocks of 40 rows fill the 480-row margin
MARGIN = slice(6, 50)  # columns left of the photo (which starts at x >= 58)


class StampedTrack(AstronautTrack):
    """The astronaut track with the frame number in the margin; remembers when each left."""

    def __init__(self, photo: NDArray[np.uint8]) -> None:
        super().__init__(photo)
        self.sent_at: dict[int, float] = {}

    def frame_at(self, n: int) -> NDArray[np.uint8]:
        canvas = super().frame_at(n)
        number = n % (1 << BITS)
        for bit in range(BITS):
            rows = slice(bit * BLOCK_ROWS + 4, (bit + 1) * BLOCK_ROWS - 4)
            canvas[rows, MARGIN] = 255 if number >> bit & 1 else 0
        self.sent_at[number] = time.monotonic()
        return canvas


def read_number(frame: VideoFrame) -> int | None:
    """The frame number in the margin, or None when a block is neither black nor white."""
    gray = frame.to_ndarray(format="gray")
    number = 0
    for bit in range(BITS):
        top = bit * BLOCK_ROWS + 12
        level = float(gray[top : top + 16, 16:40].mean())
        if 60 < level < 190:
            return None
        number |= (level >= 190) << bit
    return number


class FrameClock:
    """Stands in for ``Peer.frames``: keeps each frame's latency, not the frame."""

    def __init__(self, track: StampedTrack) -> None:
        self._track = track
        self.count = 0
        self.latencies_s: list[float] = []
        self.unreadable = 0

    def __len__(self) -> int:
        return self.count

    def append(self, frame: VideoFrame) -> None:
        now = time.monotonic()
        self.count += 1
        number = read_number(frame)
        sent = None if number is None else self._track.sent_at.get(number)
        if sent is None or not 0 <= now - sent < 30:
            self.unreadable += 1
        else:
            self.latencies_s.append(now - sent)


async def measure(url: str, seconds: float, warmup: float) -> dict[str, Any]:
    track = StampedTrack(data.astronaut())
    clock = FrameClock(track)
    started = time.monotonic()
    peer = await connect(url, track)
    peer.frames = clock  # type: ignore[assignment]
    await peer.wait_frames(1, timeout=60)
    connected_s = time.monotonic() - started
    await asyncio.sleep(warmup)
    print("measuring", flush=True)
    count, latencies = clock.count, len(clock.latencies_s)
    await asyncio.sleep(seconds)
    frames = clock.count - count
    window = np.array(clock.latencies_s[latencies:]) * 1000
    await peer.close()
    latency = None
    if window.size:
        p50, p95, top = np.percentile(window, [50, 95, 100]).round(1).tolist()
        latency = {"p50": p50, "p95": p95, "max": top}
    return {
        "connect_s": round(connected_s, 2),
        "frames": frames,
        "fps": round(frames / seconds, 1),
        "latency_ms": latency,
        "timed": int(window.size),
        "unreadable": clock.unreadable,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(measure(args.url, args.seconds, args.warmup))), flush=True)


if __name__ == "__main__":
    main()
