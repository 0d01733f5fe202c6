"""Named landmark indices of MediaPipe's 478-point face mesh (468 mesh points + 10 iris).

Eye order everywhere is (person's right, person's left): image left, image right for an
unmirrored camera.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "EYE_INNER_CORNERS",
    "EYE_OUTER_CORNERS",
    "FOREHEAD_TOP",
    "IRIS_CENTERS",
    "IRIS_HORIZONTAL",
    "MIDLINE",
    "NOSE_BRIDGE",
    "RIGID_LANDMARKS",
    "SYMMETRIC_PAIRS",
    "rigid_weights",
]

#: Head-frame origin: the nose bridge between the eyes.
NOSE_BRIDGE = 168
FOREHEAD_TOP = 10
#: Iris centres (right, left).
IRIS_CENTERS = (468, 473)
#: Horizontal iris extremes per eye: ((right eye a, b), (left eye a, b)).
IRIS_HORIZONTAL = ((469, 471), (474, 476))
EYE_OUTER_CORNERS = (33, 263)
EYE_INNER_CORNERS = (133, 362)
#: Points on the face's plane of symmetry, forehead to chin.
MIDLINE = (10, 151, 9, 8, 168, 6, 197, 195, 5, 4, 1, 2, 164, 0, 17, 18, 200, 199, 175, 152)
#: (person's right, person's left) landmark pairs mirrored across the midline, on rigid parts.
SYMMETRIC_PAIRS = (
    (33, 263),  # eye outer corners
    (133, 362),  # eye inner corners
    (234, 454),  # cheekbones at the face edge
    (127, 356),  # temples
    (116, 345),  # cheekbones
    (123, 352),
    (67, 297),  # forehead
    (109, 338),
    (105, 334),  # brows (above the eye, moves little)
    (193, 417),  # nose bridge sides
    (98, 327),  # nostrils
)
#: Landmarks that move with the skull, not with expressions: eye corners, nose bridge,
#: forehead, cheekbones, temples. Lips, jaw and eyelids are left out.
RIGID_LANDMARKS: tuple[int, ...] = tuple(
    sorted(
        {
            *(i for pair in SYMMETRIC_PAIRS for i in pair if i not in (105, 334, 98, 327)),
            10, 151, 9, 8, 168, 6, 197, 195, 5, 4,
        }
    )
)  # fmt: skip


def rigid_weights(num_landmarks: int = 478) -> NDArray[np.float64]:
    """Per-landmark weights for pose fitting: 1 on the rigid set, 0 elsewhere."""
    w = np.zeros(num_landmarks, dtype=np.float64)
    w[list(RIGID_LANDMARKS)] = 1.0
    return w
