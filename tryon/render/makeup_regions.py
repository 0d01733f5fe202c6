"""Where each makeup area lies on the face: feathered masks painted in the face mesh's UV space.

The masks are painted once (per process) from the landmark contours of
:mod:`tryon.tracking.face_regions` on the canonical face's UVs, and sampled per frame through
the tracked mesh's per-vertex UVs, so a region moves with the face (no swimming). The right
half of the face is painted and mirrored (the canonical UVs are left-right symmetric).
Lips and lip liner are feathered inward only (nothing spills past the lip contour); the
others fade softly on both sides.
"""

from __future__ import annotations

from enum import IntEnum
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFilter

from tryon.tracking.canonical import load_canonical_face
from tryon.tracking.face_regions import CONTOURS

__all__ = ["MASK_SIZE", "Layer", "region_masks", "triangle_layers"]

#: Side of the square UV mask texture, texels.
MASK_SIZE = 512

Mask = NDArray[np.float32]


class Layer(IntEnum):
    """One mask layer per region (the texture array's layer index)."""

    LIPS = 0
    LIP_LINER = 1
    LID = 2
    CREASE = 3
    OUTER_CORNER = 4
    LINER_NONE = 5
    LINER_CLASSIC = 6
    LINER_DRAMATIC = 7
    LASHES = 8
    BROWS = 9
    BLUSH = 10
    CONTOUR = 11
    HIGHLIGHT = 12
    FOUNDATION = 13
    CONCEALER = 14


def _points(name: str) -> NDArray[np.float64]:
    """A contour's landmarks in mask texels."""
    uvs = load_canonical_face().uvs.astype(np.float64)
    return uvs[list(CONTOURS[name])] * MASK_SIZE


def _canvas() -> tuple[Image.Image, ImageDraw.ImageDraw]:
    image = Image.new("L", (MASK_SIZE, MASK_SIZE), 0)
    return image, ImageDraw.Draw(image)


def _fill(*polygons: NDArray[np.float64]) -> Mask:
    image, draw = _canvas()
    for poly in polygons:
        draw.polygon([tuple(p) for p in poly], fill=255)
    return np.asarray(image, dtype=np.float32) / 255.0


def _stroke(lines: list[NDArray[np.float64]], width: int) -> Mask:
    image, draw = _canvas()
    for line in lines:
        draw.line([tuple(p) for p in line], fill=255, width=width, joint="curve")
    return np.asarray(image, dtype=np.float32) / 255.0


def _blur(mask: Mask, sigma: float) -> Mask:
    image = Image.fromarray(np.round(mask * 255.0).astype(np.uint8))
    return np.asarray(image.filter(ImageFilter.GaussianBlur(sigma)), dtype=np.float32) / 255.0


def _inward(mask: Mask, sigma: float) -> Mask:
    """``mask`` feathered inside its edge only: 0 on and outside the edge."""
    return np.clip(2.0 * _blur(mask, sigma) - 1.0, 0.0, 1.0)


def _toward(a: NDArray[np.float64], b: NDArray[np.float64], t: float) -> NDArray[np.float64]:
    return a + (b - a) * t


def _resample(points: NDArray[np.float64], n: int) -> NDArray[np.float64]:
    """``n`` points evenly spaced along a polyline."""
    seg = np.linalg.norm(np.diff(points, axis=0), axis=1)
    s = np.concatenate([[0.0], np.cumsum(seg)])
    t = np.linspace(0.0, s[-1], n)
    return np.stack([np.interp(t, s, points[:, k]) for k in range(2)], axis=1)


def _liner(thickness: float, wing: float) -> Mask:
    """A band on the lid along the upper lash line, thicker toward the outer corner, and a
    wing ``wing`` eye-widths long lifted from the outer corner (0: none)."""
    margin = _resample(_points("eye_upper"), 24)
    top = _resample(_points("lid_top"), 24)
    taper = np.linspace(1.0, 0.45, 24)[:, None]  # outer corner first
    edge = _toward(margin, top, thickness) * taper + margin * (1.0 - taper)
    polys = [np.concatenate([margin, edge[::-1]])]
    if wing > 0.0:
        outer, inner = margin[0], margin[-1]
        along = (outer - inner) / np.linalg.norm(outer - inner)
        up = np.array([along[1], -along[0]])  # v grows downward: this points up the face
        if up[1] > 0:
            up = -up
        width = float(np.linalg.norm(outer - inner))
        tip = outer + width * wing * (along * 0.85 + up * 0.55)
        polys.append(np.stack([margin[1], tip, edge[3]]))
    return _blur(_fill(*polys), 0.8)


def _lashes() -> Mask:
    """Mascara: strokes fanning out from both lash lines, over a darker line."""
    upper = _resample(_points("eye_upper"), 28)[2:-3]
    lower = _resample(_points("eye_lower"), 20)[3:-4]
    center = upper.mean(axis=0)
    lines = []
    for points, length in ((upper, 7.0), (lower, 3.0)):
        for p in points:
            out = p - center
            out /= np.linalg.norm(out)
            lines.append(np.stack([p, p + out * length]))
    strokes = _stroke(lines, 1)
    line = _stroke([upper, lower], 2)
    return _blur(np.maximum(strokes, line), 0.5)


def _mirror(mask: Mask) -> Mask:
    return np.maximum(mask, mask[:, ::-1])


def _paint() -> dict[Layer, Mask]:
    lips = _fill(_points("lips_outer"))
    lips_in = _inward(lips, 2.5)
    outline = _stroke([np.concatenate([_points("lips_outer"), _points("lips_outer")[:1]])], 7)
    eye_upper, lid_top = _points("eye_upper"), _points("lid_top")
    crease_top = _points("crease_top")
    lid = _blur(_fill(np.concatenate([eye_upper, lid_top[::-1]])), 3.0)
    crease = _blur(_fill(np.concatenate([lid_top, crease_top[::-1]])), 6.0)
    corner = lid_top[0] * 0.55 + eye_upper[0] * 0.2 + crease_top[0] * 0.25
    image, draw = _canvas()
    draw.ellipse([*(corner - 16.0), *(corner + 16.0)], fill=255)
    outer = _blur(np.asarray(image, dtype=np.float32) / 255.0, 8.0) * np.clip(
        _blur(_fill(np.concatenate([eye_upper, crease_top[::-1]])), 6.0) * 1.6, 0.0, 1.0
    )
    brows = _blur(_fill(np.concatenate([_points("brow_upper"), _points("brow_lower")[::-1]])), 2.0)
    apple = _points("cheek_apple").mean(axis=0)
    image, draw = _canvas()
    draw.ellipse([apple[0] - 30, apple[1] - 18, apple[0] + 38, apple[1] + 16], fill=255)
    blush = _blur(np.asarray(image, dtype=np.float32) / 255.0, 16.0)
    contour = _blur(_stroke([_points("cheek_hollow")], 14), 8.0)
    highlight = _blur(_stroke([_points("cheekbone") + np.array([0.0, 6.0])], 10), 6.0)
    highlight = np.maximum(highlight, 0.6 * _blur(_stroke([_points("nose_bridge")], 5), 3.0))
    under_eye = np.concatenate([_points("eye_lower"), _points("under_eye")[::-1]])
    concealer = _blur(_fill(under_eye), 5.0)
    face = _inward(_fill(_points("silhouette")), 12.0)
    foundation = face * (1.0 - _blur(lips, 3.0)) * (1.0 - 0.6 * brows)
    return {
        Layer.LIPS: lips_in,
        Layer.LIP_LINER: _blur(outline, 1.0) * _inward(lips, 1.0),
        Layer.LID: lid,
        Layer.CREASE: crease * (1.0 - 0.7 * lid),
        Layer.OUTER_CORNER: outer,
        Layer.LINER_NONE: _liner(0.16, 0.0),
        Layer.LINER_CLASSIC: _liner(0.22, 0.28),
        Layer.LINER_DRAMATIC: _liner(0.34, 0.5),
        Layer.LASHES: _lashes(),
        Layer.BROWS: brows,
        Layer.BLUSH: blush,
        Layer.CONTOUR: contour,
        Layer.HIGHLIGHT: highlight,
        Layer.FOUNDATION: foundation,
        Layer.CONCEALER: concealer,
    }


@lru_cache(maxsize=1)
def region_masks() -> NDArray[np.uint8]:
    """``(len(Layer), MASK_SIZE, MASK_SIZE)`` uint8: each region's weight in UV space (row 0
    at v = 0), both halves of the face. Painted once; read-only."""
    painted = _paint()
    out = np.stack([np.round(_mirror(painted[layer]) * 255.0) for layer in Layer])
    masks = np.ascontiguousarray(out.astype(np.uint8))
    masks.setflags(write=False)
    return masks


@lru_cache(maxsize=1)
def triangle_layers() -> NDArray[np.bool_]:
    """``(T, len(Layer))``: which layers may touch each canonical triangle (a texel of the
    bounding box of its UV footprint, grown by a texel for filtering, is non-zero).
    Computed once, with summed-area tables; read-only."""
    face = load_canonical_face()
    nonzero = (region_masks() > 0).astype(np.int32)
    table = np.zeros((len(Layer), MASK_SIZE + 1, MASK_SIZE + 1), dtype=np.int32)
    table[:, 1:, 1:] = nonzero.cumsum(axis=1).cumsum(axis=2)
    uv = face.uvs[face.triangles].astype(np.float64) * MASK_SIZE  # (T, 3, 2)
    lo = np.clip(np.floor(uv.min(axis=1)).astype(int) - 1, 0, MASK_SIZE)
    hi = np.clip(np.ceil(uv.max(axis=1)).astype(int) + 2, 0, MASK_SIZE)
    (c0, r0), (c1, r1) = lo.T, hi.T
    inside = table[:, r1, c1] - table[:, r0, c1] - table[:, r1, c0] + table[:, r0, c0]
    out = np.ascontiguousarray((inside > 0).T)
    out.setflags(write=False)
    return out
