"""Robust averaging over frames and the error model behind every ± (one standard deviation).

Per frame a measurement scatters because the mesh's landmarks do. Before frames have been
seen to scatter, a prior model stands in for that noise: a relative part (the mesh's
regression noise, about 1.5 %, measured on jittered copies of a photo) and a pixel part
(landmarks and the iris span found to about a third of a pixel, which is what makes a small
face noisy: on an 8 px iris one third of a pixel is 4 % of the scale). Once three or more
frames agree, their robust scatter (1.4826 × MAD) is pooled with the prior (worth
`PRIOR_FRAMES` frames) and the median's standard error is ``1.2533 · s / √n``. The scale
(iris or card) and the head pose add their own terms, in quadrature.
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "MEDIAN_EFFICIENCY",
    "PRIOR_FRAMES",
    "frame_noise_prior",
    "median_error",
    "pose_error",
    "robust_sigma",
]

#: Regression noise of the face mesh relative to the face's size.
RELATIVE_NOISE: Final = 0.015
#: Landmark (and iris span) localisation noise, pixels.
PIXEL_NOISE: Final = 0.35
#: How many frames' worth of evidence the prior noise model counts for.
PRIOR_FRAMES: Final = 4.0
#: Standard error of a median over that of a mean, for Gaussian samples: sqrt(pi / 2).
MEDIAN_EFFICIENCY: Final = math.sqrt(math.pi / 2.0)


def frame_noise_prior(ruler_px: float, distance_px: float) -> float:
    """Relative one-frame noise of a distance of ``distance_px`` measured with a ruler (the
    iris span, or a card's long side) ``ruler_px`` long in the image.

    Both lengths come from two located points each (``√2`` their noise).
    """
    pixel = math.sqrt(2.0) * PIXEL_NOISE
    return math.sqrt(RELATIVE_NOISE**2 + (pixel / ruler_px) ** 2 + (pixel / distance_px) ** 2)


def robust_sigma(values: NDArray[np.float64]) -> float:
    """1.4826 × the median absolute deviation (a standard deviation for Gaussian data)."""
    return float(1.4826 * np.median(np.abs(values - np.median(values))))


def median_error(values: NDArray[np.float64], prior_sigma: float) -> float:
    """Standard error of ``median(values)``, pooling the frames' scatter with the prior."""
    n = len(values)
    if n == 0:
        raise ValueError("median_error needs at least one value, got none")
    seen = n - 1 if n >= 3 else 0
    spread = robust_sigma(values) if seen else 0.0
    sigma = math.sqrt((PRIOR_FRAMES * prior_sigma**2 + seen * spread**2) / (PRIOR_FRAMES + seen))
    return sigma if n == 1 else MEDIAN_EFFICIENCY * sigma / math.sqrt(n)


def pose_error(yaw_deg: float, pitch_deg: float) -> float:
    """Relative error left by the pose correction.

    The head-frame distances undo the foreshortening ``1 - cos(yaw)·cos(pitch)`` with the
    mesh's relative depths, which are the least certain part of it: the whole of that
    foreshortening counts as one standard deviation.
    """
    return 1.0 - math.cos(math.radians(yaw_deg)) * math.cos(math.radians(pitch_deg))
