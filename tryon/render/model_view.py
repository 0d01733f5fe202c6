"""What the passes that draw 3D models share: the frame pixels a placed model may cover,
and the three-quarter view their thumbnails show."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
from numpy.typing import NDArray

from tryon.render.target import Box
from tryon.tracking.camera import CameraIntrinsics

__all__ = ["projected_box", "three_quarter_view"]

#: Near clip plane of the renderer's projection, metres (a part nearer is "behind").
_NEAR_M = 0.01
#: The 8 corners of the unit cube, to span a bounding box.
_UNIT_CUBE = np.array([[i >> 2 & 1, i >> 1 & 1, i & 1] for i in range(8)], dtype=np.float64)


def projected_box(
    placed: Iterable[tuple[NDArray[np.floating], NDArray[np.floating]]],  # type: ignore[type-arg]
    camera: CameraIntrinsics,
) -> Box | None:
    """The pixels that boxes may cover, each given as ``((2, 3) model-frame min/max corners,
    (4, 4) camera-from-model matrix)``: their corners projected, two pixels of margin for
    anti-aliasing, clipped to the frame; the whole frame if a corner is at or behind the
    camera; None if nothing is in view."""
    points = []
    for bounds, matrix in placed:
        lo, hi = np.asarray(bounds, np.float64)
        m = np.asarray(matrix, np.float64)
        points.append((lo + _UNIT_CUBE * (hi - lo)) @ m[:3, :3].T + m[:3, 3])
    if not points:
        return None
    cam = np.concatenate(points)
    if (cam[:, 2] > -_NEAR_M).any():
        return (0, 0, camera.width, camera.height)
    px = camera.project(cam)
    x0 = max(int(np.floor(px[:, 0].min())) - 2, 0)
    y0 = max(int(np.floor(px[:, 1].min())) - 2, 0)
    x1 = min(int(np.ceil(px[:, 0].max())) + 2, camera.width)
    y1 = min(int(np.ceil(px[:, 1].max())) + 2, camera.height)
    if x1 <= x0 or y1 <= y0:
        return None
    return (x0, y0, x1 - x0, y1 - y0)


def three_quarter_view(
    bounds: NDArray[np.floating],  # type: ignore[type-arg]
    camera: CameraIntrinsics,
    yaw_deg: float,
    pitch_deg: float,
    fill: float = 1.0,
) -> NDArray[np.float64]:
    """Camera-from-model matrix showing a model of ``bounds`` turned by ``yaw_deg`` and
    ``pitch_deg``, its bounding sphere filling the camera's width (``fill`` < 1 comes
    closer, > 1 leaves a margin)."""
    lo, hi = np.asarray(bounds, np.float64)
    center = 0.5 * (lo + hi)
    radius = 0.5 * float(np.linalg.norm(hi - lo))
    half_fov = math.atan(0.5 * camera.width / camera.fx)
    distance = radius / math.tan(half_fov) * fill
    y, p = math.radians(yaw_deg), math.radians(pitch_deg)
    ry = np.array([[math.cos(y), 0, math.sin(y)], [0, 1, 0], [-math.sin(y), 0, math.cos(y)]])
    rx = np.array([[1, 0, 0], [0, math.cos(p), -math.sin(p)], [0, math.sin(p), math.cos(p)]])
    rotation = rx @ ry
    model = np.eye(4)
    model[:3, :3] = rotation
    model[:3, 3] = np.array([0.0, 0.0, -distance]) - rotation @ center
    return model
