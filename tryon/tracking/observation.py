"""What the tracker sees in one frame: one `FaceObservation` per face."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["NUM_LANDMARKS", "FaceObservation"]

#: MediaPipe face mesh with refined iris landmarks.
NUM_LANDMARKS = 478


@dataclass(frozen=True, slots=True)
class FaceObservation:
    """One tracked face in one frame, in the pixel coordinates of the full frame.

    ``landmarks`` is ``(478, 3)`` float32: x and y in pixels (origin top-left, y down),
    z in pixels on the same scale as x (MediaPipe's relative depth times the frame width;
    smaller is nearer the camera). Eye order everywhere is (person's right, person's left),
    which is (image left, image right) for an unmirrored camera.
    """

    landmarks: NDArray[np.float32]
    #: ``(2, 2)`` iris centres in pixels, (right eye, left eye).
    iris_centers: NDArray[np.float32]
    #: ``(2,)`` horizontal iris spans in pixels (eyelids clip the vertical one).
    iris_diameters_px: NDArray[np.float32]
    #: Face presence score in [0, 1].
    presence: float
    #: ``(x0, y0, x1, y1)`` in pixels.
    bbox: tuple[float, float, float, float]
    #: ``(width, height)`` of the frame the face was found in.
    image_size: tuple[int, int]
    #: Monotonic timestamp of the frame, milliseconds.
    timestamp_ms: int
    #: Index of the face in this frame's result, ordered by face size (largest first).
    index: int = 0
    #: The face's identity across frames (`tryon.tracking.identity`); 0 before one is given.
    face_id: int = 0
