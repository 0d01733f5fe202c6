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

__all__ = ["OPENING_LOOPS", "Opening", "opening_masks"]

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
