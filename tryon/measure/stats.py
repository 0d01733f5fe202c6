"""Robust averaging over frames and the error model behind every ± (one standard deviation).

Per frame a measurement scatters because the mesh's landmarks do. Before frames have been
seen to scatter, a prior model stands in for that noise: a relative part (the mesh's
regression noise, about 1.5 %, measured on jittered copies of a photo) and a pixel part
(landmarks and the iris span found to about a third of a pixel, which is what makes a small
face noisy: on an 8 px iris one third of a pixel is 4 % of the scale). Once three or more
frames agree, their robust scatter (1.4826 × MAD) is pooled with the prior (worth
`PRIOR_FRAMES` frames). Frames are averaged by a 20 % trimmed mean (robust to a bad frame,
nearly as efficient as the mean on Gaussian noise: its standard error is about
``1.03 · s / √n``, against ``1.25 · s / √n`` for the median). The scale
(iris or card) and the head pose add their own terms, in quadrature.
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "PRIOR_FRAMES",
    "TRIM",
    "average_error",
    "frame_noise_prior",
    "pose_error",
    "robust_sigma",
    "trimmed_mean",
]

#: Regression noise of the face mesh relative to the face's size.
RELATIVE_NOISE: Final = 0.015
#: Landmark (and iris span) localisation noise, pixels.
PIXEL_NOISE: Final = 0.35
#: How many frames' worth of evidence the prior noise model counts for.
PRIOR_FRAMES: Final = 4.0
#: Share of frames cut from each end before averaging.
TRIM: Final = 0.2
#: Standard error of the 20 % trimmed mean over that of the mean, for Gaussian samples.
TRIMMED_MEAN_EFFICIENCY: Final = 1.03


def frame_noise_prior(
    ruler_px: NDArray[np.float64], distance_px: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Relative one-frame noise of distances of ``distance_px`` measured with rulers (the
    iris span, or a card's long side) ``ruler_px`` long in the image (arrays that broadcast).

    Both lengths come from two located points each (``√2`` their noise).
    """
    pixel = math.sqrt(2.0) * PIXEL_NOISE
    out: NDArray[np.float64] = np.sqrt(
        RELATIVE_NOISE**2 + (pixel / ruler_px) ** 2 + (pixel / distance_px) ** 2
    )
    return out


def robust_sigma(values: NDArray[np.float64]) -> NDArray[np.float64]:
    """1.4826 × the median absolute deviation (a standard deviation for Gaussian data) of
    ``values`` ``(n, ...)``, over the first axis."""
    out: NDArray[np.float64] = 1.4826 * np.median(
        np.abs(values - np.median(values, axis=0)), axis=0
    )
    return out


def trimmed_mean(values: NDArray[np.float64], axis: int = 0) -> NDArray[np.float64]:
    """Mean after cutting `TRIM` of the values from each end (along ``axis``)."""
    v = np.sort(np.asarray(values, dtype=np.float64), axis=axis)
    n = v.shape[axis]
    k = int(TRIM * n)
    out: NDArray[np.float64] = np.take(v, np.arange(k, n - k), axis=axis).mean(axis=axis)
    return out


def average_error(
    values: NDArray[np.float64], prior_sigma: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Standard error of ``trimmed_mean(values)`` over the first axis of ``values``
    ``(n, ...)``, pooling the frames' scatter with the prior (``prior_sigma`` broadcasts
    with ``values[0]``)."""
    n = len(values)
    if n == 0:
        raise ValueError("average_error needs at least one value, got none")
    seen = n - 1 if n >= 3 else 0
    spread = robust_sigma(values) if seen else 0.0
    sigma = np.sqrt((PRIOR_FRAMES * prior_sigma**2 + seen * spread**2) / (PRIOR_FRAMES + seen))
    out: NDArray[np.float64] = sigma if n == 1 else TRIMMED_MEAN_EFFICIENCY * sigma / math.sqrt(n)
    return out


def pose_error(yaw_deg: float, pitch_deg: float) -> float:
    """Relative error left by the pose correction.

    The head-frame distances undo the foreshortening ``1 - cos(yaw)·cos(pitch)`` with the
    mesh's relative depths, which are the least certain part of it: the whole of that
    foreshortening counts as one standard deviation.
    """
    return 1.0 - math.cos(math.radians(yaw_deg)) * math.cos(math.radians(pitch_deg))
