"""Triangles of the face mesh, rebuilt from MediaPipe's tessellation edge set.

``FACEMESH_TESSELATION`` lists edges only. Its 3-cycles are the mesh's triangles plus a few
spurious cycles (three edges that each border two real triangles); the surface has holes at
the eyes and the mouth, which are closed here so the mesh can serve as a solid occluder.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["boundary_loops", "edge_use_counts", "triangles_from_edges"]

Edge = tuple[int, int]


def _key(a: int, b: int) -> Edge:
    return (a, b) if a < b else (b, a)


def edge_use_counts(triangles: NDArray[np.int32]) -> Counter[Edge]:
    """How many triangles share each undirected edge (2 inside a manifold, 1 on its border)."""
    counts: Counter[Edge] = Counter()
    for a, b, c in triangles.tolist():
        counts.update((_key(a, b), _key(b, c), _key(a, c)))
    return counts


def boundary_loops(triangles: NDArray[np.int32]) -> list[list[int]]:
    """The closed loops of border edges (edges used by one triangle), as vertex cycles."""
    counts = edge_use_counts(triangles)
    nxt: dict[int, list[int]] = {}
    for (a, b), n in counts.items():
        if n == 1:
            nxt.setdefault(a, []).append(b)
            nxt.setdefault(b, []).append(a)
    loops: list[list[int]] = []
    seen: set[int] = set()
    for start in sorted(nxt):
        if start in seen:
            continue
        loop, prev, cur = [start], -1, start
        seen.add(start)
        while True:
            step = [n for n in nxt[cur] if n != prev and n not in seen]
            if not step:
                break
            prev, cur = cur, step[0]
            loop.append(cur)
            seen.add(cur)
        loops.append(loop)
    return loops


def _ear_clip(loop: list[int], xy: NDArray[np.float64]) -> list[tuple[int, int, int]]:
    """Triangulate a simple polygon (vertex ids ``loop``, 2-D positions ``xy``)."""
    idx = list(loop)
    area = sum(
        xy[idx[i - 1], 0] * xy[idx[i], 1] - xy[idx[i], 0] * xy[idx[i - 1], 1]
        for i in range(len(idx))
    )
    if area < 0:
        idx.reverse()

    def cross(o: int, a: int, b: int) -> float:
        return float(
            (xy[a, 0] - xy[o, 0]) * (xy[b, 1] - xy[o, 1])
            - (xy[a, 1] - xy[o, 1]) * (xy[b, 0] - xy[o, 0])
        )

    tris: list[tuple[int, int, int]] = []
    while len(idx) > 3:
        for i in range(len(idx)):
            a, b, c = idx[i - 1], idx[i], idx[(i + 1) % len(idx)]
            if cross(a, b, c) <= 0:
                continue
            others = [p for p in idx if p not in (a, b, c)]
            if any(
                cross(a, b, p) >= 0 and cross(b, c, p) >= 0 and cross(c, a, p) >= 0 for p in others
            ):
                continue
            tris.append((a, b, c))
            idx.pop(i)
            break
        else:  # degenerate polygon: fall back to a fan
            tris.extend((idx[0], idx[j], idx[j + 1]) for j in range(1, len(idx) - 1))
            return tris
    tris.append((idx[0], idx[1], idx[2]))
    return tris


def triangles_from_edges(
    edges: Iterable[Edge],
    vertices: NDArray[np.floating[Any]],
    *,
    keep_open: Iterable[int] = (),
) -> NDArray[np.int32]:
    """Triangles of the surface whose edges are ``edges``, holes closed, wound outward.

    ``vertices`` is the frontal shape (head frame, +Z out of the face); holes are triangulated
    in its XY projection, and every triangle is wound counter-clockwise seen from +Z side of
    the surface (its normal points away from a point behind the face). Border loops that
    contain a vertex of ``keep_open`` (the face oval) stay open.
    """
    v = np.asarray(vertices, dtype=np.float64)
    neighbours: dict[int, set[int]] = {}
    for a, b in edges:
        neighbours.setdefault(a, set()).add(b)
        neighbours.setdefault(b, set()).add(a)
    cycles = np.array(
        sorted(
            (a, b, c)
            for a, adj in neighbours.items()
            for b in adj
            if b > a
            for c in adj & neighbours[b]
            if c > b
        ),
        dtype=np.int32,
    )
    counts = edge_use_counts(cycles)
    spurious = np.array(
        [
            all(counts[e] > 2 for e in (_key(a, b), _key(b, c), _key(a, c)))
            for a, b, c in cycles.tolist()
        ]
    )
    tris = cycles[~spurious]
    keep = set(keep_open)
    fills = [
        t
        for loop in boundary_loops(tris)
        if not keep.intersection(loop)
        for t in _ear_clip(loop, v[:, :2])
    ]
    if fills:
        tris = np.concatenate([tris, np.array(fills, dtype=np.int32)])
    behind = v.mean(axis=0) - np.array([0.0, 0.0, np.ptp(v[:, 0])])
    normals = np.cross(v[tris[:, 1]] - v[tris[:, 0]], v[tris[:, 2]] - v[tris[:, 0]])
    outward = v[tris].mean(axis=1) - behind
    backwards = np.einsum("ij,ij->i", normals, outward) < 0
    tris[backwards] = tris[backwards][:, [0, 2, 1]]
    out: NDArray[np.int32] = np.ascontiguousarray(tris, dtype=np.int32)
    return out
