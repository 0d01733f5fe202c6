"""Known regions of the face mesh's topology: the eye and mouth openings.

The canonical face (`tryon.tracking.canonical`) closes its holes at the eyes and the mouth so
that it can serve as a solid occluder. Those closing triangles are marked here by the loop of
landmarks around each opening (the eyelid margins and the inner lip contour): a pass that
paints the skin leaves them out (an open mouth keeps teeth and tongue unpainted; nothing
paints the eyeball), and one that draws on the eye (coloured contacts) draws only there.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Literal

import numpy as np
from numpy.typing import NDArray

__all__ = ["CONTOURS", "OPENING_LOOPS", "Opening", "opening_masks"]

Opening = Literal["mouth", "right_eye", "left_eye"]

#: The landmark loop around each opening, in order (person's right eye, left eye).
OPENING_LOOPS: MappingProxyType[Opening, tuple[int, ...]] = MappingProxyType(
    {
        "mouth": (
            78,
            95,
            88,
            178,
            87,
            14,
            317,
            402,
            318,
            324,
            308,
            415,
            310,
            311,
            312,
            13,
            82,
            81,
            80,
            191,
        ),
        "right_eye": (33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246),
        "left_eye": (
            263,
            249,
            390,
            373,
            374,
            380,
            381,
            382,
            362,
            398,
            384,
            385,
            386,
            387,
            388,
            466,
        ),
    }
)


def opening_masks(triangles: NDArray[np.integer]) -> dict[Opening, NDArray[np.bool_]]:  # type: ignore[type-arg]
    """For each opening, which of ``triangles`` (``(T, 3)`` landmark indices) close it: those
    whose three corners all lie on its loop."""
    return {name: np.isin(triangles, loop).all(axis=1) for name, loop in OPENING_LOOPS.items()}


#: Landmark contours of the person's right half of the face and of its middle (MediaPipe face
#: mesh indices, in drawing order). The canonical face is left-right symmetric, so the left
#: half is the mirror image of the right one in UV space (u -> 1 - u).
CONTOURS: MappingProxyType[str, tuple[int, ...]] = MappingProxyType(
    {
        # the whole face, around its edge
        "silhouette": (
            *(10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378),
            *(400, 377, 152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21),
            *(54, 103, 67, 109),
        ),
        # the outer edge of the lips (vermilion border), right corner first
        "lips_outer": (
            *(61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291),
            *(375, 321, 405, 314, 17, 84, 181, 91, 146),
        ),
        # the upper eyelid margin (lash line), outer corner to inner corner
        "eye_upper": (33, 246, 161, 160, 159, 158, 157, 173, 133),
        # the lower eyelid margin, outer corner to inner corner
        "eye_lower": (33, 7, 163, 144, 145, 153, 154, 155, 133),
        # the lid's upper edge (about the crease), outer to inner
        "lid_top": (130, 247, 30, 29, 27, 28, 56, 190, 243),
        # the crease's upper edge, under the brow bone, outer to inner
        "crease_top": (113, 225, 224, 223, 222, 221, 189),
        # under the lower lid, where concealer goes, outer to inner
        "under_eye": (226, 31, 228, 229, 230, 231, 232, 233, 244),
        # the brow's upper and lower edges, outer to inner
        "brow_upper": (70, 63, 105, 66, 107),
        "brow_lower": (46, 53, 52, 65, 55),
        # cheek landmarks: the apple, the cheekbone's top, the hollow under it
        "cheek_apple": (50, 101, 118, 117, 123, 187, 205, 36),
        "cheekbone": (143, 111, 117, 118),
        "cheek_hollow": (234, 93, 137, 177, 147, 187),
        # down the nose bridge
        "nose_bridge": (168, 6, 197, 195),
    }
)
