"""The face's regions in one photo, from the tracked landmarks: the face oval, the skin (with
eyes, brows, lips and hair left out) and the eyes' lower lids, inside a region of interest
around the face that every face stage works in (pixels outside it are never touched)."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import mediapipe as mp
import numpy as np
from numpy.typing import NDArray

__all__ = ["LOWER_LIDS", "FaceRegions", "face_regions", "hull_mask"]

_CONNECTIONS = mp.solutions.face_mesh_connections


def _points_of(edges: frozenset[tuple[int, int]]) -> tuple[int, ...]:
    return tuple(sorted({i for edge in edges for i in edge}))


FACE_OVAL = _points_of(_CONNECTIONS.FACEMESH_FACE_OVAL)
#: The nose's underside, ala to ala through the tip (its points in FACEMESH_NOSE): the
#: nostrils are dark spots that are no blemish.
NOSTRILS = (48, 64, 98, 97, 2, 326, 327, 294, 278, 1)
#: Regions retouching leaves alone: eyes, brows, lips (MediaPipe's contour index sets) and
#: the nostrils.
FEATURES = (
    *(
        _points_of(edges)
        for edges in (
            _CONNECTIONS.FACEMESH_RIGHT_EYE,
            _CONNECTIONS.FACEMESH_LEFT_EYE,
            _CONNECTIONS.FACEMESH_RIGHT_EYEBROW,
            _CONNECTIONS.FACEMESH_LEFT_EYEBROW,
            _CONNECTIONS.FACEMESH_LIPS,
        )
    ),
    NOSTRILS,
)
#: Lower-lid contours, outer corner to inner corner: (person's right eye, left eye).
LOWER_LIDS = (
    (33, 7, 163, 144, 145, 153, 154, 155, 133),
    (263, 249, 390, 373, 374, 380, 381, 382, 362),
)
#: ROI margin around the landmarks' box, as a share of the box's size.
_ROI_MARGIN = 0.25


@dataclass(frozen=True, slots=True)
class FaceRegions:
    """Masks of one face, all ``(h, w)`` over ``roi`` (x0, y0, x1, y1 in image pixels)."""

    roi: tuple[int, int, int, int]
    #: ``(478, 2)`` landmark pixels in ROI coordinates.
    points: NDArray[np.float32]
    #: 1 inside the face oval, else 0.
    face: NDArray[np.float32]
    #: Soft skin weight in [0, 1]: 0 on eyes, brows, lips, hair and anything not skin-coloured.
    skin: NDArray[np.float32]
    #: Distance between the outer eye corners, pixels.
    face_width: float

    @property
    def slices(self) -> tuple[slice, slice]:
        x0, y0, x1, y1 = self.roi
        return slice(y0, y1), slice(x0, x1)


def hull_mask(shape: tuple[int, int], points: NDArray[np.float32]) -> NDArray[np.uint8]:
    """1 inside the convex hull of ``points`` (pixels), else 0."""
    mask = np.zeros(shape, dtype=np.uint8)
    hull = np.asarray(cv2.convexHull(np.round(points).astype(np.int32)), dtype=np.int32)
    cv2.fillConvexPoly(mask, hull, 1, lineType=cv2.LINE_8)  # type: ignore[call-overload]
    return mask


def face_regions(rgb: NDArray[np.uint8], landmarks: NDArray[np.float32]) -> FaceRegions:
    """The regions of the face whose ``(478, 3)`` pixel landmarks are given."""
    h, w = rgb.shape[:2]
    xy = landmarks[:, :2]
    (lx0, ly0), (lx1, ly1) = xy.min(axis=0), xy.max(axis=0)
    mx, my = _ROI_MARGIN * (lx1 - lx0), _ROI_MARGIN * (ly1 - ly0)
    x0, y0 = max(0, int(lx0 - mx)), max(0, int(ly0 - 1.5 * my))
    x1, y1 = min(w, int(np.ceil(lx1 + mx))), min(h, int(np.ceil(ly1 + my)))
    if x1 - x0 < 8 or y1 - y0 < 8:
        raise ValueError(f"the face is too small to retouch ({x1 - x0}x{y1 - y0} px)")
    points = (xy - np.array([x0, y0], dtype=np.float32)).astype(np.float32)
    shape = (y1 - y0, x1 - x0)
    face_width = float(np.linalg.norm(xy[33] - xy[263]))
    face = hull_mask(shape, points[list(FACE_OVAL)])
    features = np.zeros(shape, dtype=np.uint8)
    for ids in FEATURES:
        features |= hull_mask(shape, points[list(ids)])
    grow = max(1, round(face_width * 0.04))
    features = np.asarray(
        cv2.dilate(features, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow + 1,) * 2)),
        dtype=np.uint8,
    )
    core = (face > 0) & (features == 0)
    roi_rgb = np.ascontiguousarray(rgb[y0:y1, x0:x1])
    skin = core.astype(np.float32) * _skin_likelihood(roi_rgb, core)
    feather = max(0.8, face_width * 0.01)
    skin = cv2.GaussianBlur(skin, (0, 0), feather) * core
    return FaceRegions((x0, y0, x1, y1), points, face.astype(np.float32), skin, face_width)


def _skin_likelihood(rgb: NDArray[np.uint8], core: NDArray[np.bool_]) -> NDArray[np.float32]:
    """How skin-like each pixel's colour is, against the face's own skin colour (chroma
    Mahalanobis distance, plus a floor on brightness): hair, beards and glasses fall out."""
    ycc = cv2.cvtColor(rgb, cv2.COLOR_RGB2YCrCb).astype(np.float32)
    samples = ycc[core]
    if len(samples) < 16:
        return np.zeros(core.shape, dtype=np.float32)
    chroma = samples[:, 1:]
    median = np.median(chroma, axis=0)
    near = chroma[np.linalg.norm(chroma - median, axis=1) < 20]
    mean = near.mean(axis=0) if len(near) >= 16 else median
    cov = np.cov((near if len(near) >= 16 else chroma).T) + np.eye(2) * 4.0
    diff = ycc[..., 1:] - mean
    d2 = np.einsum("...i,ij,...j->...", diff, np.linalg.inv(cov), diff)
    chroma_ok = np.clip(1.0 - (np.sqrt(d2) - 2.5) / 2.0, 0.0, 1.0)
    y_median = float(np.median(samples[:, 0]))
    bright_ok = np.clip((ycc[..., 0] - 0.35 * y_median) / (0.15 * y_median + 1.0), 0.0, 1.0)
    out: NDArray[np.float32] = (chroma_ok * bright_ok).astype(np.float32)
    return out
