from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray
from skimage import data

from tryon.tracking.still import faces_in_still


def test_the_astronaut_has_one_metric_face(astronaut: NDArray[np.uint8]) -> None:
    (face,) = faces_in_still(astronaut, max_faces=3)
    assert face.camera.width == 512 and face.camera.height == 512
    # The head is in front of the camera, at a plausible portrait distance.
    assert 0.2 < -face.translation[2] < 1.5
    assert face.vertices.shape == (478, 3)


def test_no_face_gives_nothing_and_bad_frames_are_refused() -> None:
    assert faces_in_still(np.ascontiguousarray(data.coffee())) == ()
    with pytest.raises(ValueError, match="float32"):
        faces_in_still(np.zeros((48, 64, 3), np.float32))  # type: ignore[arg-type]
