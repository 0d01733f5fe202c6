"""The makeup regions in UV space: where each mask lies, that lips never spill past their
contour, symmetry, and the per-triangle table the pass groups its draws by."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.ndimage import binary_dilation, binary_erosion
from skimage.draw import polygon

from tryon.render.makeup_regions import MASK_SIZE, Layer, region_masks, triangle_layers
from tryon.tracking.canonical import load_canonical_face
from tryon.tracking.face_regions import CONTOURS, OPENING_LOOPS


def _uv_region(loop: tuple[int, ...]) -> NDArray[np.bool_]:
    uv = load_canonical_face().uvs[list(loop)].astype(np.float64) * MASK_SIZE
    mask = np.zeros((MASK_SIZE, MASK_SIZE), dtype=bool)
    rr, cc = polygon(uv[:, 1], uv[:, 0], shape=mask.shape)
    mask[rr, cc] = True
    return mask


def test_every_layer_is_painted_on_both_halves() -> None:
    masks = region_masks()
    assert masks.shape == (len(Layer), MASK_SIZE, MASK_SIZE) and masks.dtype == np.uint8
    assert not masks.flags.writeable
    for layer in Layer:
        m = masks[layer].astype(np.int16)
        assert m.max() >= 128, f"{layer.name} is never solidly on"
        assert np.abs(m - m[:, ::-1]).max() <= 1, f"{layer.name} is not left-right symmetric"


def test_lips_stay_inside_their_contour() -> None:
    masks = region_masks()
    # two texels (about a pixel on a face 500 px wide) of slack: the painter (PIL) counts
    # the pixels an edge passes through as inside, this test (skimage) only their centres
    inside = binary_dilation(_uv_region(CONTOURS["lips_outer"]), iterations=2)
    for layer in (Layer.LIPS, Layer.LIP_LINER):
        assert masks[layer][~inside].max() == 0, f"{layer.name} spills past the lip contour"
    # lip liner is a band along the contour: the lips' middle is bare (the corners, where
    # the inner and outer contours meet, are left out)
    middle = binary_erosion(_uv_region(OPENING_LOOPS["mouth"]), iterations=4)
    assert masks[Layer.LIP_LINER][middle].max() == 0
    assert masks[Layer.LIPS][middle].mean() > 200


def test_regions_lie_where_their_landmarks_are() -> None:
    masks = region_masks()
    uv = load_canonical_face().uvs.astype(np.float64) * MASK_SIZE

    def at(layer: Layer, *landmarks: int) -> int:
        """The mask at the landmarks' mean."""
        u, v = uv[list(landmarks)].mean(axis=0)
        return int(masks[layer][int(v), int(u)])

    assert at(Layer.BROWS, 105, 52) > 200 and at(Layer.BROWS, 205) == 0  # brow, not cheek
    assert at(Layer.FOUNDATION, 151) > 200 and at(Layer.FOUNDATION, 0, 13) < 10  # not on lips
    assert at(Layer.BLUSH, 50) > 100 and at(Layer.BLUSH, 151) == 0
    assert at(Layer.CONCEALER, 145) > 0 and at(Layer.CONCEALER, 159) == 0  # under, not above


def test_triangle_table_marks_every_triangle_a_layer_touches() -> None:
    face = load_canonical_face()
    table = triangle_layers()
    masks = region_masks()
    assert table.shape == (len(face.triangles), len(Layer))
    centroids = face.uvs[face.triangles].mean(axis=1).astype(np.float64) * MASK_SIZE
    for layer in Layer:
        cols = np.clip(centroids[:, 0].astype(int), 0, MASK_SIZE - 1)
        rows = np.clip(centroids[:, 1].astype(int), 0, MASK_SIZE - 1)
        painted = masks[layer][rows, cols] > 0
        assert table[painted, layer].all(), f"{layer.name}: a painted triangle is not marked"
    assert table[:, Layer.LIPS].sum() < 0.25 * len(face.triangles)
