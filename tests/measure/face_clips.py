"""Labelled faces followed over a short still video: a photo repeated with sensor noise (and
darkened, for low light), each tracked face matched to its label by its centre. Used by the
face-set tests and by ``bench/bench_faces.py``."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from tryon.measure.frame_fit import FrameSize
from tryon.measure.measurements import FaceMeasurer, MeasureOptions
from tryon.measure.report import FaceReport
from tryon.tracking.camera import CameraIntrinsics
from tryon.tracking.mediapipe_tracker import MediaPipeFaceTracker
from tryon.tracking.observation import FaceObservation
from tryon.tracking.solve import solve_geometry
from tryon.tracking.tracker import TrackerOptions

__all__ = ["FRAME_MS", "measure_observations", "noisy_frames", "track_labelled"]

#: Time between the frames of a still video, milliseconds.
FRAME_MS = 100


def noisy_frames(
    rgb: NDArray[np.uint8], count: int, gain: float = 1.0, sigma: float = 4.0, seed: int = 0
) -> list[NDArray[np.uint8]]:
    """``count`` copies of ``rgb`` times ``gain`` with Gaussian noise of ``sigma`` (of 255)."""
    rng = np.random.default_rng(seed)
    base = rgb.astype(np.float32) * gain
    return [
        np.clip(base + rng.normal(0.0, sigma, rgb.shape), 0, 255).astype(np.uint8)
        for _ in range(count)
    ]


def track_labelled(
    frames: Sequence[NDArray[np.uint8]],
    centres: Sequence[tuple[float, float]],
    options: TrackerOptions,
) -> dict[int, list[FaceObservation]]:
    """Label index -> its face's observations over ``frames`` (a face counts for the label
    whose centre lies within half the face's width of its own)."""
    out: dict[int, list[FaceObservation]] = defaultdict(list)
    with MediaPipeFaceTracker(options) as tracker:
        for k, frame in enumerate(frames):
            for obs in tracker.track(frame, k * FRAME_MS).faces:
                x0, y0, x1, y1 = obs.bbox
                centre = ((x0 + x1) / 2, (y0 + y1) / 2)
                distances = [math.dist(centre, c) for c in centres]
                best = int(np.argmin(distances))
                if distances[best] <= (x1 - x0) / 2:
                    out[best].append(obs)
    return dict(out)


def measure_observations(
    observations: Sequence[FaceObservation],
    sizes: Sequence[tuple[str, FrameSize]] = (),
    options: MeasureOptions | None = None,
) -> FaceReport:
    """One face's report over its observations (a camera of the default field of view)."""
    measurer = FaceMeasurer(options)
    for obs in observations:
        camera = CameraIntrinsics.from_fov(*obs.image_size)
        measurer.add(solve_geometry(obs, camera))
    return measurer.report(sizes)
