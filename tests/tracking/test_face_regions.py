"""The eye and mouth openings are known regions of the canonical mesh."""

from __future__ import annotations

import numpy as np

from tryon.tracking.canonical import load_canonical_face
from tryon.tracking.face_regions import OPENING_LOOPS, opening_masks
from tryon.tracking.topology import boundary_loops


def test_each_opening_is_exactly_the_triangles_that_close_its_loop() -> None:
    tris = load_canonical_face().triangles
    masks = opening_masks(tris)
    assert [len(loop) for loop in boundary_loops(tris)] == [36]  # only the face oval is open
    for name, loop in OPENING_LOOPS.items():
        mask = masks[name]
        assert mask.sum() == len(loop) - 2, name  # a polygon of n corners closes with n - 2
        opened = boundary_loops(tris[~mask])
        assert sorted(len(ring) for ring in opened) == sorted([36, len(loop)]), name
        assert any(set(ring) == set(loop) for ring in opened), name
    together = np.logical_or.reduce(list(masks.values()))
    assert together.sum() == sum(m.sum() for m in masks.values())  # no triangle in two
