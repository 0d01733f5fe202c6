"""Tracking fixtures: the astronaut's face tracked once, and helpers to place it in frames."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from numpy.typing import NDArray

from tryon.tracking.mediapipe_tracker import MediaPipeFaceTracker
from tryon.tracking.observation import FaceObservation
from tryon.tracking.synthetic import similarity, warp
from tryon.tracking.tracker import TrackerOptions, TrackerResult

#: Roughly the centre of the astronaut's face in the 512x512 photo.
FACE_CENTER = (225.0, 125.0)

TrackFn = Callable[..., TrackerResult]
PlaceFn = Callable[..., tuple[NDArray[np.uint8], NDArray[np.float64]]]


def track_once(image: NDArray[np.uint8], **options: object) -> TrackerResult:
    """Track a single image with a fresh tracker (as a still photo is tracked)."""
    with MediaPipeFaceTracker(TrackerOptions(**options)) as tracker:  # type: ignore[arg-type]
        return tracker.track(image, 1)


@pytest.fixture(scope="session")
def track() -> TrackFn:
    return track_once


@pytest.fixture(scope="session")
def place(astronaut: NDArray[np.uint8]) -> PlaceFn:
    """``place(size=(640, 480), scale=1, angle_deg=0, shift=(0, 0))``: the astronaut's face
    centred in a frame of ``size`` under a known similarity; returns (frame, H)."""

    def _place(
        size: tuple[int, int] = (640, 480),
        scale: float = 1.0,
        angle_deg: float = 0.0,
        shift: tuple[float, float] = (0.0, 0.0),
    ) -> tuple[NDArray[np.uint8], NDArray[np.float64]]:
        cx, cy = FACE_CENTER
        h = similarity(
            scale,
            angle_deg,
            (size[0] / 2 - cx + shift[0], size[1] / 2 - cy + shift[1]),
            FACE_CENTER,
        )
        return warp(astronaut, h, size), h

    return _place


@pytest.fixture(scope="session")
def base_face(astronaut: NDArray[np.uint8]) -> FaceObservation:
    """The astronaut's face as tracked in the untouched photo (the reference landmarks)."""
    faces = track_once(astronaut).faces
    assert len(faces) == 1
    return faces[0]
