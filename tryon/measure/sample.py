"""One frame's face, pose-normalised: the head-frame mesh in pixels at the eyes' depth.

`FaceGeometry.vertices` are the tracked landmarks back-projected to metric camera space with
the iris scale; taking them into the head frame (``Rᵀ (v - t)``) undoes yaw, pitch and roll
and dividing by that scale gives the mesh in *pixels at the eyes' depth*. A measurement in
millimetres is then a head-frame distance times a scale (mm per pixel at the eyes' depth)
from the iris or from a calibration card, so either scale applies to the same numbers.
The widths at the face's edge are calibrated here (`tryon.measure.calibration`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from tryon.measure.calibration import edge_correction
from tryon.measure.face_shape import shape_lengths
from tryon.measure.landmarks import measured_distances
from tryon.tracking.geometry import FaceGeometry

__all__ = ["FaceSample", "sample_face", "view_angles"]


@dataclass(frozen=True, slots=True)
class FaceSample:
    """What the measurement stage keeps of one face in one frame."""

    #: ``(478, 3)`` head-frame mesh, pixels at the eyes' depth.
    points_px: NDArray[np.float64]
    #: Each distance of `MEASUREMENT_NAMES`, pixels at the eyes' depth (widths calibrated).
    distances_px: NDArray[np.float64]
    #: Each distance's relative one-sigma systematic uncertainty (calibration, perspective).
    systematic: NDArray[np.float64]
    #: The lengths the face shape is read from (`tryon.measure.face_shape.shape_lengths`),
    #: pixels at the eyes' depth.
    shape_lengths: NDArray[np.float64]
    #: Mean horizontal iris span in the image, pixels.
    iris_px: float
    #: How far the two irises' spans disagree, ``|a - b| / (a + b)``: both irises are the
    #: same size, so this is about the error of their mean (eyelids of a smile, a squint).
    iris_mismatch: float
    #: The iris scale: millimetres per pixel at the eyes' depth.
    mm_per_px: float
    #: Head turn, nod and tilt relative to the line of sight to the face, degrees.
    yaw_deg: float
    pitch_deg: float
    roll_deg: float
    #: Camera focal length in pixels (distance to the face = ``fx * mm_per_px``).
    focal_px: float
    timestamp_ms: int


def view_angles(
    rotation: NDArray[np.float64], translation: NDArray[np.float64]
) -> tuple[float, float, float]:
    """(yaw, pitch, roll) in degrees of a head pose, measured against the line of sight.

    A face off the image centre that looks straight at the camera has zero yaw and pitch:
    what shortens distances in the image is the angle to the ray from the camera.
    """
    # Python floats: numpy's overhead on these few numbers is most of the cost. A zero
    # translation or a camera straight above or below the face gives NaN angles.
    tx, ty, tz = np.asarray(translation, dtype=np.float64).tolist()
    norm = math.sqrt(tx * tx + ty * ty + tz * tz) or math.nan
    cx, cy, cz = -tx / norm, -ty / norm, -tz / norm  # to the camera
    # The line-of-sight frame's axes: x = (0, 1, 0) x to_camera, y = to_camera x x.
    norm = math.sqrt(cz * cz + cx * cx) or math.nan
    x0, x2 = cz / norm, -cx / norm
    y0, y1, y2 = cy * x2, cz * x0 - cx * x2, -cy * x0
    (r00, _, r02), (r10, _, r12), (r20, _, r22) = np.asarray(rotation, dtype=np.float64).tolist()
    # The head's forward axis (its +Z) and its +X, in the line-of-sight frame.
    forward = (x0 * r02 + x2 * r22, y0 * r02 + y1 * r12 + y2 * r22, cx * r02 + cy * r12 + cz * r22)
    right_x, right_y = x0 * r00 + x2 * r20, y0 * r00 + y1 * r10 + y2 * r20
    yaw = math.degrees(math.atan2(forward[0], forward[2]))
    pitch = math.degrees(math.atan2(forward[1], math.hypot(forward[0], forward[2])))
    roll = math.degrees(math.atan2(right_y, right_x))
    return yaw, pitch, roll


def sample_face(geometry: FaceGeometry) -> FaceSample:
    """Pose-normalise one face (see the module docstring)."""
    rotation = np.asarray(geometry.rotation, dtype=np.float64)
    translation = np.asarray(geometry.translation, dtype=np.float64)
    metres = (np.asarray(geometry.vertices, dtype=np.float64) - translation) @ rotation
    points = metres * (1000.0 / geometry.mm_per_px)
    yaw, pitch, roll = view_angles(rotation, translation)
    obs = geometry.observation
    right, left = (float(d) for d in obs.iris_diameters_px)
    focal = float(geometry.camera.fx)
    correction = edge_correction(points, focal, float(geometry.mm_per_px))
    return FaceSample(
        points_px=points,
        distances_px=measured_distances(points) * correction.factor,
        systematic=correction.sigma,
        shape_lengths=shape_lengths(points),
        iris_px=float(np.mean(obs.iris_diameters_px)),
        iris_mismatch=float(abs(right - left) / (right + left)),
        mm_per_px=float(geometry.mm_per_px),
        yaw_deg=yaw,
        pitch_deg=pitch,
        roll_deg=roll,
        focal_px=focal,
        timestamp_ms=int(obs.timestamp_ms),
    )
