"""Frame fit against the shipped catalog's size markings and a real face's measurements."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray

from tests.measure.conftest import measure_frames
from tryon.catalog.catalog import Catalog
from tryon.measure import FrameSize, Measurement, fit_frame, recommend
from tryon.measure.frame_fit import BRIDGE_BAND_MM, WIDTH_BAND_MM, frame_sizes
from tryon.measure.report import FaceReport


@pytest.fixture(scope="module")
def face(webcam_face: NDArray[np.uint8]) -> FaceReport:
    return measure_frames([webcam_face]).faces[0]


@pytest.fixture(scope="module")
def shipped() -> list[tuple[str, FrameSize]]:
    return frame_sizes(Catalog.default().products())


def test_total_width_and_frame_pd_follow_the_marking() -> None:
    size = FrameSize(52, 18, 140)
    assert size.total_width_mm == 2 * 52 + 18 + 2 * 5.0
    assert size.frame_pd_mm == 70
    assert str(size) == "52□18-140"


def test_verdicts_on_shipped_products_match_their_numbers(
    face: FaceReport, shipped: list[tuple[str, FrameSize]]
) -> None:
    fits = recommend(shipped, face.values)
    assert len(fits) == len(shipped)
    lo, hi = WIDTH_BAND_MM
    for fit in fits:
        assert fit.width_difference_mm == pytest.approx(fit.frame_width_mm - fit.temple_width_mm)
        expected = (
            "too narrow"
            if fit.width_difference_mm < lo
            else ("too wide" if fit.width_difference_mm > hi else "good")
        )
        assert fit.verdict == expected, fit
        assert 0.0 < fit.confidence <= 1.0
        assert fit.nose_bridge_mm is not None and fit.bridge_verdict is not None
        blo, bhi = BRIDGE_BAND_MM
        diff = fit.size.bridge_mm - fit.nose_bridge_mm
        assert fit.bridge_verdict == ("tight" if diff < blo else "loose" if diff > bhi else "good")
    # Good fits come first.
    verdicts = [f.verdict == "good" for f in fits]
    assert verdicts == sorted(verdicts, reverse=True)


def test_the_narrowest_shipped_frame_is_too_narrow_for_this_face(
    face: FaceReport, shipped: list[tuple[str, FrameSize]]
) -> None:
    pid, narrowest = min(shipped, key=lambda ps: ps[1].total_width_mm)
    fit = fit_frame(pid, narrowest, face.values)
    assert fit is not None
    assert fit.verdict == "too narrow", fit.to_dict()
    assert fit.width_difference_mm < WIDTH_BAND_MM[0]


def test_a_frame_as_wide_as_the_temples_is_good_and_far_wider_is_too_wide() -> None:
    values = {"temple_width": Measurement(135.0, 2.0), "pd": Measurement(63.0, 2.0)}
    good = fit_frame("x", FrameSize(53, 19, 140), values)  # 135 mm
    wide = fit_frame("y", FrameSize(62, 20, 145), values)  # 154 mm
    assert good is not None and good.verdict == "good" and good.confidence > 0.9
    assert good.decentration_mm == pytest.approx((72 - 63) / 2)
    assert wide is not None and wide.verdict == "too wide"
    assert fit_frame("z", FrameSize(53, 19), {"pd": Measurement(63.0, 2.0)}) is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"lens_width_mm": 5.0, "bridge_mm": 18.0},
            "lens_width_mm must be in [20.0, 80.0] mm, got 5.0",
        ),
        ({"lens_width_mm": 52.0, "bridge_mm": 0.0}, "bridge_mm must be in [5.0, 40.0] mm, got 0.0"),
        (
            {"lens_width_mm": 52.0, "bridge_mm": 18.0, "temple_length_mm": 20.0},
            "temple_length_mm must be in [80.0, 180.0] mm, got 20.0",
        ),
    ],
)
def test_bad_sizes_say_what_they_got(kwargs: dict[str, float], message: str) -> None:
    import re

    with pytest.raises(ValueError, match=re.escape(message)):
        FrameSize(**kwargs)
