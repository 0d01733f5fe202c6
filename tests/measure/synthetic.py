"""Known transforms of a real photo for the measurement tests: scaled, rotated, jittered
copies, a perspective 'turn', and an ID-1 card drawn onto the forehead at a known size."""

from __future__ import annotations

import math

import cv2
import numpy as np
from numpy.typing import NDArray

from tryon.measure.card import ID1_HEIGHT_MM, ID1_WIDTH_MM

#: ISO/IEC 7810 corner radius.
CARD_CORNER_MM = 3.18
_SUPERSAMPLE = 8


def similarity(
    image: NDArray[np.uint8],
    scale: float = 1.0,
    angle_deg: float = 0.0,
    shift: tuple[float, float] = (0.0, 0.0),
    out_scale: float | None = None,
) -> NDArray[np.uint8]:
    """``image`` scaled by ``scale`` and rotated by ``angle_deg`` about its centre, shifted by
    ``shift`` pixels, on a canvas ``out_scale`` (default ``scale``) times the input size."""
    h, w = image.shape[:2]
    canvas = out_scale if out_scale is not None else scale
    out_w, out_h = round(w * canvas), round(h * canvas)
    m = cv2.getRotationMatrix2D((w / 2.0, h / 2.0), angle_deg, scale)
    m[0, 2] += out_w / 2.0 - w / 2.0 + shift[0]
    m[1, 2] += out_h / 2.0 - h / 2.0 + shift[1]
    flags = cv2.INTER_AREA if scale < 1.0 else cv2.INTER_CUBIC
    out = cv2.warpAffine(image, m, (out_w, out_h), flags=flags, borderMode=cv2.BORDER_REFLECT)
    return np.ascontiguousarray(out, dtype=np.uint8)


def jittered(image: NDArray[np.uint8], count: int, seed: int = 0) -> list[NDArray[np.uint8]]:
    """``count`` copies moved by up to 3 px, turned by up to 2° and scaled by up to 2 %: what a
    steady head in front of a webcam looks like from frame to frame."""
    rng = np.random.default_rng(seed)
    return [
        similarity(
            image,
            scale=float(rng.uniform(0.98, 1.02)),
            angle_deg=float(rng.uniform(-2.0, 2.0)),
            shift=(float(rng.uniform(-3, 3)), float(rng.uniform(-3, 3))),
            out_scale=1.0,
        )
        for _ in range(count)
    ]


def turned(image: NDArray[np.uint8], strength: float) -> NDArray[np.uint8]:
    """A perspective warp that squeezes one side of the image like a head turned away:
    the right edge shrinks vertically and moves in by ``strength`` of the width."""
    h, w = image.shape[:2]
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dx, dy = strength * w, 0.5 * strength * h
    dst = np.float32([[0, 0], [w - dx, dy], [w - dx, h - dy], [0, h]])
    m = cv2.getPerspectiveTransform(src, dst)
    out = cv2.warpPerspective(
        image, m, (w, h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT
    )
    return np.ascontiguousarray(out, dtype=np.uint8)


def draw_card(
    image: NDArray[np.uint8],
    centre: tuple[float, float],
    long_px: float,
    angle_deg: float,
) -> NDArray[np.uint8]:
    """A copy of ``image`` with an anti-aliased ID-1 card (a blue bank card: rounded corners,
    a light signature stripe) whose long side is ``long_px`` pixels, turned by ``angle_deg``."""
    s = _SUPERSAMPLE
    h, w = image.shape[:2]
    big = cv2.resize(image, (w * s, h * s), interpolation=cv2.INTER_NEAREST)
    mask = np.zeros((h * s, w * s), np.uint8)
    stripe = np.zeros_like(mask)
    mm = long_px / ID1_WIDTH_MM * s  # supersampled pixels per mm
    half_w, half_h = 0.5 * ID1_WIDTH_MM * mm, 0.5 * ID1_HEIGHT_MM * mm
    r = CARD_CORNER_MM * mm
    a = math.radians(angle_deg)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    c = np.array(centre) * s + (s - 1) / 2.0

    def poly(xs: NDArray[np.float64], ys: NDArray[np.float64]) -> NDArray[np.int32]:
        pts = np.stack([xs, ys], axis=1) @ rot.T + c
        return np.round(pts).astype(np.int32)

    # Rounded rectangle as a polygon: quarter circles at the corners.
    t = np.linspace(0, math.pi / 2, 16)
    corners = [
        (half_w - r, half_h - r, 0.0),
        (-(half_w - r), half_h - r, math.pi / 2),
        (-(half_w - r), -(half_h - r), math.pi),
        (half_w - r, -(half_h - r), 1.5 * math.pi),
    ]
    xs = np.concatenate([cx + r * np.cos(t + t0) for cx, _, t0 in corners])
    ys = np.concatenate([cy + r * np.sin(t + t0) for _, cy, t0 in corners])
    cv2.fillPoly(mask, [poly(xs, ys)], 255)
    band_y0, band_y1 = -half_h + 5.5 * mm, -half_h + 17.0 * mm
    cv2.fillPoly(
        stripe,
        [
            poly(
                np.array([-half_w, half_w, half_w, -half_w]),
                np.array([band_y0, band_y0, band_y1, band_y1]),
            )
        ],
        255,
    )
    stripe &= mask
    big[mask > 0] = (30, 70, 150)
    big[stripe > 0] = (225, 225, 215)
    out = cv2.resize(big, (w, h), interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(out, dtype=np.uint8)
