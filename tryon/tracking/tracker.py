"""The tracker interface: options in, one `FaceObservation` per face out (MediaPipe Tasks style).

A backend turns an RGB frame and its timestamp into a `TrackerResult`. The MediaPipe
face-mesh backend lives in `tryon.tracking.mediapipe_tracker`; a Tasks-API backend
(blendshapes, user-supplied ``.task`` file) can be added beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from tryon.tracking.observation import FaceObservation

__all__ = ["FaceTracker", "TrackerOptions", "TrackerResult"]


@dataclass(frozen=True, slots=True)
class TrackerOptions:
    """How a tracker looks for faces."""

    #: Most faces reported per frame (largest first).
    max_faces: int = 1
    min_detection_confidence: float = 0.5
    min_tracking_confidence: float = 0.5
    #: When the full-frame mesh finds fewer than ``max_faces`` faces, look for small or far
    #: faces with the full-range detector (on overlapping tiles) and run the mesh on crops.
    find_small_faces: bool = True
    #: Frames between two full-range detection passes while faces are missing (the first
    #: frame always gets one). Faces found this way are then followed on crops every frame.
    detection_interval: int = 10
    #: Denoise dim frames before tracking (`tryon.tracking.low_light`): in low light darker
    #: skin is lost first without it.
    low_light_denoise: bool = True

    def __post_init__(self) -> None:
        if not 1 <= self.max_faces <= 16:
            raise ValueError(f"max_faces must be in [1, 16], got {self.max_faces!r}")
        for name in ("min_detection_confidence", "min_tracking_confidence"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], got {value!r}")
        if self.detection_interval < 1:
            raise ValueError(f"detection_interval must be >= 1, got {self.detection_interval!r}")


@dataclass(frozen=True, slots=True)
class TrackerResult:
    """The faces found in one frame, largest first (``FaceObservation.index`` is the rank)."""

    faces: tuple[FaceObservation, ...]
    timestamp_ms: int
    #: ``(width, height)`` of the frame.
    image_size: tuple[int, int]
    #: How many faces came from the small-face path (detector + crop) this frame.
    faces_from_crops: int = 0


class FaceTracker(Protocol):
    """Anything that finds faces in RGB frames with strictly increasing timestamps."""

    @property
    def options(self) -> TrackerOptions: ...

    def track(self, frame: NDArray[np.uint8], timestamp_ms: int) -> TrackerResult: ...

    def close(self) -> None: ...
