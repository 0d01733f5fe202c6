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
    # Shepperd's method: solve from the largest of 4w², 4x², 4y², 4z² for accuracy.
    trace = np.trace(m)
    squares = np.append(1.0 + trace, 1.0 + 2.0 * np.diag(m) - trace)
    k = int(np.argmax(squares))
    s = 2.0 * np.sqrt(max(squares[k], 1e-300))
    if k == 0:
        q = [s / 4, (m[2, 1] - m[1, 2]) / s, (m[0, 2] - m[2, 0]) / s, (m[1, 0] - m[0, 1]) / s]
    elif k == 1:
        q = [(m[2, 1] - m[1, 2]) / s, s / 4, (m[0, 1] + m[1, 0]) / s, (m[0, 2] + m[2, 0]) / s]
    elif k == 2:
        q = [(m[0, 2] - m[2, 0]) / s, (m[0, 1] + m[1, 0]) / s, s / 4, (m[1, 2] + m[2, 1]) / s]
    else:
        q = [(m[1, 0] - m[0, 1]) / s, (m[0, 2] + m[2, 0]) / s, (m[1, 2] + m[2, 1]) / s, s / 4]
    out = np.array(q)
    out /= np.linalg.norm(out)
    return -out if out[0] < 0 else out


def matrix_from_quaternion(quaternion: NDArray[np.floating[Any]]) -> FloatArray:
    """The ``(3, 3)`` rotation of a quaternion ``(w, x, y, z)`` (normalised first)."""
    q = np.asarray(quaternion, dtype=np.float64)
    if q.shape != (4,) or not np.linalg.norm(q) > 0:
        raise ValueError(f"expected a non-zero (4,) quaternion, got {q!r}")
    w, x, y, z = q / np.linalg.norm(q)
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
            [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
            [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)],
        ]
    )


def _angular_speed(dq: FloatArray, q: FloatArray) -> FloatArray:
    """Rad/s of a unit quaternion changing at ``dq`` per second (``|dq/dt| = ω / 2``)."""
    return np.array([2.0 * np.linalg.norm(dq)])


def _linear_speed(dt: FloatArray, t: FloatArray) -> FloatArray:
    return np.array([np.linalg.norm(dt)])


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
        smooth_q /= np.linalg.norm(smooth_q)
        self._last_q = smooth_q
        return matrix_from_quaternion(smooth_q), self._translation(tr, t)
