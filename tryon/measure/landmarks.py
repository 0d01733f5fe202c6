"""The face-mesh landmarks each measurement is taken between (MediaPipe's 478-point mesh).

Pairs are (person's right, person's left). Every measurement is a distance along one axis of
the pose-normalised head frame (+X toward the person's left, +Y up), so a turned or tilted
head does not shorten it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import numpy as np
from numpy.typing import NDArray

from tryon.measure.values import MEASUREMENT_NAMES
from tryon.tracking.landmarks import FOREHEAD_TOP, IRIS_CENTERS, NOSE_BRIDGE

__all__ = [
    "AXIS_X",
    "AXIS_Y",
    "CHEEKBONES",
    "CHIN",
    "CHIN_SIDES",
    "FOREHEAD_FRONT",
    "FOREHEAD_SIDES",
    "JAW_ANGLES",
    "MEASURED",
    "NOSE_BRIDGE_SIDES",
    "TEMPLES",
    "AxisDistances",
    "measured_distances",
]

AXIS_X: Final = 0
AXIS_Y: Final = 1

CHIN: Final = 152
#: Face outline at the cheekbones: the bizygomatic breadth, once calibrated
#: (`tryon.measure.calibration`).
CHEEKBONES: Final = (234, 454)
#: Face outline at the temples, level with the eyes: where a frame's end pieces and hinges
#: sit (the head width an optician matches a frame's total width to), once calibrated.
TEMPLES: Final = (127, 356)
#: Sides of the nose at the bridge, where a frame's bridge rests.
NOSE_BRIDGE_SIDES: Final = (193, 417)
#: Face outline on the upper forehead.
FOREHEAD_SIDES: Final = (54, 284)
#: Face outline at the jaw angles.
JAW_ANGLES: Final = (172, 397)
#: Face outline either side of the chin.
CHIN_SIDES: Final = (176, 400)
#: Forehead points that a card held flat against the forehead touches.
FOREHEAD_FRONT: Final = (151, 9, 108, 337, 107, 336)

#: name -> (landmark a, landmark b, head-frame axis); the value is |b - a| along the axis.
MEASURED: Final[dict[str, tuple[int, int, int]]] = {
    "pd": (IRIS_CENTERS[0], IRIS_CENTERS[1], AXIS_X),
    "pd_right": (IRIS_CENTERS[0], NOSE_BRIDGE, AXIS_X),
    "pd_left": (NOSE_BRIDGE, IRIS_CENTERS[1], AXIS_X),
    "face_width": (*CHEEKBONES, AXIS_X),
    "temple_width": (*TEMPLES, AXIS_X),
    "nose_bridge_width": (*NOSE_BRIDGE_SIDES, AXIS_X),
    "face_height": (FOREHEAD_TOP, CHIN, AXIS_Y),
}
assert tuple(MEASURED) == MEASUREMENT_NAMES


class AxisDistances:
    """Distances ``|b - a|`` along one head-frame axis each, between landmark pairs given as
    ``(a, b, axis)``; the index arrays are made once."""

    def __init__(self, pairs: Sequence[tuple[int, int, int]]) -> None:
        self._a, self._b, self._axis = (
            np.array(c, dtype=np.intp) for c in zip(*pairs, strict=True)
        )

    def __call__(self, points: NDArray[np.float64]) -> NDArray[np.float64]:
        """The distances in a ``(478, 3)`` point set, in its units, in the pairs' order."""
        out: NDArray[np.float64] = np.abs(points[self._b, self._axis] - points[self._a, self._axis])
        return out


_MEASURED_DISTANCES: Final = AxisDistances([MEASURED[n] for n in MEASUREMENT_NAMES])


def measured_distances(points: NDArray[np.float64]) -> NDArray[np.float64]:
    """Each named distance of a ``(478, 3)`` head-frame point set, in its units, in the order
    of `MEASUREMENT_NAMES`."""
    return _MEASURED_DISTANCES(points)
