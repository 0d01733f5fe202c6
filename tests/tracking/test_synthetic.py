"""The synthetic motion helpers that give the tracking tests their ground truth."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray

from tryon.tracking.synthetic import (
    apply_homography,
    gentle_motion,
    similarity,
    warp,
    yaw_homography,
)


def test_similarity_turns_counter_clockwise_about_its_centre() -> None:
    h = similarity(scale=2.0, angle_deg=90.0, shift=(5.0, 0.0), center=(10.0, 10.0))
    pts = apply_homography(h, np.array([[10.0, 10.0], [11.0, 10.0]]))
    assert pts[0] == pytest.approx([15.0, 10.0])  # the centre only shifts
    assert pts[1] == pytest.approx([15.0, 8.0])  # right of centre goes up (y down) at 2x


def test_yaw_homography_keeps_the_pivot_and_shrinks_width() -> None:
    assert yaw_homography(0.0, (320, 240), 500.0, (320, 240)) == pytest.approx(np.eye(3))
    h = yaw_homography(30.0, (320, 240), 500.0, (320, 240))
    pts = apply_homography(h, np.array([[320.0, 240.0], [270.0, 240.0], [370.0, 240.0]]))
    assert pts[0] == pytest.approx([320.0, 240.0])
    assert pts[2, 0] - pts[1, 0] < 100 * np.cos(np.radians(30)) + 1  # foreshortened
    assert pts[2, 0] - 320 > 320 - pts[1, 0]  # the right side turned toward the camera


def test_warp_moves_pixels_where_the_homography_says(astronaut: NDArray[np.uint8]) -> None:
    out = warp(astronaut, similarity(shift=(7.0, -3.0)), (512, 512))
    assert np.array_equal(out[100:200, 107:207], astronaut[103:203, 100:200])


def test_gentle_motion_is_gentle(astronaut: NDArray[np.uint8]) -> None:
    moves = [h for _, h in gentle_motion(astronaut, (640, 480), 30, (225.0, 125.0))]
    centres = np.array([apply_homography(h, np.array([[225.0, 125.0]]))[0] for h in moves])
    assert np.abs(np.diff(centres, axis=0)).max() < 3.0  # px per frame
    assert np.abs(centres - [320, 240]).max() < 25.0
