"""sRGB <-> linear light, for the stages that work on light (relighting, compositing)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["linear_to_srgb8", "luminance", "srgb8_to_linear"]

_CODES = np.arange(256, dtype=np.float64) / 255.0
#: Linear value of every 8-bit sRGB code (IEC 61966-2-1).
_TO_LINEAR = np.where(_CODES <= 0.04045, _CODES / 12.92, ((_CODES + 0.055) / 1.055) ** 2.4).astype(
    np.float32
)
#: Rec. 709 / sRGB luminance weights of linear R, G, B.
_LUMA = np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)


def srgb8_to_linear(rgb: NDArray[np.uint8]) -> NDArray[np.float32]:
    """8-bit sRGB to linear float32 in [0, 1] (a table look-up)."""
    out: NDArray[np.float32] = _TO_LINEAR[rgb]
    return out


def _encode(x: NDArray[np.float64]) -> NDArray[np.float64]:
    out: NDArray[np.float64] = np.where(
        x <= 0.0031308, x * 12.92, 1.055 * np.power(x, 1 / 2.4) - 0.055
    )
    return out


#: 8-bit sRGB code of 65536 evenly spaced linear values (a 16-bit table: the exact code, or
#: its neighbour at a rounding tie; a power per pixel saved).
_LUT_SIZE = 65535
_TO_SRGB8 = np.rint(_encode(np.arange(_LUT_SIZE + 1) / _LUT_SIZE) * 255.0).astype(np.uint8)


def linear_to_srgb8(linear: NDArray[np.float32]) -> NDArray[np.uint8]:
    """Linear float to 8-bit sRGB, the nearest code (clipped to [0, 1])."""
    x = np.clip(linear, 0.0, 1.0).astype(np.float32, copy=False)
    x *= np.float32(_LUT_SIZE)
    x += np.float32(0.5)
    out: NDArray[np.uint8] = _TO_SRGB8[x.astype(np.uint16)]
    return out


def luminance(linear: NDArray[np.float32]) -> NDArray[np.float32]:
    """Relative luminance ``Y`` of linear RGB ``(..., 3)``."""
    out: NDArray[np.float32] = linear @ _LUMA
    return out
