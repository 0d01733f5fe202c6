"""Frame validation: the one check every entry point runs on an incoming frame."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["describe_array", "validate_frame"]


def describe_array(value: Any) -> str:
    """A short description of what was passed, for error messages (``float32 (480, 640)``)."""
    if isinstance(value, np.ndarray):
        return f"{value.dtype} {tuple(value.shape)}"
    return type(value).__name__


def validate_frame(frame: Any, name: str = "frame") -> NDArray[np.uint8]:
    """Return ``frame`` unchanged if it is an RGB uint8 image ``(H, W, 3)``, else raise.

    ``ValueError`` states what was received, e.g. ``expected an RGB uint8 frame of shape
    (H, W, 3), got float32 (480, 640)``. Non-contiguous arrays are accepted (MediaPipe and GL
    uploads copy them as needed); nothing is copied here.
    """
    ok = (
        isinstance(frame, np.ndarray)
        and frame.dtype == np.uint8
        and frame.ndim == 3
        and frame.shape[2] == 3
        and frame.shape[0] > 0
        and frame.shape[1] > 0
    )
    if not ok:
        raise ValueError(
            f"expected an RGB uint8 {name} of shape (H, W, 3), got {describe_array(frame)}"
        )
    checked: NDArray[np.uint8] = frame
    return checked
