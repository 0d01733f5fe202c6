"""Levels of detail for product meshes: coarser index lists over the same vertices, drawn
when the mesh is small on screen.

At upload, a mesh with enough triangles gets coarser index lists from meshoptimizer's
simplifier (it keeps the vertex buffer and returns indices into it, so normals, UVs and seams
stay exact), each with its geometric error in the mesh's units (metres for products). Per
frame the coarsest level whose error, projected at the mesh's nearest depth, stays within
:data:`TOLERANCE_PX` is drawn: software rasterisers pay per triangle whether it covers a pixel
or not. Without meshoptimizer every mesh has only its full level.
"""

from __future__ import annotations

import functools
import importlib
import logging
import math
from dataclasses import dataclass
from types import ModuleType

import numpy as np
from numpy.typing import NDArray

__all__ = ["TOLERANCE_PX", "Level", "MeshLod", "build_lod"]

log = logging.getLogger(__name__)

#: Largest projected error a level may have, in pixels. Half a pixel: an edge that moves less
#: than that changes the coverage of at most the one row of pixels along it (those whose
#: centres are within half a pixel of it), which FXAA blends anyway. On the astronaut
#: (glasses about 100 px wide) it draws 1/8 of the frame front's triangles; the silhouette
#: keeps an IoU of 0.99 with full detail and 4% of the glasses' pixels change by more than
#: 24 levels (highlights along the rims); 1 px doubles those changes for 10% fewer triangles.
TOLERANCE_PX = 0.5
#: Meshes with fewer triangles are drawn whole (levels would save little).
MIN_TRIANGLES = 256
#: No level gets fewer triangles than this.
MIN_LEVEL_TRIANGLES = 64
#: At most this many levels, the full one included (each about half the previous one).
MAX_LEVELS = 6


@dataclass(frozen=True, slots=True)
class Level:
    """A range of the mesh's index buffer: ``count`` indices from index ``first``; ``error``:
    how far its surface may be from the full mesh's, in the mesh's units (0 for full)."""

    first: int
    count: int
    error: float


@dataclass(frozen=True, slots=True)
class MeshLod:
    """A mesh's levels, finest (the full index list, at index 0) first, errors increasing;
    and its bounding sphere (``center``, ``radius``, mesh units) to find its nearest depth."""

    levels: tuple[Level, ...]
    center: tuple[float, float, float]
    radius: float

    @property
    def full(self) -> Level:
        return self.levels[0]

    def level(self, model: NDArray[np.floating], focal_px: float) -> Level:  # type: ignore[type-arg]
        """The coarsest level whose error is at most :data:`TOLERANCE_PX` pixels where the
        mesh is nearest to the camera: ``model`` is camera-from-mesh (the camera looks down
        -Z), ``focal_px`` the camera's focal length in pixels. Full detail if the mesh's
        bounding sphere reaches the camera."""
        if len(self.levels) == 1:
            return self.levels[0]
        m = model.tolist()  # a few floats: plain Python is quicker than numpy here
        scale = max(math.hypot(m[0][j], m[1][j], m[2][j]) for j in range(3))
        cx, cy, cz = self.center
        depth = -(m[2][0] * cx + m[2][1] * cy + m[2][2] * cz + m[2][3]) - self.radius * scale
        if depth <= 0.0 or scale <= 0.0:
            return self.levels[0]
        tolerance = TOLERANCE_PX * depth / (focal_px * scale)  # in mesh units
        for level in reversed(self.levels):
            if level.error <= tolerance:
                return level
        return self.levels[0]


@functools.cache
def _say_full_detail_only(reason: str) -> None:
    log.info("no mesh simplifier (%s): product meshes are drawn at full detail only", reason)


def _simplifier() -> ModuleType | None:
    try:
        return importlib.import_module("meshoptimizer")
    except Exception as exc:  # a missing or broken binding must not break rendering
        _say_full_detail_only(f"import meshoptimizer failed: {exc}")
        return None


def build_lod(
    indices: NDArray[np.uint32], positions: NDArray[np.float32], *, simplify: bool = True
) -> tuple[NDArray[np.uint32], MeshLod]:
    """The index buffer holding every level of a triangle mesh (full list first, coarser ones
    after it) and the levels. Without ``simplify``, for meshes under :data:`MIN_TRIANGLES`
    triangles or without a working simplifier, the full level only."""
    indices = np.ascontiguousarray(indices, dtype=np.uint32)
    positions = np.ascontiguousarray(positions, dtype=np.float32)
    lo, hi = positions.min(axis=0), positions.max(axis=0)
    mid = 0.5 * (lo.astype(np.float64) + hi)
    radius = float(np.linalg.norm(positions - mid, axis=1).max())
    center = (float(mid[0]), float(mid[1]), float(mid[2]))
    full = Level(0, len(indices), 0.0)
    levels = [full]
    chunks = [indices]
    if simplify and len(indices) >= 3 * MIN_TRIANGLES:
        meshopt = _simplifier()
        if meshopt is not None:
            try:
                chunks += _coarser(meshopt, indices, positions, radius, levels)
            except Exception as exc:  # keep the full level rather than fail the upload
                log.warning("simplifying a %d-triangle mesh failed: %s", len(indices) // 3, exc)
                del levels[1:]
                chunks = [indices]
    buffer = np.concatenate(chunks) if len(chunks) > 1 else indices
    return buffer, MeshLod(tuple(levels), center, radius)


def _coarser(
    meshopt: ModuleType,
    indices: NDArray[np.uint32],
    positions: NDArray[np.float32],
    radius: float,
    levels: list[Level],
) -> list[NDArray[np.uint32]]:
    """Appends to ``levels`` each coarser level (about half the previous one's triangles,
    each simplified from the full mesh) and returns their index lists."""
    chunks = []
    first = len(indices)
    target = len(indices)
    destination = np.empty(len(indices), dtype=np.uint32)
    error = np.zeros(1, dtype=np.float32)
    while len(levels) < MAX_LEVELS:
        target = target // 6 * 3  # half the triangles, whole triangles
        if target < 3 * MIN_LEVEL_TRIANGLES:
            break
        count = int(
            meshopt.simplify(
                destination,
                indices,
                positions,
                target_index_count=target,
                target_error=2.0 * radius,  # no limit: the count sets the level
                options=meshopt.SIMPLIFY_ERROR_ABSOLUTE,
                result_error=error,
            )
        )
        previous = levels[-1]
        if not 0 < count < previous.count or not float(error[0]) > previous.error:
            break  # the simplifier cannot go further without losing the surface
        if count % 3 or int(destination[:count].max()) >= len(positions):
            raise ValueError(f"simplifier returned {count} indices outside the mesh")
        chunks.append(destination[:count].copy())
        levels.append(Level(first, count, float(error[0])))
        first += count
    return chunks
