"""Debug overlay: the tracked mesh, iris circles and pose axes drawn on a copy of the frame."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import cv2
import mediapipe as mp
import numpy as np
from numpy.typing import NDArray

from tryon.tracking.geometry import FaceGeometry

__all__ = ["AXIS_LENGTH_M", "draw_overlay"]

#: Length of the drawn head axes, metres.
AXIS_LENGTH_M = 0.05
_MESH_COLOR = (80, 200, 255)
_IRIS_COLOR = (255, 230, 0)
#: Head X (person's left), Y (up), Z (out of the face): red, green, blue.
_AXIS_COLORS = ((255, 40, 40), (40, 255, 40), (60, 90, 255))
# Draw at 4x sub-pixel precision so thin lines do not snap to the pixel grid.
_SHIFT = 2
_SCALE = float(1 << _SHIFT)


@lru_cache(maxsize=1)
def _mesh_edges() -> NDArray[np.intp]:
    edges = sorted({tuple(sorted(e)) for e in mp.solutions.face_mesh.FACEMESH_TESSELATION})
    return np.array(edges, dtype=np.intp)


def _fixed(points: NDArray[np.floating[Any]]) -> NDArray[np.int32]:
    out: NDArray[np.int32] = np.round(points * _SCALE).astype(np.int32)
    return out


def draw_overlay(frame: NDArray[np.uint8], faces: tuple[FaceGeometry, ...]) -> NDArray[np.uint8]:
    """A copy of ``frame`` with each face's mesh, irises and head axes drawn on it."""
    out = frame.copy()
    edges = _mesh_edges()
    for face in faces:
        lm = face.observation.landmarks
        lines = _fixed(lm[edges, :2])
        cv2.polylines(out, list(lines), False, _MESH_COLOR, 1, cv2.LINE_AA, _SHIFT)
        for centre, diameter in zip(
            face.observation.iris_centers, face.observation.iris_diameters_px, strict=True
        ):
            radius = max(1, round(float(diameter) / 2 * _SCALE))
            cv2.circle(
                out, tuple(_fixed(centre).tolist()), radius, _IRIS_COLOR, 1, cv2.LINE_AA, _SHIFT
            )
        head = np.vstack([np.zeros(3), np.eye(3) * AXIS_LENGTH_M])
        ends = face.camera.project(head @ face.rotation.T + face.translation)
        origin = tuple(_fixed(ends[0]).tolist())
        for end, color in zip(ends[1:], _AXIS_COLORS, strict=True):
            cv2.line(out, origin, tuple(_fixed(end).tolist()), color, 2, cv2.LINE_AA, _SHIFT)
    return out
