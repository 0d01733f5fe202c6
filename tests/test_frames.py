"""Frame validation: what passes, and the error each bad input gets."""

from __future__ import annotations

import numpy as np
import pytest

from tryon.frames import validate_frame


def test_a_good_frame_is_returned_as_is() -> None:
    frame = np.zeros((4, 6, 3), np.uint8)
    assert validate_frame(frame) is frame
    view = np.zeros((4, 12, 3), np.uint8)[:, ::2]  # non-contiguous views are fine
    assert validate_frame(view) is view


@pytest.mark.parametrize(
    ("value", "got"),
    [
        (np.zeros((480, 640, 3), np.float32), r"float32 \(480, 640, 3\)"),
        (np.zeros((480, 640), np.uint8), r"uint8 \(480, 640\)"),
        (np.zeros((480, 640, 4), np.uint8), r"uint8 \(480, 640, 4\)"),
        (np.zeros((480, 640, 1), np.uint8), r"uint8 \(480, 640, 1\)"),
        (np.zeros((0, 640, 3), np.uint8), r"uint8 \(0, 640, 3\)"),
        (np.zeros((480, 640, 3), np.uint16), r"uint16 \(480, 640, 3\)"),
        (b"not an array", "bytes"),
    ],
)
def test_bad_frames_name_what_they_got(value: object, got: str) -> None:
    with pytest.raises(
        ValueError, match=rf"expected an RGB uint8 image of shape \(H, W, 3\), got {got}$"
    ):
        validate_frame(value, "image")
