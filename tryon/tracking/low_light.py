"""Low light: a dim frame is denoised before tracking.

In a dim room a camera's frame is dark and noisy, and darker skin sinks into the noise
first: on the test set at 12 % light with sensor noise, the face mesh lost both
dark-skinned faces of a family photo while it kept the light-skinned adult
(``bench/bench_faces.py``). Brightening does not help (it amplifies the noise, and the mesh
then loses more faces); smoothing the noise does: when a frame's highlights are below
`DIM_LEVEL` (fewer than `BRIGHT_SHARE` of a 1-in-16 subsample of its pixels have a channel
at `DIM_LEVEL` or more: in effect its 99th percentile of brightness is below it), the
tracker sees it blurred by a Gaussian of `DENOISE_SIGMA_PX`. Bright frames pass through
untouched (the same array). Only what the tracker sees changes: landmarks keep the frame's
pixel coordinates, and the picture shown or measured is the original.
"""

from __future__ import annotations

from typing import Final

import cv2
import numpy as np
from numpy.typing import NDArray

__all__ = ["BRIGHT_SHARE", "DENOISE_SIGMA_PX", "DIM_LEVEL", "is_dim", "prepare_for_tracking"]

#: Frames whose highlights are below this level (of 255) are dim.
DIM_LEVEL: Final = 128
#: A frame is dim when fewer than this share of its sampled pixels reach `DIM_LEVEL`.
BRIGHT_SHARE: Final = 0.01
#: Standard deviation of the smoothing applied to a dim frame, pixels.
DENOISE_SIGMA_PX: Final = 1.2
_SUBSAMPLE: Final = 4


def is_dim(frame: NDArray[np.uint8]) -> bool:
    """Whether ``frame`` (RGB uint8) is dim: fewer than `BRIGHT_SHARE` of the pixels of a
    1-in-16 subsample have a channel at `DIM_LEVEL` or more (a count: the percentile of the
    sample, which sorts it, cost 2-4 times as much)."""
    sample = frame[::_SUBSAMPLE, ::_SUBSAMPLE]
    # Channel by channel: numpy's max over a 3-long axis is several times slower.
    brightest = np.maximum(np.maximum(sample[..., 0], sample[..., 1]), sample[..., 2])
    return np.count_nonzero(brightest >= DIM_LEVEL) < BRIGHT_SHARE * brightest.size


def prepare_for_tracking(frame: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """``frame`` denoised when dim; the same array when not."""
    if not is_dim(frame):
        return frame
    out: NDArray[np.uint8] = np.asarray(
        cv2.GaussianBlur(frame, (0, 0), DENOISE_SIGMA_PX), dtype=np.uint8
    )
    return out
