"""Face geometry from one observation: metric scale from the iris, 6-DoF pose by Procrustes.

1. Scale: the iris is ~11.7 mm across, so ``mm_per_px = 11.7 / iris_px`` at the eyes' depth,
   with the iris span corrected for yaw/roll foreshortening by the pose (4).
2. Depth: a pinhole camera sees 1 px as ``depth / fx`` metres, so the eyes sit at
   ``depth = fx * mm_per_px / 1000``; every landmark's depth follows from MediaPipe's relative
   z (pixels on the x scale) times the same ``mm_per_px``.
3. Vertices: each landmark is back-projected along its pixel's ray to its depth, so the
   metric mesh projects exactly onto the tracked pixels (the renderer's occluder relies on it).
4. Pose: weighted Umeyama from the canonical face's rigid landmarks to these vertices.

The back-projected mesh is proportional to ``mm_per_px`` (every depth is), so its pose's
rotation does not depend on the scale, and its translation is proportional to it: the mesh is
back-projected and aligned once, at 1 m per pixel; that pose's rotation sets the scale, and
the mesh and the translation are scaled to it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tryon.tracking.camera import CameraIntrinsics
from tryon.tracking.canonical import CanonicalFace, load_canonical_face
from tryon.tracking.geometry import IRIS_DIAMETER_MM, FaceGeometry
from tryon.tracking.landmarks import IRIS_CENTERS, IRIS_HORIZONTAL, RIGID_LANDMARKS
from tryon.tracking.observation import NUM_LANDMARKS, FaceObservation
from tryon.tracking.procrustes import AlignmentSource

__all__ = ["backproject", "solve_geometry"]

_RIGID = np.array(RIGID_LANDMARKS, dtype=np.intp)
_IRIS_CENTERS = np.array(IRIS_CENTERS, dtype=np.intp)


@dataclass(frozen=True, slots=True)
class _Reference:
    """What the solver needs of a canonical face, worked out once per face."""

    face: CanonicalFace
    #: Its rigid landmarks, ready to be aligned to a frame's.
    rigid: AlignmentSource
    #: The unit horizontal chord of each iris, head frame.
    chords: tuple[tuple[float, ...], ...]

    @classmethod
    def of(cls, face: CanonicalFace) -> _Reference:
        chords = np.array([face.vertices[a] - face.vertices[b] for a, b in IRIS_HORIZONTAL])
        chords /= np.linalg.norm(chords, axis=1, keepdims=True)
        rigid = AlignmentSource.of(face.vertices[_RIGID])
        return cls(face, rigid, tuple(tuple(c) for c in chords.tolist()))


#: The reference of the canonical face used last (nearly always the shipped one).
_last_reference: _Reference | None = None


def _reference(face: CanonicalFace) -> _Reference:
    global _last_reference
    ref = _last_reference
    if ref is None or ref.face is not face:
        ref = _last_reference = _Reference.of(face)
    return ref


def backproject(
    landmarks: NDArray[np.floating[Any]], camera: CameraIntrinsics, mm_per_px: float
) -> NDArray[np.float64]:
    """``(478, 3)`` pixel landmarks to GL camera space (metres), eyes at the iris depth."""
    lm = np.asarray(landmarks, dtype=np.float64)
    m_per_px = mm_per_px / 1000.0
    eye_z = (lm[IRIS_CENTERS[0], 2] + lm[IRIS_CENTERS[1], 2]) / 2.0  # their mean
    depth = camera.fx * m_per_px + (lm[:, 2] - eye_z) * m_per_px
    out = np.empty_like(lm)
    out[:, 0] = (lm[:, 0] - camera.cx) * depth / camera.fx
    out[:, 1] = -(lm[:, 1] - camera.cy) * depth / camera.fy
    out[:, 2] = -depth
    return out


def solve_geometry(
    observation: FaceObservation,
    camera: CameraIntrinsics,
    *,
    canonical: CanonicalFace | None = None,
    iris_diameter_mm: float = IRIS_DIAMETER_MM,
) -> FaceGeometry:
    """Place ``observation`` in metric camera space (see the module docstring)."""
    if observation.image_size != (camera.width, camera.height):
        raise ValueError(
            f"camera is {camera.width}x{camera.height} but the face was tracked in a "
            f"{observation.image_size[0]}x{observation.image_size[1]} frame"
        )
    if observation.landmarks.shape != (NUM_LANDMARKS, 3):
        raise ValueError(f"expected (478, 3) landmarks, got {observation.landmarks.shape}")
    if not np.all(observation.iris_diameters_px > 0):
        raise ValueError(f"iris diameters must be positive, got {observation.iris_diameters_px}")
    ref = _reference(canonical or load_canonical_face())
    lm = observation.landmarks.astype(np.float64)
    unit = backproject(lm, camera, 1000.0)  # metres at 1 m per pixel
    pose = ref.rigid.align(unit[_RIGID])
    # The pose says how much each iris's horizontal chord is foreshortened as seen along its
    # own line of sight (MediaPipe gives an iris one depth), which sets the scale. Python
    # floats: numpy's overhead on these few numbers is most of the cost.
    rotation = pose.rotation.tolist()
    ratios = []
    for chord, (x, y), diameter in zip(
        ref.chords,
        lm[_IRIS_CENTERS, :2].tolist(),
        observation.iris_diameters_px.tolist(),
        strict=True,
    ):
        ray = ((x - camera.cx) / camera.fx, -(y - camera.cy) / camera.fy, -1.0)
        norm = math.sqrt(sum(c * c for c in ray))
        sight = [c / norm for c in ray]
        seen = [sum(r * c for r, c in zip(row, chord, strict=True)) for row in rotation]
        along = sum(a * b for a, b in zip(seen, sight, strict=True))
        across = [a - along * b for a, b in zip(seen, sight, strict=True)]
        ratios.append(max(math.sqrt(sum(c * c for c in across)), 0.5) / diameter)
    mm_per_px = iris_diameter_mm * ((ratios[0] + ratios[1]) / 2.0)  # times their mean
    m_per_px = mm_per_px / 1000.0
    return FaceGeometry(
        observation=observation,
        camera=camera,
        rotation=pose.rotation,
        translation=pose.translation * m_per_px,
        mm_per_px=mm_per_px,
        vertices=(unit * m_per_px).astype(np.float32),
    )
