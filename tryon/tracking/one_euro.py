"""The One Euro filter (Casiez et al., CHI 2012), vectorised over arrays of any shape.

A low-pass filter whose cutoff rises with speed: ``cutoff = min_cutoff + beta * speed``.
Still signals get a low cutoff (jitter removed); moving ones a high one (little lag).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["OneEuroFilter", "OneEuroParams"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class OneEuroParams:
    """Cutoffs in Hz; ``beta`` in Hz per (unit of the signal per second)."""

    min_cutoff: float = 1.0
    beta: float = 0.0
    d_cutoff: float = 1.0

    def __post_init__(self) -> None:
        if not self.min_cutoff > 0 or not self.d_cutoff > 0 or self.beta < 0:
            raise ValueError(
                "One Euro needs min_cutoff > 0, d_cutoff > 0 and beta >= 0, got "
                f"min_cutoff={self.min_cutoff}, beta={self.beta}, d_cutoff={self.d_cutoff}"
            )


def _alpha(cutoff: Any, dt: float) -> Any:
    """The smoothing factor of a ``cutoff`` (Hz: a float, or an array of them) at ``dt`` s."""
    tau = 1.0 / (2.0 * math.pi * cutoff)
    return 1.0 / (1.0 + tau / dt)


def _abs_rate(dx: FloatArray, x: FloatArray) -> FloatArray:
    out: FloatArray = np.abs(dx)
    return out


class OneEuroFilter:
    """Filter a stream of same-shaped arrays sampled at increasing times (seconds).

    ``speed(dx, x)`` maps the smoothed derivative (and the previous filtered value) to the
    speed that drives the cutoff; by default each element's absolute rate. A caller can pool
    it (e.g. the face's coherent motion) so that noise does not open the filter; a speed for
    the whole array may be a float.
    """

    def __init__(
        self,
        params: OneEuroParams | None = None,
        speed: Callable[[FloatArray, FloatArray], FloatArray | float] | None = None,
    ) -> None:
        self.params = params or OneEuroParams()
        self._speed = speed or _abs_rate
        self._x: FloatArray | None = None
        self._dx: FloatArray | None = None
        self._t = 0.0

    @property
    def primed(self) -> bool:
        """Whether a first sample has been seen since construction or `reset`."""
        return self._x is not None

    def reset(self) -> None:
        self._x = None
        self._dx = None

    def __call__(self, x: NDArray[np.floating[Any]], t: float) -> FloatArray:
        value = np.asarray(x, dtype=np.float64)
        if self._x is None or self._dx is None:
            self._x, self._dx, self._t = value.copy(), np.zeros_like(value), t
            return value.copy()
        if value.shape != self._x.shape:
            raise ValueError(f"expected shape {self._x.shape} (as before), got {value.shape}")
        dt = t - self._t
        if dt <= 0:
            raise ValueError(f"times must increase: got {t} s after {self._t} s")
        p, x, dx = self.params, self._x, self._dx
        step = value - x
        dx += _alpha(p.d_cutoff, dt) * (step / dt - dx)
        cutoff = p.min_cutoff + p.beta * self._speed(dx, x)
        x += _alpha(cutoff, dt) * step
        self._t = t
        return x.copy()
