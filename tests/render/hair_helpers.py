"""Helpers of the hair tests: real photos at a webcam's size, and the lower face that hair
passes must leave alone."""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray

#: Frames are scaled to at most this width (a webcam's).
MAX_WIDTH = 640


def webcam_frame(rgb: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """``rgb`` scaled down to at most :data:`MAX_WIDTH` pixels wide."""
    rgb = np.ascontiguousarray(rgb)
    h, w = rgb.shape[:2]
    if w <= MAX_WIDTH:
        return rgb
    size = (MAX_WIDTH, round(h * MAX_WIDTH / w))
    return np.ascontiguousarray(cv2.resize(rgb, size, interpolation=cv2.INTER_AREA))


def lower_face(shape: tuple[int, ...], landmarks: NDArray[np.floating]) -> NDArray[np.bool_]:
    """The face below the brows and between the outer eye corners (hair may hang at the
    sides, or show there on a turned head): the mesh's hull there (``(N, 2+)`` landmarks in
    pixels), shrunk by a tenth of the face's width; a mask of an image of ``shape``."""
    lm = landmarks[:, :2]
    eye_y = float(lm[[33, 263], 1].max())
    mask = np.zeros(shape[:2], np.uint8)
    x0, x1 = sorted(float(v) for v in lm[[33, 263], 0])
    inner = (lm[:, 1] > eye_y + 0.05 * np.ptp(lm[:, 1])) & (lm[:, 0] > x0) & (lm[:, 0] < x1)
    pts = lm[inner]
    cv2.fillConvexPoly(mask, cv2.convexHull(np.round(pts).astype(np.int32)), (1,))
    margin = max(1, round(0.1 * float(np.ptp(lm[:, 0]))))
    return cv2.erode(mask, np.ones((2 * margin + 1, 2 * margin + 1), np.uint8)).astype(bool)
