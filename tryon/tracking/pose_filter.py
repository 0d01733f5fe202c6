"""One Euro filtering of a 6-DoF head pose.

The rotation is filtered as a unit quaternion kept on one hemisphere from frame to frame
(``q`` and ``-q`` are the same rotation; without the sign check a flip would be averaged
through zero), renormalised after each step; for the small steps between frames this is a
slerp toward the new rotation. The translation is filtered in metres. Each part gets one
cutoff for all its components, opened by its speed: the angular speed (rad/s) for the
rotation, the linear speed (m/s) for the translation, so a turning head is followed at once
while a still head's jitter is smoothed away.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tryon.tracking.one_euro import FloatArray, OneEuroFilter, OneEuroParams

__all__ = ["PoseFilter", "matrix_from_quaternion", "quaternion_from_matrix"]


def quaternion_from_matrix(rotation: NDArray[np.floating[Any]]) -> FloatArray:
    """The unit quaternion ``(w, x, y, z)`` of a ``(3, 3)`` rotation matrix (``w >= 0``)."""
    m = np.asarray(rotation, dtype=np.float64)
    if m.shape != (3, 3):
        raise ValueError(f"expected a (3, 3) rotation matrix, got shape {m.shape}")
    # Python floats: numpy's overhead on 9 numbers is most of the cost.
    (m00, m01, m02), (m10, m11, m12), (m20, m21, m22) = m.tolist()
    # Shepperd's method: solve from the largest of 4w², 4x², 4y², 4z² for accuracy.
    trace = m00 + m11 + m22
    squares = (
        1.0 + trace,
        1.0 + 2.0 * m00 - trace,
        1.0 + 2.0 * m11 - trace,
        1.0 + 2.0 * m22 - trace,
    )
    k = squares.index(max(squares))
    s = 2.0 * math.sqrt(max(squares[k], 1e-300))
    if k == 0:
        q = (s / 4, (m21 - m12) / s, (m02 - m20) / s, (m10 - m01) / s)
    elif k == 1:
        q = ((m21 - m12) / s, s / 4, (m01 + m10) / s, (m02 + m20) / s)
    elif k == 2:
        q = ((m02 - m20) / s, (m01 + m10) / s, s / 4, (m12 + m21) / s)
    else:
        q = ((m10 - m01) / s, (m02 + m20) / s, (m12 + m21) / s, s / 4)
    norm = math.sqrt(sum(c * c for c in q))
    if q[0] < 0:
        norm = -norm
    return np.array([c / norm for c in q])


def matrix_from_quaternion(quaternion: NDArray[np.floating[Any]]) -> FloatArray:
    """The ``(3, 3)`` rotation of a quaternion ``(w, x, y, z)`` (normalised first)."""
    q = np.asarray(quaternion, dtype=np.float64)
    norm = math.sqrt(sum(c * c for c in q.tolist())) if q.shape == (4,) else 0.0
    if not norm > 0:
        raise ValueError(f"expected a non-zero (4,) quaternion, got {q!r}")
    w, x, y, z = (c / norm for c in q.tolist())
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
            [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
            [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)],
        ]
    )


def _norm(v: FloatArray) -> float:
    """Euclidean norm of a short vector (numpy's costs more than the sum for a few numbers)."""
    return math.sqrt(float(v @ v))


def _angular_speed(dq: FloatArray, q: FloatArray) -> float:
    """Rad/s of a unit quaternion changing at ``dq`` per second (``|dq/dt| = ω / 2``)."""
    return 2.0 * _norm(dq)


def _linear_speed(dt: FloatArray, t: FloatArray) -> float:
    return _norm(dt)


class PoseFilter:
    """One Euro filters for one head's rotation and translation (see the module docstring).

    ``rotation`` parameters are in Hz and Hz per rad/s; ``translation`` in Hz and Hz per m/s.
    """

    def __init__(self, rotation: OneEuroParams, translation: OneEuroParams) -> None:
        self._rotation = OneEuroFilter(rotation, _angular_speed)
        self._translation = OneEuroFilter(translation, _linear_speed)
        self._last_q: FloatArray | None = None

    def reset(self) -> None:
        self._rotation.reset()
        self._translation.reset()
        self._last_q = None

    def __call__(
        self, rotation: NDArray[np.floating[Any]], translation: NDArray[np.floating[Any]], t: float
    ) -> tuple[FloatArray, FloatArray]:
        """The filtered ``(rotation (3, 3), translation (3,))`` for a pose seen at ``t`` s."""
        tr = np.asarray(translation, dtype=np.float64)
        if tr.shape != (3,):
            raise ValueError(f"expected a (3,) translation, got shape {tr.shape}")
        q = quaternion_from_matrix(rotation)
        if self._last_q is not None and float(q @ self._last_q) < 0.0:
            q = -q  # the same rotation on the hemisphere of the previous one
        smooth_q = self._rotation(q, t)
        smooth_q /= _norm(smooth_q)
        self._last_q = smooth_q
        return matrix_from_quaternion(smooth_q), self._translation(tr, t)
