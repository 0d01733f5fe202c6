"""Face geometry: 6-DoF head pose and metric scale for one observed face."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from tryon.tracking.camera import CameraIntrinsics
from tryon.tracking.observation import FaceObservation

__all__ = ["IRIS_DIAMETER_MM", "FaceGeometry"]

#: Mean adult horizontal visible iris diameter.
IRIS_DIAMETER_MM = 11.7


@dataclass(frozen=True, slots=True)
class FaceGeometry:
    """A face placed in metric camera space.

    Camera space follows OpenGL: x right, y up, the camera looks down -Z (points in front of
    it have negative z). The head frame has its origin at the nose bridge (landmark 168),
    +X toward the person's left, +Y up, +Z out of the face; a frontal face looking at the
    camera has ``rotation`` close to identity.

    In the engine the pose (``rotation``, ``translation``) is One Euro filtered, while
    ``vertices`` stay the tracked mesh that projects onto the face in the image (what the
    occluder must hide); see `tryon.tracking.stabilizer`.
    """

    observation: FaceObservation
    camera: CameraIntrinsics
    #: ``(3, 3)`` rotation taking head-frame vectors to camera space.
    rotation: NDArray[np.float64]
    #: ``(3,)`` head-frame origin in camera space, metres.
    translation: NDArray[np.float64]
    #: Millimetres per pixel at the face's depth (from the iris).
    mm_per_px: float
    #: ``(478, 3)`` the tracked face mesh in camera space, metres.
    vertices: NDArray[np.float32]

    @property
    def model_matrix(self) -> NDArray[np.float32]:
        """``(4, 4)`` camera-from-head transform."""
        m = np.eye(4, dtype=np.float32)
        m[:3, :3] = self.rotation
        m[:3, 3] = self.translation
        return m
