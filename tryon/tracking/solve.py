"""Face geometry from one observation: metric scale from the iris, 6-DoF pose by Procrustes.

1. Scale: the iris is ~11.7 mm across, so ``mm_per_px = 11.7 / iris_px`` at the eyes' depth,
   with the iris span corrected for yaw/roll foreshortening by a first pose estimate.
2. Depth: a pinhole camera sees 1 px as ``depth / fx`` metres, so the eyes sit at
   ``depth = fx * mm_per_px / 1000``; every landmark's depth follows from MediaPipe's relative
   z (pixels on the x scale) times the same ``mm_per_px``.
3. Vertices: each landmark is back-projected along its pixel's ray to its depth, so the
   metric mesh projects exactly onto the tracked pixels (the renderer's occluder relies on it).
4. Pose: weighted Umeyama from the canonical face's rigid landmarks to these vertices.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from tryon.tracking.camera import CameraIntrinsics
from tryon.tracking.canonical import CanonicalFace, load_canonical_face
from tryon.tracking.geometry import IRIS_DIAMETER_MM, FaceGeometry
from tryon.tracking.landmarks import IRIS_CENTERS, IRIS_HORIZONTAL, RIGID_LANDMARKS
from tryon.tracking.observation import NUM_LANDMARKS, FaceObservation
from tryon.tracking.procrustes import weighted_umeyama

__all__ = ["backproject", "solve_geometry"]

_RIGID = list(RIGID_LANDMARKS)


def backproject(
    landmarks: NDArray[np.floating[Any]], camera: CameraIntrinsics, mm_per_px: float
) -> NDArray[np.float64]:
    """``(478, 3)`` pixel landmarks to GL camera space (metres), eyes at the iris depth."""
    lm = np.asarray(landmarks, dtype=np.float64)
    m_per_px = mm_per_px / 1000.0
    eye_z = lm[list(IRIS_CENTERS), 2].mean()
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
    face = canonical or load_canonical_face()
    ref = face.vertices[_RIGID]
    lm = observation.landmarks.astype(np.float64)
    # First pose on the orthographic shape (pixels, GL axes), then once more on the metric
    # mesh: the pose says how much each iris's horizontal chord is foreshortened as seen along
    # its own line of sight (MediaPipe gives an iris one depth), which sets the scale.
    chords = np.array([face.vertices[a] - face.vertices[b] for a, b in IRIS_HORIZONTAL])
    chords /= np.linalg.norm(chords, axis=1, keepdims=True)
    centres = lm[list(IRIS_CENTERS), :2]
    rays = np.column_stack(
        [
            (centres[:, 0] - camera.cx) / camera.fx,
            -(centres[:, 1] - camera.cy) / camera.fy,
            -np.ones(2),
        ]
    )
    rays /= np.linalg.norm(rays, axis=1, keepdims=True)
    diameters = np.asarray(observation.iris_diameters_px, dtype=np.float64)
    pose = weighted_umeyama(ref, lm[_RIGID] * np.array([1.0, -1.0, -1.0]))
    for _ in range(2):
        seen = chords @ pose.rotation.T
        seen -= np.einsum("ij,ij->i", seen, rays)[:, None] * rays
        foreshortening = np.maximum(np.linalg.norm(seen, axis=1), 0.5)
        mm_per_px = float(iris_diameter_mm * np.mean(foreshortening / diameters))
        vertices = backproject(lm, camera, mm_per_px)
        pose = weighted_umeyama(ref, vertices[_RIGID])
    return FaceGeometry(
        observation=observation,
        camera=camera,
        rotation=pose.rotation,
        translation=pose.translation,
        mm_per_px=mm_per_px,
        vertices=vertices.astype(np.float32),
    )
