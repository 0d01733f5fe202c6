"""Synthetic head motion from one still photo: frames warped by known homographies.

Tests and benchmarks use these to move a real face (scale, in-plane rotation, translation,
a small perspective yaw) with ground truth: a landmark at pixel ``p`` in the photo is at
``apply_homography(H, p)`` in the warped frame.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from tryon.frames import validate_frame

__all__ = [
    "apply_homography",
    "gentle_motion",
    "similarity",
    "warp",
    "yaw_homography",
]

Matrix = NDArray[np.float64]


def similarity(
    scale: float = 1.0,
    angle_deg: float = 0.0,
    shift: tuple[float, float] = (0.0, 0.0),
    center: tuple[float, float] = (0.0, 0.0),
) -> Matrix:
    """3x3 map: scale and rotate (counter-clockwise on screen) about ``center``, then shift."""
    a = math.radians(angle_deg)
    c, s = scale * math.cos(a), scale * math.sin(a)
    cx, cy = center
    # y points down in images, so a counter-clockwise turn on screen uses -angle.
    m = np.array([[c, s, 0.0], [-s, c, 0.0], [0.0, 0.0, 1.0]])
    m[:2, 2] = np.array([cx, cy]) - m[:2, :2] @ np.array([cx, cy]) + np.array(shift)
    return m


def yaw_homography(
    yaw_deg: float, center: tuple[float, float], focal_px: float, principal: tuple[float, float]
) -> Matrix:
    """3x3 image of a fronto-parallel plane turned by ``yaw_deg`` about a vertical axis.

    The plane sits at depth ``focal_px`` (so it keeps its size) and turns about the vertical
    line through image point ``center``; positive yaw turns the plane's right side (image
    right) toward the camera.
    """
    k = np.array([[focal_px, 0, principal[0]], [0, focal_px, principal[1]], [0, 0, 1.0]])
    d = focal_px
    pivot = np.linalg.solve(k, np.array([center[0], center[1], 1.0])) * d
    a = math.radians(yaw_deg)
    r = np.array([[math.cos(a), 0, math.sin(a)], [0, 1, 0], [-math.sin(a), 0, math.cos(a)]])
    n = np.array([0.0, 0.0, 1.0])
    h = k @ (r + np.outer(pivot - r @ pivot, n) / d) @ np.linalg.inv(k)
    out: Matrix = h / h[2, 2]
    return out


def apply_homography(h: Matrix, points: NDArray[np.floating[Any]]) -> NDArray[np.float64]:
    """``(N, 2)`` pixel points mapped by the 3x3 homography ``h``."""
    p = np.asarray(points, dtype=np.float64)
    q = np.column_stack([p, np.ones(len(p))]) @ h.T
    out: NDArray[np.float64] = q[:, :2] / q[:, 2:3]
    return out


def warp(image: NDArray[np.uint8], h: Matrix, size: tuple[int, int]) -> NDArray[np.uint8]:
    """``image`` warped by ``h`` into a ``size = (width, height)`` frame (edges replicated)."""
    src = validate_frame(image, "image")
    out = cv2.warpPerspective(src, h, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return np.ascontiguousarray(out, dtype=np.uint8)


def gentle_motion(
    image: NDArray[np.uint8],
    size: tuple[int, int],
    frames: int,
    center: tuple[float, float],
    fps: float = 30.0,
) -> Iterator[tuple[NDArray[np.uint8], Matrix]]:
    """``frames`` frames of a head swaying slowly (a few px, degrees and percent) about
    ``center`` of ``image``, placed in the middle of a ``size`` frame; yields (frame, H)."""
    w, h = size
    to_middle = np.array([w / 2 - center[0], h / 2 - center[1]])
    for i in range(frames):
        t = i / fps
        m = similarity(
            scale=1.0 + 0.05 * math.sin(2 * math.pi * 0.2 * t),
            angle_deg=4.0 * math.sin(2 * math.pi * 0.3 * t),
            shift=(
                to_middle[0] + 20.0 * math.sin(2 * math.pi * 0.25 * t),
                to_middle[1] + 10.0 * math.sin(2 * math.pi * 0.35 * t),
            ),
            center=center,
        )
        yield warp(image, m, size), m
