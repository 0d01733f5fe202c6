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
#: The top bit of each of a pixel's three channels in a little-endian word: a channel has one
#: when it is at `DIM_LEVEL` or more.
_TOP_BITS: Final = 0x808080
assert DIM_LEVEL == 0x80


def is_dim(frame: NDArray[np.uint8]) -> bool:
    """Whether ``frame`` (RGB uint8) is dim: fewer than `BRIGHT_SHARE` of the pixels of a
    1-in-16 subsample have a channel at `DIM_LEVEL` or more (a count: the percentile of the
    sample, which sorts it, cost 2-4 times as much)."""
    rows = frame[::_SUBSAMPLE]
    height, width = rows.shape[:2]
    whole = width - width % _SUBSAMPLE
    # Four pixels of a row are 12 bytes, three little-endian words: the first word's low three
    # bytes are the sampled pixel, which has a channel at DIM_LEVEL (128) or more when a bit
    # of `_TOP_BITS` is set (one operation per pixel rather than one per channel).
    groups = rows[:, :whole].reshape(height, whole // _SUBSAMPLE, 3 * _SUBSAMPLE)
    bright = np.count_nonzero(groups.view("<u4")[..., 0] & _TOP_BITS)
    if whole < width:  # the last sampled column of a width that is not a multiple of 4
        bright += np.count_nonzero(rows[:, whole].max(axis=1) >= DIM_LEVEL)
    sampled = height * -(-width // _SUBSAMPLE)
    return bool(bright < BRIGHT_SHARE * sampled)


def prepare_for_tracking(frame: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """``frame`` denoised when dim; the same array when not."""
    if not is_dim(frame):
        return frame
    out: NDArray[np.uint8] = np.asarray(
        cv2.GaussianBlur(frame, (0, 0), DENOISE_SIGMA_PX), dtype=np.uint8
    )
    return out
