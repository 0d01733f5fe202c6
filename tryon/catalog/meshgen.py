"""Small triangle-mesh builders for generated products: swept tubes, curved lens caps,
ellipsoids. Everything in metres, float32 vertices, smooth analytic normals."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "MeshData",
    "ellipsoid",
    "lens_cap",
    "merge",
    "resample_closed",
    "rotation_y",
    "sweep",
]

F32 = NDArray[np.float32]
F64 = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class MeshData:
    """One indexed triangle list before it is written to glTF."""

    positions: F32  # (N, 3)
    normals: F32  # (N, 3), unit length
    uvs: F32  # (N, 2)
    indices: NDArray[np.uint32]  # (M,)

    def transformed(self, rotation: F64, offset: F64) -> MeshData:
        """Rotate by the 3x3 ``rotation`` then translate by ``offset``."""
        pos = self.positions.astype(np.float64) @ rotation.T + offset
        nrm = self.normals.astype(np.float64) @ rotation.T
        return MeshData(_f32(pos), _unit(nrm), self.uvs, self.indices)


def merge(parts: list[MeshData]) -> MeshData:
    """One mesh holding all ``parts`` (same material)."""
    offsets = np.cumsum([0] + [len(p.positions) for p in parts[:-1]])
    return MeshData(
        np.concatenate([p.positions for p in parts]),
        np.concatenate([p.normals for p in parts]),
        np.concatenate([p.uvs for p in parts]),
        np.concatenate([p.indices + np.uint32(o) for p, o in zip(parts, offsets, strict=True)]),
    )


def rotation_y(angle: float) -> F64:
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])


def resample_closed(points: F64, count: int) -> F64:
    """``count`` points evenly spaced by arc length along the closed polyline ``points``."""
    loop = np.concatenate([points, points[:1]])
    seg = np.linalg.norm(np.diff(loop, axis=0), axis=1)
    s = np.concatenate([[0.0], np.cumsum(seg)])
    target = np.linspace(0.0, s[-1], count, endpoint=False)
    return np.stack([np.interp(target, s, loop[:, k]) for k in range(points.shape[1])], axis=1)


def sweep(
    path: F64,
    ref: F64,
    half_width: F64 | float,
    half_depth: F64 | float,
    *,
    closed: bool,
    segments: int = 8,
    uv_length: float = 0.05,
) -> MeshData:
    """An elliptical tube along ``path`` (P, 3).

    The section's ``half_depth`` axis is ``ref`` made orthogonal to the path's tangent, the
    ``half_width`` axis is tangent x that. Open tubes get flat end caps. ``u`` runs along the
    path (one unit per ``uv_length`` metres), ``v`` around the section. The section is a
    ``segments``-gon whose first vertex lies on the width axis: with an even count the tube is
    exactly ``2 * half_width`` wide (a software rasteriser pays for every triangle, so
    sections stay coarse; smooth normals hide the facets).
    """
    p = len(path)
    hw = np.broadcast_to(np.asarray(half_width, dtype=np.float64), (p,))
    hd = np.broadcast_to(np.asarray(half_depth, dtype=np.float64), (p,))
    if closed:
        tangent = np.roll(path, -1, axis=0) - np.roll(path, 1, axis=0)
    else:
        tangent = np.gradient(path, axis=0)
    tangent = _unit(tangent).astype(np.float64)
    b_axis = ref - np.sum(ref * tangent, axis=1, keepdims=True) * tangent
    b_axis = _unit(b_axis).astype(np.float64)
    n_axis = np.cross(tangent, b_axis)

    phi = np.linspace(0.0, 2.0 * np.pi, segments + 1)  # seam vertex duplicated for the uvs
    cos, sin = np.cos(phi)[None, :, None], np.sin(phi)[None, :, None]
    n3, b3 = n_axis[:, None, :], b_axis[:, None, :]
    ring = path[:, None, :] + hw[:, None, None] * cos * n3 + hd[:, None, None] * sin * b3
    normal = hd[:, None, None] * cos * n3 + hw[:, None, None] * sin * b3
    arc = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(path, axis=0), axis=1))])
    if closed:  # repeat the first ring so the u seam gets its own vertices
        ring = np.concatenate([ring, ring[:1]])
        normal = np.concatenate([normal, normal[:1]])
        arc = np.append(arc, arc[-1] + np.linalg.norm(path[0] - path[-1]))
    rows = len(ring)
    u = np.repeat(arc / uv_length, segments + 1)
    v = np.tile(phi / (2.0 * np.pi), rows)
    tube = MeshData(
        _f32(ring.reshape(-1, 3)),
        _unit(normal.reshape(-1, 3)),
        _f32(np.stack([u, v], axis=1)),
        _grid_indices(rows, segments + 1),
    )
    if closed:
        return tube
    caps = [_cap(ring[0], -tangent[0], flip=True), _cap(ring[-1], tangent[-1], flip=False)]
    return merge([tube, *caps])


def lens_cap(outline: F64, radius: float, rings: int = 2, inner_step: int = 4) -> MeshData:
    """A spherical cap (curve ``radius``, convex toward +Z, apex at the origin) bounded by the
    star-shaped 2D ``outline`` (K, 2) around the origin; uvs map the outline's box to [0, 1].

    The outline ring keeps every point (it is the lens's silhouette); the ``rings - 1`` rings
    inside it, scaled copies of the outline, keep every ``inner_step``-th point: the surface
    is smooth there, and a software rasteriser pays for every triangle.
    """
    k = len(outline)
    if rings < 2 or inner_step < 1 or k % inner_step:
        raise ValueError(
            f"lens_cap needs rings >= 2 and an outline of a multiple of inner_step points, got "
            f"rings={rings}, inner_step={inner_step}, {k} points"
        )
    inner = outline[::inner_step]
    m = len(inner)
    scale = np.linspace(0.0, 1.0, rings + 1)[1:-1]
    xy = np.concatenate([np.zeros((1, 2)), (scale[:, None, None] * inner[None]).reshape(-1, 2)])
    xy = np.concatenate([xy, outline])
    centre = np.array([0.0, 0.0, -radius])
    z = np.sqrt(radius**2 - np.sum(xy**2, axis=1)) - radius
    pos = np.concatenate([xy, z[:, None]], axis=1)
    lo, hi = outline.min(axis=0), outline.max(axis=0)
    uv = np.stack([(xy[:, 0] - lo[0]) / (hi[0] - lo[0]), (hi[1] - xy[:, 1]) / (hi[1] - lo[1])], 1)
    j = np.arange(m)
    tris = [np.stack([np.zeros(m, dtype=np.int64), 1 + j, 1 + (j + 1) % m], axis=1)]
    for r in range(rings - 2):  # quads between inner rings
        a, b = 1 + r * m + j, 1 + (r + 1) * m + j
        a2, b2 = 1 + r * m + (j + 1) % m, 1 + (r + 1) * m + (j + 1) % m
        tris.append(np.stack([a, b, b2, a, b2, a2], axis=1).reshape(-1, 3))
    # The band to the outline: each outline edge fans from the inner point before it, and a
    # triangle closes the gap between consecutive inner points.
    last, outer, i = 1 + (rings - 2) * m, 1 + (rings - 1) * m, np.arange(k)
    tris.append(np.stack([last + i // inner_step, outer + i, outer + (i + 1) % k], axis=1))
    gap = np.stack([last + j, outer + ((j + 1) * inner_step) % k, last + (j + 1) % m], axis=1)
    tris.append(gap)
    indices = np.concatenate(tris).astype(np.uint32).ravel()
    return MeshData(_f32(pos), _unit(pos - centre), _f32(uv), indices)


def ellipsoid(radii: tuple[float, float, float], stacks: int = 8, slices: int = 12) -> MeshData:
    """An axis-aligned ellipsoid centred at the origin."""
    theta = np.linspace(0.0, np.pi, stacks + 1)[:, None]
    phi = np.linspace(0.0, 2.0 * np.pi, slices + 1)[None, :]
    unit = np.stack(
        [
            np.sin(theta) * np.cos(phi),
            np.cos(theta) * np.ones_like(phi),
            np.sin(theta) * np.sin(phi),
        ],
        axis=-1,
    ).reshape(-1, 3)
    r = np.asarray(radii)
    uv = np.stack(np.broadcast_arrays(phi / (2 * np.pi), theta / np.pi), axis=-1).reshape(-1, 2)
    outward = _grid_indices(stacks + 1, slices + 1).reshape(-1, 3)[:, [0, 2, 1]].ravel()
    return MeshData(_f32(unit * r), _unit(unit / r), _f32(uv), _u32(outward))


def _cap(ring: F64, outward: F64, *, flip: bool) -> MeshData:
    """A flat fan closing one end of an open tube."""
    m = len(ring) - 1  # last ring vertex repeats the first
    pos = np.concatenate([ring.mean(axis=0, keepdims=True), ring[:m]])
    nrm = np.broadcast_to(outward, pos.shape)
    j = np.arange(m)
    tri = np.stack([np.zeros(m, dtype=np.int64), 1 + (j + 1) % m, 1 + j], axis=1)
    if flip:
        tri = tri[:, [0, 2, 1]]
    return MeshData(_f32(pos), _unit(nrm), np.zeros((m + 1, 2), np.float32), _u32(tri.ravel()))


def _grid_indices(rows: int, cols: int) -> NDArray[np.uint32]:
    """Two triangles per cell of a rows x cols vertex grid; counter-clockwise seen from the
    side (row direction) x (column direction) points to."""
    r, c = np.meshgrid(np.arange(rows - 1), np.arange(cols - 1), indexing="ij")
    a = (r * cols + c).ravel()
    b, d = a + cols, a + 1
    e = b + 1
    return _u32(np.stack([a, b, e, a, e, d], axis=1).ravel())


def _unit(v: F64 | F32) -> F32:
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    return _f32(v / np.maximum(n, 1e-12))


def _f32(a: F64 | F32) -> F32:
    return np.ascontiguousarray(a, dtype=np.float32)


def _u32(a: NDArray[np.integer[Any]]) -> NDArray[np.uint32]:
    return np.ascontiguousarray(a, dtype=np.uint32)
