"""Face-shape rules: prototypes read as themselves; the real face gets one shape."""

from __future__ import annotations

import numpy as np
import pytest

from tryon.measure.face_shape import PROTOTYPES, RATIO_NAMES, classify_face_shape


@pytest.mark.parametrize("shape", list(PROTOTYPES))
def test_each_prototype_reads_as_itself(shape: str) -> None:
    result = classify_face_shape(np.array(PROTOTYPES[shape]))  # type: ignore[index]
    assert result.shape == shape
    assert result.confidence > 0.5
    assert set(result.ratios) == set(RATIO_NAMES)


def test_confidence_falls_on_the_way_to_another_shape() -> None:
    heart, diamond = np.array(PROTOTYPES["heart"]), np.array(PROTOTYPES["diamond"])
    confidences = [
        classify_face_shape(heart + t * (diamond - heart)).confidence for t in (0.0, 0.25, 0.45)
    ]
    assert confidences == sorted(confidences, reverse=True)
    assert confidences[-1] < 0.6


def test_a_long_face_with_even_widths_is_oblong() -> None:
    oval = np.array(PROTOTYPES["oval"])
    assert classify_face_shape(oval + np.array([0.12, 0.02, 0.04, 0.02])).shape == "oblong"


@pytest.mark.parametrize("bad", [np.array([1.0, 0.8, 0.8]), np.array([1.0, np.nan, 0.8, 0.4])])
def test_bad_ratios_say_what_they_got(bad: np.ndarray) -> None:
    with pytest.raises(ValueError, match="expected 4 finite ratios, got"):
        classify_face_shape(bad)
