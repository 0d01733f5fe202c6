"""Quaternion conversions and the pose filter on exact rotations (the real-face figures are in
test_stabilizer.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.typing import NDArray

from tryon.tracking.one_euro import OneEuroParams
from tryon.tracking.pose_filter import PoseFilter, matrix_from_quaternion, quaternion_from_matrix

PARAMS = OneEuroParams(min_cutoff=0.5, beta=25.0, d_cutoff=1.0)


def _about(axis: tuple[float, float, float], deg: float) -> NDArray[np.float64]:
    a = np.asarray(axis, dtype=np.float64) / np.linalg.norm(axis)
    k = np.array([[0.0, -a[2], a[1]], [a[2], 0.0, -a[0]], [-a[1], a[0], 0.0]])
    t = math.radians(deg)
    out: NDArray[np.float64] = np.eye(3) + math.sin(t) * k + (1 - math.cos(t)) * (k @ k)
    return out


def _angle_deg(a: NDArray[np.float64], b: NDArray[np.float64]) -> float:
    return math.degrees(math.acos(np.clip((np.trace(a.T @ b) - 1) / 2, -1.0, 1.0)))


@pytest.mark.parametrize("deg", [0.0, 30.0, 90.0, 179.0, 180.0])
@pytest.mark.parametrize("axis", [(1, 0, 0), (0, 1, 0), (0, 0, 1), (1, -2, 0.5)])
def test_quaternion_round_trip(axis: tuple[float, float, float], deg: float) -> None:
    r = _about(axis, deg)
    q = quaternion_from_matrix(r)
    assert q[0] >= 0 and np.linalg.norm(q) == pytest.approx(1.0)
    assert q[0] == pytest.approx(math.cos(math.radians(deg) / 2), abs=1e-9)
    assert np.allclose(matrix_from_quaternion(q), r, atol=1e-9)


def test_a_still_pose_comes_out_unchanged() -> None:
    f = PoseFilter(PARAMS, PARAMS)
    r, t = _about((0, 1, 0), 20.0), np.array([0.01, 0.02, -0.6])
    for i in range(10):
        rf, tf = f(r, t, i / 30)
    assert np.allclose(rf, r, atol=1e-9) and np.allclose(tf, t, atol=1e-12)


def test_turning_through_half_a_turn_keeps_the_sign_continuous() -> None:
    """Past 180 degrees the quaternion's sign flips (w >= 0); averaged without the sign check
    the filtered rotation would swing through the opposite direction."""
    f = PoseFilter(PARAMS, PARAMS)
    t = np.zeros(3)
    for i, deg in enumerate(np.arange(160.0, 200.0, 1.0)):
        truth = _about((0, 0, 1), float(deg))
        rf, _ = f(truth, t, i / 30)
        assert _angle_deg(rf, truth) < 3.0  # a frame or two behind at most, never flipped


def test_reset_starts_from_the_next_pose() -> None:
    f = PoseFilter(PARAMS, PARAMS)
    f(np.eye(3), np.zeros(3), 0.0)
    f.reset()
    r, t = _about((1, 0, 0), 10.0), np.array([0.0, 0.0, -0.5])
    rf, tf = f(r, t, 0.033)
    assert np.array_equal(tf, t) and np.allclose(rf, r, atol=1e-12)


@pytest.mark.parametrize(
    ("rotation", "translation", "message"),
    [
        (np.eye(4), np.zeros(3), r"expected a \(3, 3\) rotation matrix, got shape \(4, 4\)"),
        (np.eye(3), np.zeros(4), r"expected a \(3,\) translation, got shape \(4,\)"),
    ],
)
def test_bad_poses_are_named(
    rotation: NDArray[np.float64], translation: NDArray[np.float64], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        PoseFilter(PARAMS, PARAMS)(rotation, translation, 0.0)


def test_a_zero_quaternion_is_named() -> None:
    with pytest.raises(ValueError, match="expected a non-zero"):
        matrix_from_quaternion(np.zeros(4))
