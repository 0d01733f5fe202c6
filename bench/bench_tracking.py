"""Tracking benchmark: per-stage median / p95 ms and Engine.process fps on 300-frame sequences.

The astronaut photo (scikit-image) swaying gently (a few px, degrees and percent), placed in
640x480 and 1280x720 frames; "far" puts the face at ~45 px wide in 1280x720 so the small-face
path (full-range detector + crops) does the work. Frames are made before timing.

Usage: .venv/bin/python bench/bench_tracking.py [--frames 300]
"""

from __future__ import annotations

import argparse
import os
import time

import cv2
import numpy as np
from numpy.typing import NDArray
from skimage import data

from tryon.engine import Engine, EngineOptions
from tryon.tracking.synthetic import gentle_motion

FACE_CENTER = (225.0, 125.0)
STAGES = ("tracking", "stabilizing", "geometry", "total")
CASES = (  # name, frame size, face scale (1.0: ~93 px wide)
    ("640x480", (640, 480), 1.0),
    ("1280x720", (1280, 720), 1.5),
    ("1280x720 far", (1280, 720), 0.5),
)


def sequence(size: tuple[int, int], scale: float, frames: int) -> list[NDArray[np.uint8]]:
    photo = np.ascontiguousarray(data.astronaut())
    if scale != 1.0:
        photo = cv2.resize(photo, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    centre = (FACE_CENTER[0] * scale, FACE_CENTER[1] * scale)
    return [frame for frame, _ in gentle_motion(photo, size, frames, centre)]


def run(frames: list[NDArray[np.uint8]]) -> tuple[dict[str, NDArray[np.float64]], float, int]:
    """Per-stage times (ms), loop fps, frames with a face."""
    times: dict[str, list[float]] = {s: [] for s in STAGES}
    found = 0
    with Engine(EngineOptions()) as engine:
        engine.process(frames[0], timestamp_ms=0)  # warm-up: graph start-up is not per frame
        start = time.perf_counter()
        for i, frame in enumerate(frames):
            engine.process(frame, timestamp_ms=33 * (i + 1))
            result = engine.last_result
            assert result is not None
            found += bool(result.faces)
            for s in STAGES:
                times[s].append(result.timings_ms.get(s, 0.0))
        elapsed = time.perf_counter() - start
    return {s: np.array(v) for s, v in times.items()}, len(frames) / elapsed, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--frames", type=int, default=300)
    args = parser.parse_args()
    load = "/".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average (1/5/15 min) at start: {load} on {os.cpu_count()} cores")
    header = f"{'case':<14}" + "".join(f"{s + ' med/p95 ms':>26}" for s in STAGES)
    print(header + f"{'fps':>8}{'faces':>9}")
    print("-" * (len(header) + 17))
    for name, size, scale in CASES:
        times, fps, found = run(sequence(size, scale, args.frames))
        cells = "".join(
            f"{np.median(times[s]):>17.2f} / {np.percentile(times[s], 95):>6.2f}" for s in STAGES
        )
        print(f"{name:<14}{cells}{fps:>8.1f}{found:>5}/{args.frames}")
    print("\ntarget: tracking median <= 12 ms at 640x480")
    print("load average at end: " + "/".join(f"{x:.1f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
