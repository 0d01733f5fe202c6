"""Retouching within the skin: smoothing that keeps pores, blemishes, under-eye shadows.

Every function takes and returns the ROI (uint8 RGB over ``FaceRegions.roi``); pixels it
gives no weight keep their bytes, and strength 0 is never called (the pipeline skips it).
Sizes scale with the face (``face_width``, the outer eye corners' distance), so a selfie and
a 24 MP portrait get the same look.
"""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray

from tryon.headshot.regions import LOWER_LIDS, FaceRegions, hull_mask

__all__ = ["remove_blemishes", "smooth_skin", "soften_under_eyes"]

#: Frequency bands as shares of the face width: below FINE is texture (pores, kept), between
#: FINE and COARSE is blotchiness and uneven tone (evened out), above COARSE is shape (kept).
_FINE = 1 / 150
_COARSE = 1 / 30
#: How much of the middle band full strength takes away.
_SMOOTH_DEPTH = 0.85
#: Spot sizes removed as blemishes (diameter as a share of the face width).
_SPOT_DIAMETER = (1 / 180, 1 / 28)
#: A spot stands out by this many robust standard deviations of the skin's local contrast.
_SPOT_CONTRAST = 4.0
#: A spot's box is at most this many times longer one way than the other.
_SPOT_ELONGATION = 2.0


def _masked_blur(
    image: NDArray[np.float32], mask: NDArray[np.float32], sigma: float
) -> NDArray[np.float32]:
    """Gaussian blur of ``image`` over ``mask`` only (normalised convolution)."""
    m = mask if image.ndim == 2 else mask[..., None]
    num = cv2.GaussianBlur(image * m, (0, 0), sigma)
    den = cv2.GaussianBlur(mask, (0, 0), sigma)
    den = den if image.ndim == 2 else den[..., None]
    out: NDArray[np.float32] = num / np.maximum(den, 1e-4)
    return out


def _blend(
    roi: NDArray[np.uint8], changed: NDArray[np.float32], weight: NDArray[np.float32]
) -> NDArray[np.uint8]:
    """``roi`` moved toward ``changed`` by ``weight``; pixels of weight 0 keep their bytes."""
    w = weight[..., None]
    out = np.rint(roi + (changed - roi) * w)
    return np.where(w > 0, np.clip(out, 0, 255), roi).astype(np.uint8)


def smooth_skin(roi: NDArray[np.uint8], regions: FaceRegions, strength: float) -> NDArray[np.uint8]:
    """Frequency separation: the skin's middle band (blotches, uneven tone) is taken down
    by ``strength``; the fine band (pores, fine hair, texture) and the coarse one (the face's
    shape and its light) stay."""
    img = roi.astype(np.float32)
    hard = (regions.skin > 0.05).astype(np.float32)
    fine_sigma = max(1.0, regions.face_width * _FINE)
    coarse_sigma = max(2.0, regions.face_width * _COARSE)
    fine = _masked_blur(img, hard, fine_sigma)
    coarse = _masked_blur(img, hard, coarse_sigma)
    smoothed = img - _SMOOTH_DEPTH * (fine - coarse)
    return _blend(roi, smoothed, regions.skin * strength)


def remove_blemishes(
    roi: NDArray[np.uint8], regions: FaceRegions, strength: float
) -> tuple[NDArray[np.uint8], int]:
    """Small, round, dark or red spots on the skin filled from their surroundings
    (inpainting), and how many were found. Features, lines (wrinkles, creases) and spots
    larger than a blemish are left alone."""
    skin = (regions.skin > 0.6).astype(np.float32)
    ycc = cv2.cvtColor(roi, cv2.COLOR_RGB2YCrCb).astype(np.float32)
    sigma = max(2.0, regions.face_width * _SPOT_DIAMETER[1])
    local = _masked_blur(ycc, skin, sigma)
    dark = local[..., 0] - ycc[..., 0]
    red = ycc[..., 1] - local[..., 1]
    response = np.maximum(dark / _robust_scale(dark, skin), red / _robust_scale(red, skin))
    spots = ((response > _SPOT_CONTRAST) & (dark + red > 6.0) & (skin > 0)).astype(np.uint8)
    _, labels, stats, _ = cv2.connectedComponentsWithStats(spots, connectivity=8)
    d_min, d_max = (d * regions.face_width for d in _SPOT_DIAMETER)
    a_min, a_max = np.pi * (d_min / 2) ** 2, np.pi * (d_max / 2) ** 2
    areas = stats[1:, cv2.CC_STAT_AREA].astype(np.float64)
    widths = stats[1:, cv2.CC_STAT_WIDTH].astype(np.float64)
    heights = stats[1:, cv2.CC_STAT_HEIGHT].astype(np.float64)
    # round spots only: wrinkles, creases and the edges of features are long and thin
    round_ = (np.maximum(widths, heights) <= _SPOT_ELONGATION * np.minimum(widths, heights)) & (
        areas >= 0.45 * widths * heights
    )
    sized = (areas >= max(2.0, a_min)) & (areas <= a_max)
    keep = np.flatnonzero(sized & round_) + 1
    if len(keep) == 0:
        return roi, 0
    mask = np.isin(labels, keep).astype(np.uint8)
    grow = max(1, round(d_min))
    disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow + 1,) * 2)
    mask = np.asarray(cv2.dilate(mask, disk), dtype=np.uint8)
    filled = cv2.inpaint(roi, mask, max(2.0, 2 * d_min), cv2.INPAINT_TELEA).astype(np.float32)
    weight = cv2.GaussianBlur(mask.astype(np.float32), (0, 0), max(0.7, d_min / 2))
    weight = np.where(weight > 0.02, np.minimum(weight * 1.5, 1.0), 0.0).astype(np.float32)
    return _blend(roi, filled, weight * strength), len(keep)


def _robust_scale(values: NDArray[np.float32], mask: NDArray[np.float32]) -> float:
    v = values[mask > 0]
    if len(v) == 0:
        return 1.0
    mad = float(np.median(np.abs(v - np.median(v))))
    return max(1.4826 * mad, 1.0)


def soften_under_eyes(
    roi: NDArray[np.uint8], regions: FaceRegions, strength: float
) -> NDArray[np.uint8]:
    """Shadows under the eyes lifted toward the cheek just below: only the low-frequency
    difference is added where the under-eye is darker, so its texture stays."""
    img = roi.astype(np.float32)
    weight = np.zeros(regions.face.shape, dtype=np.float32)
    lift = np.zeros_like(img)
    low = cv2.GaussianBlur(img, (0, 0), regions.face_width * 0.035)
    for lid in LOWER_LIDS:
        pts = regions.points[list(lid)]
        eye_w = float(np.linalg.norm(pts[0] - pts[-1]))
        bow = np.sin(np.linspace(0, np.pi, len(pts)))[:, None] * np.array([0, 1.0])
        upper = pts + np.array([0, 0.06 * eye_w])
        lower = pts + np.array([0, 0.12 * eye_w]) + bow * 0.3 * eye_w
        region = hull_mask(
            (weight.shape[0], weight.shape[1]), np.concatenate([upper, lower]).astype(np.float32)
        )
        soft = cv2.GaussianBlur(region.astype(np.float32), (0, 0), eye_w * 0.08)
        shift = round(0.42 * eye_w)
        cheek = np.roll(low, -shift, axis=0)
        diff = np.maximum(cheek - low, 0.0)
        lift = np.where(soft[..., None] > weight[..., None], diff, lift)
        weight = np.maximum(weight, soft)
    weight *= regions.skin > 0.05
    return _blend(roi, img + lift, weight * strength)
