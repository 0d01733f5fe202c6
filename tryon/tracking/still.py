"""Faces in one still image: a fresh tracker, one frame, metric geometry."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from tryon.frames import validate_frame
from tryon.tracking.camera import DEFAULT_HFOV_DEG, CameraIntrinsics
from tryon.tracking.geometry import FaceGeometry
from tryon.tracking.mediapipe_tracker import MediaPipeFaceTracker
from tryon.tracking.solve import solve_geometry
from tryon.tracking.tracker import TrackerOptions

__all__ = ["faces_in_still"]


def faces_in_still(
    image: NDArray[np.uint8], *, max_faces: int = 1, hfov_deg: float = DEFAULT_HFOV_DEG
) -> tuple[FaceGeometry, ...]:
    """The faces of one RGB image (largest first), unsmoothed, with a camera of ``hfov_deg``;
    empty when there is none. For photos, scripts and fixtures; streams use the `Engine`."""
    image = validate_frame(image)
    camera = CameraIntrinsics.from_fov(image.shape[1], image.shape[0], hfov_deg)
    with MediaPipeFaceTracker(TrackerOptions(max_faces=max_faces)) as tracker:
        result = tracker.track(image, 0)
    return tuple(solve_geometry(face, camera) for face in result.faces)
