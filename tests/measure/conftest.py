"""Measuring real photos with the project's tracker and geometry solver."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pytest
from numpy.typing import NDArray

from tests.measure.synthetic import similarity
from tryon.measure import MeasurementReport, MeasurementSession, MeasureOptions
from tryon.tracking.camera import CameraIntrinsics
from tryon.tracking.mediapipe_tracker import MediaPipeFaceTracker
from tryon.tracking.solve import solve_geometry
from tryon.tracking.tracker import TrackerOptions

Measure = Callable[..., MeasurementReport]


def measure_frames(
    frames: Sequence[NDArray[np.uint8]],
    options: MeasureOptions | None = None,
    frame_interval_ms: int = 100,
    session: MeasurementSession | None = None,
) -> MeasurementReport:
    """Track ``frames`` as one clip (``frame_interval_ms`` apart) and report (into
    ``session``, when given, to look at its measurers afterwards)."""
    session = session or MeasurementSession(options)
    with MediaPipeFaceTracker(TrackerOptions()) as tracker:
        for k, frame in enumerate(frames):
            result = tracker.track(frame, k * frame_interval_ms)
            h, w = frame.shape[:2]
            camera = CameraIntrinsics.from_fov(w, h)
            session.update([solve_geometry(o, camera) for o in result.faces], frame)
    return session.report()


@pytest.fixture(scope="session")
def webcam_face(astronaut: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """The astronaut photo at twice its size (1024 px): a face as a 720p webcam at arm's
    length sees it, an iris about 16 px across."""
    return similarity(astronaut, 2.0)
