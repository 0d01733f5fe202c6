"""Derive the canonical face (tryon/tracking/data/canonical_face.npz) with tryon's own tracker.

Tracks the astronaut photo (scikit-image) and similarity transforms of it (scale, in-plane
rotation, shift), back-projects each face to metric 3-D with the same code the engine uses,
aligns and averages the shapes, frontalises them (X from left/right landmark pairs, Y along
the facial midline, origin at the nose bridge 168), makes the shape left-right symmetric,
scales it so that the irises are 11.7 mm across, rebuilds the triangles from MediaPipe's
tessellation edges and lays out UVs from the frontal shape.

Usage: .venv/bin/python scripts/make_canonical_face.py [OUT.npz]
"""

from __future__ import annotations

import sys
from pathlib import Path

import mediapipe as mp
import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linear_sum_assignment
from skimage import data, transform

from tryon.tracking.camera import CameraIntrinsics
from tryon.tracking.canonical import CANONICAL_FACE_PATH
from tryon.tracking.geometry import IRIS_DIAMETER_MM
from tryon.tracking.landmarks import (
    FOREHEAD_TOP,
    IRIS_HORIZONTAL,
    MIDLINE,
    NOSE_BRIDGE,
    SYMMETRIC_PAIRS,
)
from tryon.tracking.mediapipe_tracker import MediaPipeFaceTracker
from tryon.tracking.procrustes import weighted_umeyama
from tryon.tracking.solve import backproject
from tryon.tracking.topology import triangles_from_edges
from tryon.tracking.tracker import TrackerOptions

F64 = NDArray[np.float64]


def variants(image: NDArray[np.uint8]) -> list[NDArray[np.uint8]]:
    """The photo under similarity transforms about its face (nearly frontal all along)."""
    h, w = image.shape[:2]
    centre = np.array([225.0, 125.0])  # roughly the face centre in the 512x512 photo
    out = []
    for scale in (0.8, 1.0, 1.3):
        for angle in (-8.0, 0.0, 8.0):
            to_origin = transform.SimilarityTransform(translation=-centre)
            turn = transform.SimilarityTransform(scale=scale, rotation=np.radians(angle))
            back = transform.SimilarityTransform(translation=(w / 2, h / 2))
            tf = to_origin + turn + back
            warped = transform.warp(image, tf.inverse, output_shape=(h, w), mode="edge")
            out.append((warped * 255).round().astype(np.uint8))
    return out


def metric_shape(image: NDArray[np.uint8]) -> F64:
    """The tracked face in metric camera space (iris-scaled back-projection)."""
    with MediaPipeFaceTracker(TrackerOptions(find_small_faces=False)) as tracker:
        faces = tracker.track(image, 1).faces
    if not faces:
        raise SystemExit("make_canonical_face: the tracker found no face in a variant")
    face = faces[0]
    h, w = image.shape[:2]
    mm_per_px = IRIS_DIAMETER_MM / float(face.iris_diameters_px.mean())
    return backproject(face.landmarks, CameraIntrinsics.from_fov(w, h), mm_per_px)


def head_frame(shape: F64) -> F64:
    """Rows X, Y, Z of the head frame (+X person's left, +Y up, +Z out of the face)."""
    x = np.mean([shape[left] - shape[right] for right, left in SYMMETRIC_PAIRS], axis=0)
    x /= np.linalg.norm(x)
    mid = shape[list(MIDLINE)]
    mid = mid - mid.mean(axis=0)
    mid -= np.outer(mid @ x, x)
    y = np.linalg.svd(mid, full_matrices=False)[2][0]
    if y @ (shape[FOREHEAD_TOP] - shape[152]) < 0:
        y = -y
    y -= (y @ x) * x
    y /= np.linalg.norm(y)
    frame: F64 = np.stack([x, y, np.cross(x, y)])
    return frame


def mirror_map(shape: F64) -> NDArray[np.intp]:
    """For each landmark, the index of its mirror image across the head's YZ plane."""
    mirrored = shape * np.array([-1.0, 1.0, 1.0])
    d = np.linalg.norm(shape[:, None, :] - mirrored[None, :, :], axis=2)
    rows, cols = linear_sum_assignment(d + d.T)
    m: NDArray[np.intp] = cols[np.argsort(rows)]
    if not np.array_equal(m[m], np.arange(len(m))):
        bad = int(np.sum(m[m] != np.arange(len(m))))
        raise SystemExit(f"make_canonical_face: mirror map is not an involution ({bad} points)")
    return m


def iris_diameter(shape: F64) -> float:
    return float(np.mean([np.linalg.norm(shape[a] - shape[b]) for a, b in IRIS_HORIZONTAL]))


def uv_layout(shape: F64) -> NDArray[np.float32]:
    """Planar UVs of the frontal shape, aspect kept, centred in [0, 1]^2 (v down)."""
    xy = shape[:, :2] * np.array([1.0, -1.0])
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    span = float((hi - lo).max()) * 1.02
    uv = (xy - (lo + hi) / 2) / span + 0.5
    return uv.astype(np.float32)


def main(out: Path) -> None:
    shapes = [metric_shape(img) for img in variants(np.ascontiguousarray(data.astronaut()))]
    ref = shapes[0]
    aligned = [weighted_umeyama(s, ref).apply(s) for s in shapes]
    mean = np.mean(aligned, axis=0)
    frontal = (mean - mean[NOSE_BRIDGE]) @ head_frame(mean).T
    mirror = mirror_map(frontal)
    frontal = 0.5 * (frontal + frontal[mirror] * np.array([-1.0, 1.0, 1.0]))
    frontal = (frontal - frontal[NOSE_BRIDGE]) @ head_frame(frontal).T
    frontal *= IRIS_DIAMETER_MM / 1000.0 / iris_diameter(frontal)
    triangles = triangles_from_edges(
        mp.solutions.face_mesh.FACEMESH_TESSELATION, frontal[:468], keep_open=[FOREHEAD_TOP]
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        out,
        vertices=frontal.astype(np.float32),
        triangles=triangles,
        uvs=uv_layout(frontal),
    )
    spread = np.mean([np.linalg.norm(a - ref, axis=1).mean() for a in aligned]) * 1000
    print(
        f"wrote {out}: {len(frontal)} vertices, {len(triangles)} triangles, "
        f"{len(shapes)} views (mean spread {spread:.2f} mm), "
        f"outer eye corners {np.linalg.norm(frontal[33] - frontal[263]) * 100:.1f} cm apart"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else CANONICAL_FACE_PATH)
