"""Face shape (oval, round, square, heart, oblong, diamond) from landmark ratios.

Four scale-free ratios of the pose-normalised mesh (so neither the iris nor a card matters):

==============  ===========================================  ===========================
ratio           numerator / denominator (landmarks)          reads as
==============  ===========================================  ===========================
``length``      face height 10–152 / cheekbone width 234–454 long or short face
``forehead``    forehead width 54–284 / cheekbone width      broad or narrow forehead
``jaw``         jaw width at the angles 172–397 / cheekbone  broad or narrow jaw
``chin``        chin width 176–400 / jaw width               square or pointed chin
==============  ===========================================  ===========================

The mesh stops two thirds of the way up the forehead, so its ``length`` runs near 1.0 where
a hairline-to-chin length would run near 1.4. Each shape is a prototype in these ratios:
the stylists' descriptions (round: short with a full jaw; oblong: long with even widths;
square: even widths and a broad chin; heart: broad forehead, narrow jaw, pointed chin;
diamond: cheekbones widest, narrow forehead and jaw; oval: a little longer than wide, jaw
a little narrower than the forehead) written as offsets from the proportions this project's
tracker measures on a typical adult face (the astronaut photo, an oval face). A face goes to
its nearest prototype in units of `SPREAD`; the confidence is that prototype's share of
``exp(-d²/2)`` over all six. That is all it claims: a rule-based reading of proportions, not
a classifier validated on labelled faces.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
from numpy.typing import NDArray

from tryon.measure.landmarks import (
    AXIS_X,
    AXIS_Y,
    CHEEKBONES,
    CHIN,
    CHIN_SIDES,
    FOREHEAD_SIDES,
    JAW_ANGLES,
    AxisDistances,
)
from tryon.tracking.landmarks import FOREHEAD_TOP

__all__ = [
    "PROTOTYPES",
    "RATIO_NAMES",
    "SPREAD",
    "FaceShape",
    "ShapeName",
    "classify_face_shape",
    "shape_lengths",
    "shape_ratios",
]

ShapeName = Literal["oval", "round", "square", "heart", "oblong", "diamond"]

#: Ratio order of `shape_ratios`, `PROTOTYPES` and `SPREAD`.
RATIO_NAMES: Final = ("length", "forehead", "jaw", "chin")
PROTOTYPES: Final[dict[ShapeName, tuple[float, float, float, float]]] = {
    "oval": (1.02, 0.80, 0.78, 0.40),
    "round": (0.92, 0.80, 0.82, 0.44),
    "square": (0.94, 0.84, 0.88, 0.46),
    "oblong": (1.12, 0.82, 0.82, 0.42),
    "heart": (1.00, 0.86, 0.74, 0.36),
    "diamond": (1.02, 0.74, 0.75, 0.37),
}
#: How far a ratio may stray from a prototype for one unit of distance.
SPREAD: Final = (0.04, 0.03, 0.03, 0.03)

_NAMES: Final = tuple(PROTOTYPES)
_CENTRES: Final = np.array([PROTOTYPES[n] for n in _NAMES])
_SPREAD: Final = np.array(SPREAD)


@dataclass(frozen=True, slots=True)
class FaceShape:
    shape: ShapeName
    #: The shape's share of the prototype likelihoods, in (0, 1].
    confidence: float
    #: The ratios it was read from (`RATIO_NAMES` -> value).
    ratios: dict[str, float]

    def to_dict(self) -> dict[str, object]:
        return {
            "shape": self.shape,
            "confidence": round(self.confidence, 2),
            "ratios": {k: round(v, 3) for k, v in self.ratios.items()},
        }


#: The face height, then the widths at the cheekbones, forehead, jaw angles and chin: the
#: lengths the ratios are read from (`shape_lengths`).
_LENGTHS: Final = AxisDistances(
    [
        (FOREHEAD_TOP, CHIN, AXIS_Y),
        (*CHEEKBONES, AXIS_X),
        (*FOREHEAD_SIDES, AXIS_X),
        (*JAW_ANGLES, AXIS_X),
        (*CHIN_SIDES, AXIS_X),
    ]
)


def shape_lengths(points: NDArray[np.float64]) -> NDArray[np.float64]:
    """The ``(5,)`` lengths `shape_ratios` reads of a ``(478, 3)`` head-frame mesh (any unit):
    face height, then the widths at the cheekbones, forehead, jaw angles and chin."""
    return _LENGTHS(points)


def shape_ratios(lengths: NDArray[np.float64]) -> NDArray[np.float64]:
    """The four ratios, in `RATIO_NAMES` order (last axis), of `shape_lengths` ``(..., 5)``
    (one face, or a stack of frames)."""
    height, cheek, forehead, jaw, chin = np.moveaxis(np.asarray(lengths, dtype=np.float64), -1, 0)
    if np.any(cheek <= 0.0) or np.any(jaw <= 0.0):
        raise ValueError(
            f"degenerate face mesh: cheekbone width {np.min(cheek)}, jaw width {np.min(jaw)}"
        )
    return np.stack([height / cheek, forehead / cheek, jaw / cheek, chin / jaw], axis=-1)


def classify_face_shape(ratios: NDArray[np.float64]) -> FaceShape:
    """Nearest prototype to ``ratios`` (from `shape_ratios`) and its confidence."""
    r = np.asarray(ratios, dtype=np.float64)
    if r.shape != (len(RATIO_NAMES),) or not np.all(np.isfinite(r)):
        raise ValueError(f"expected {len(RATIO_NAMES)} finite ratios, got {r!r}")
    d2 = (((r - _CENTRES) / _SPREAD) ** 2).sum(axis=1)
    weights = np.exp(-0.5 * (d2 - d2.min()))
    best = int(np.argmin(d2))
    confidence = float(weights[best] / weights.sum())
    return FaceShape(
        shape=_NAMES[best],
        confidence=confidence,
        ratios={name: float(v) for name, v in zip(RATIO_NAMES, r, strict=True)},
    )
