"""Calibrated face widths: what the mesh's outline measures, turned into what an optician means.

The face mesh's outline is not the anatomical landmarks that surveys measure: its points at
the cheekbones (234, 454) sit on the silhouette, out toward the ears, and read wider than the
bizygomatic breadth (zygion to zygion). Each width is therefore multiplied by a factor derived
once from the canonical face (`tryon.tracking.canonical`) and published adult means, in ratio
to the PD so that the canonical face's own size does not matter::

    factor = (published mean width / published mean PD)
             / (canonical face's width / canonical face's PD)

The figures and their sources are in ``docs/measurements.md``. The factor carries a relative
uncertainty, `CALIBRATION_SIGMA`: the canonical face is one adult, the published means are
rounded, and an individual's outline-to-bone offset varies.

Perspective: the face's edges lie some 50 mm behind the eyes, so their image shrinks with the
camera's distance; the geometry stage undoes that with the distance it derives from the
camera's focal length. A photo's focal length is assumed (the default field of view), and a
cropped photo then looks as if taken from nearer than anyone holds a camera, which would
inflate the widths; the distance used here is at least `MIN_CAMERA_DISTANCE_MM`, and the
focal length's uncertainty (±`FOCAL_SIGMA`) goes into the widths' ±.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

import numpy as np
from numpy.typing import NDArray

from tryon.measure.landmarks import CHEEKBONES, MEASURED, TEMPLES
from tryon.measure.values import MEASUREMENT_NAMES
from tryon.tracking.canonical import load_canonical_face
from tryon.tracking.landmarks import IRIS_CENTERS

__all__ = [
    "ADULT_RANGES_MM",
    "CALIBRATION_SIGMA",
    "FOCAL_SIGMA",
    "MIN_CAMERA_DISTANCE_MM",
    "PUBLISHED_MEANS_MM",
    "EdgeCorrection",
    "edge_correction",
    "width_factors",
]

#: Adult means, millimetres (sources in docs/measurements.md): interpupillary distance
#: (Dodgson 2004, from ANSUR 1988), bizygomatic breadth (ANSUR II 2012, men about 141 mm,
#: women about 131 mm: their mean), and the head's width where a frame's hinges sit, which
#: an average adult's mid-size frame (total width 130-139 mm in retailers' size guides)
#: matches.
PUBLISHED_MEANS_MM: Final = {"pd": 63.4, "face_width": 136.0, "temple_width": 134.0}
#: Adult ranges (about the 1st to 99th percentiles of men and women together), millimetres.
ADULT_RANGES_MM: Final = {"pd": (53.0, 75.0), "face_width": (117.0, 157.0)}
#: Relative one-sigma uncertainty of a width's calibration factor.
CALIBRATION_SIGMA: Final = 0.03
#: Relative uncertainty of an assumed focal length (unknown field of view).
FOCAL_SIGMA: Final = 0.2
#: Nearest distance from camera to eyes taken as real, millimetres (a phone held close).
MIN_CAMERA_DISTANCE_MM: Final = 350.0
#: The widths taken at the face's edge: name -> landmark pair.
EDGE_PAIRS: Final = {"face_width": CHEEKBONES, "temple_width": TEMPLES}
assert all(MEASURED[n][:2] == pair for n, pair in EDGE_PAIRS.items())

_EDGE_INDEX: Final = [MEASUREMENT_NAMES.index(n) for n in EDGE_PAIRS]
#: The eyes' landmarks, then each edge width's pair: the depths a correction needs.
_DEPTHS: Final = np.array(
    [*IRIS_CENTERS, *(i for pair in EDGE_PAIRS.values() for i in pair)], dtype=np.intp
)


@lru_cache(maxsize=1)
def width_factors() -> dict[str, float]:
    """The calibration factor of each edge width (see the module docstring)."""
    v = load_canonical_face().vertices.astype(np.float64)
    pd = abs(float(v[IRIS_CENTERS[1], 0] - v[IRIS_CENTERS[0], 0]))
    means = PUBLISHED_MEANS_MM
    return {
        name: (means[name] / means["pd"]) / (abs(float(v[b, 0] - v[a, 0])) / pd)
        for name, (a, b) in EDGE_PAIRS.items()
    }


@dataclass(frozen=True, slots=True)
class EdgeCorrection:
    """Per measurement (`MEASUREMENT_NAMES` order): a factor and a relative one-sigma
    uncertainty (1 and 0 for the values not taken at the face's edge)."""

    factor: NDArray[np.float64]
    sigma: NDArray[np.float64]


def edge_correction(
    points_px: NDArray[np.float64], focal_px: float, mm_per_px: float
) -> EdgeCorrection:
    """The calibration and perspective correction of one frame's head-frame mesh
    ``points_px`` (pixels at the eyes' depth, +Z out of the face), seen with a focal length of
    ``focal_px`` at ``mm_per_px`` millimetres per pixel at the eyes."""
    # Python floats: numpy's overhead on these few numbers is most of the cost.
    eye_right, eye_left, *edges = points_px[_DEPTHS, 2].tolist()
    eyes_z = (eye_right + eye_left) / 2
    # Distances in pixels at the eyes' depth: the eyes are ``focal_px`` such pixels away.
    assumed = focal_px
    used = max(focal_px, MIN_CAMERA_DISTANCE_MM / mm_per_px)
    factor = np.ones(len(MEASUREMENT_NAMES))
    sigma = np.zeros(len(MEASUREMENT_NAMES))
    factors = width_factors()
    for m, name, a, b in zip(_EDGE_INDEX, EDGE_PAIRS, edges[::2], edges[1::2], strict=True):
        behind = max(0.0, eyes_z - (a + b) / 2)
        factor[m] = (1.0 + behind / used) / (1.0 + behind / assumed) * factors[name]
        sigma[m] = math.hypot(CALIBRATION_SIGMA, FOCAL_SIGMA * behind / used)
    return EdgeCorrection(factor, sigma)
