"""View angles of known head poses, against the line of sight from the camera."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from tryon.measure.sample import view_angles

CENTRE = np.array([0.0, 0.0, -0.6])
#: A head turned, nodded or tilted by 20 degrees, and the view angles that says.
TURNS = pytest.mark.parametrize(
    ("axis", "expected"),
    [("y", (20.0, 0.0, 0.0)), ("x", (0.0, -20.0, 0.0)), ("z", (0.0, 0.0, 20.0))],
    ids=["turn", "nod", "tilt"],
)


@TURNS
def test_a_head_at_the_centre_turned_nodded_or_tilted(
    axis: str, expected: tuple[float, float, float]
) -> None:
    rotation = Rotation.from_euler(axis, 20.0, degrees=True).as_matrix()
    assert view_angles(rotation, CENTRE) == pytest.approx(expected, abs=1e-9)


@TURNS
def test_angles_are_taken_from_the_line_of_sight_off_centre(
    axis: str, expected: tuple[float, float, float]
) -> None:
    """Frontal means facing the camera, not facing down -Z: an off-centre head turned toward
    the lens has zero yaw, pitch and roll, and turns from there read as at the centre."""
    translation = np.array([0.2, -0.15, -0.5])
    to_camera = -translation / np.linalg.norm(translation)
    x = np.cross([0.0, 1.0, 0.0], to_camera)
    x /= np.linalg.norm(x)
    frontal = np.column_stack([x, np.cross(to_camera, x), to_camera])
    assert view_angles(frontal, translation) == pytest.approx((0.0, 0.0, 0.0), abs=1e-9)
    turn = Rotation.from_euler(axis, 20.0, degrees=True).as_matrix()
    assert view_angles(frontal @ turn, translation) == pytest.approx(expected, abs=1e-9)
    assert view_angles(turn, translation) != pytest.approx(expected, abs=1.0)  # not vs -Z


def test_no_line_of_sight_gives_nan_angles() -> None:
    """A head at the camera's centre, or straight above it, has no line-of-sight frame: NaN
    angles rather than an error."""
    for translation in (np.zeros(3), np.array([0.0, 0.5, 0.0])):
        assert all(math.isnan(a) for a in view_angles(np.eye(3), translation))
