"""Measurement invariants on every face of the real-face test set, per skin tone.

Each photo (and its scaled and rotated copies) is measured as a short still video: the photo
repeated with sensor noise, as a webcam sees a still head. Each test id names the face and
its skin-tone tag (``LabeledFace.tag()``). A face whose head is turned beyond the limits, or
whose values are too uncertain, is withheld, for every group alike: the tests check what is
reported, and that every group has faces measured.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from functools import cache
from typing import Final

import cv2
import numpy as np
import pytest
from face_set import FacePhoto, LabeledFace, load_face_set
from numpy.typing import NDArray

from tests.measure.face_clips import measure_observations, noisy_frames, track_labelled
from tests.measure.synthetic import similarity
from tryon.catalog.catalog import Catalog
from tryon.measure.calibration import ADULT_RANGES_MM
from tryon.measure.frame_fit import MIN_CONFIDENCE, WIDTH_BAND_MM, frame_sizes
from tryon.measure.measurements import MAX_UNCERTAINTY_MM
from tryon.measure.report import FaceReport
from tryon.tracking.tracker import TrackerOptions

#: (name, scale, rotation in degrees) of the transformed copies each photo is measured on.
TRANSFORMS = (("original", 1.0, 0.0), ("scaled 0.7x", 0.7, 0.0), ("rotated 15°", 1.0, 15.0))
#: Frames of each still video.
FRAMES: Final = 4


@dataclass(frozen=True)
class Case:
    photo: FacePhoto
    index: int

    @property
    def label(self) -> LabeledFace:
        return self.photo.faces[self.index]

    def __str__(self) -> str:
        x, y = (int(c) for c in self.label.center)
        return f"{self.photo.id}@{x},{y}-{self.label.tag()}"


CASES = [
    Case(photo, i) for photo in load_face_set() if not photo.grid for i in range(len(photo.faces))
]


def _moved(
    center: tuple[float, float], size: tuple[int, int], scale: float, angle: float
) -> tuple[float, float]:
    """Where ``similarity(image, scale, angle)`` puts the point ``center`` of an image of
    ``size`` (width, height)."""
    w, h = size
    m = cv2.getRotationMatrix2D((w / 2.0, h / 2.0), angle, scale)
    m[0, 2] += round(w * scale) / 2.0 - w / 2.0
    m[1, 2] += round(h * scale) / 2.0 - h / 2.0
    x, y = m @ np.array([center[0], center[1], 1.0])
    return float(x), float(y)


@cache
def reports(photo: FacePhoto, transform: str) -> dict[int, FaceReport]:
    """Label index -> that face's report over a still video of the transformed photo."""
    _, scale, angle = next(t for t in TRANSFORMS if t[0] == transform)
    rgb: NDArray[np.uint8] = photo.rgb
    image = rgb if transform == "original" else similarity(rgb, scale, angle)
    h, w = rgb.shape[:2]
    centres = [_moved(f.center, (w, h), scale, angle) for f in photo.faces]
    sizes = frame_sizes(Catalog.default().products())
    options = TrackerOptions(max_faces=min(16, len(photo.faces) + 2))
    clip = noisy_frames(image, FRAMES, seed=len(transform))
    tracked = track_labelled(clip, centres, options)
    return {i: measure_observations(obs, sizes) for i, obs in tracked.items()}


def report_of(case: Case, transform: str = "original") -> FaceReport:
    found = reports(case.photo, transform)
    assert case.index in found, f"{case}: not found in the {transform} photo"
    return found[case.index]


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=str)
def test_pd_is_stable_under_scaling_and_rotation(case: Case) -> None:
    base = report_of(case)
    if "pd" not in base.values:
        pytest.skip(f"{case}: PD withheld ({base.reason or base.withheld.get('pd')})")
    for name, _, _ in TRANSFORMS[1:]:
        moved = report_of(case, name)
        if "pd" not in moved.values:  # withheld, with a reason, when the copy reads worse
            assert moved.reason or moved.withheld["pd"], f"{case} {name}"
            continue
        # The same face: the two PDs agree within their stated uncertainties (two sigma).
        a, b = base.values["pd"], moved.values["pd"]
        allowed = 2.0 * math.hypot(a.uncertainty_mm, b.uncertainty_mm)
        assert abs(a.value_mm - b.value_mm) <= allowed, f"{case} {name}: PD {a} -> {b}"


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=str)
def test_adult_values_fall_in_adult_ranges_given_their_uncertainty(case: Case) -> None:
    if case.label.age == "child":
        pytest.skip("children are outside adult ranges")
    report = report_of(case)
    if report.status == "withheld":
        pytest.skip(f"{case}: withheld ({report.reason})")
    for name in ("pd", "face_width"):
        if name not in report.values:
            assert name in report.withheld, f"{case}: {name} neither reported nor withheld"
            continue
        m = report.values[name]
        lo, hi = ADULT_RANGES_MM[name]
        assert m.uncertainty_mm <= MAX_UNCERTAINTY_MM[name]
        assert m.value_mm + 2 * m.uncertainty_mm >= lo, f"{case}: {name} {m} below {lo}"
        assert m.value_mm - 2 * m.uncertainty_mm <= hi, f"{case}: {name} {m} above {hi}"


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=str)
def test_fit_verdicts_follow_the_numbers(case: Case) -> None:
    report = report_of(case)
    if "temple_width" not in report.values:
        assert report.fit == ()
        pytest.skip(f"{case}: temple width withheld")
    assert len(report.fit) == len(frame_sizes(Catalog.default().products()))
    lo, hi = WIDTH_BAND_MM
    for fit in report.fit:
        d, s = fit.width_difference_mm, fit.uncertainty_mm
        chances = {
            "too narrow": _normal_cdf((lo - d) / s),
            "good": _normal_cdf((hi - d) / s) - _normal_cdf((lo - d) / s),
            "too wide": 1.0 - _normal_cdf((hi - d) / s),
        }
        assert fit.leaning == max(chances, key=lambda k: chances[k])
        assert fit.confidence == pytest.approx(chances[fit.leaning])
        if fit.confidence < MIN_CONFIDENCE:
            assert fit.verdict == "uncertain", fit
        else:
            assert fit.verdict == fit.leaning
            inside = {"too narrow": d < lo, "good": lo <= d <= hi, "too wide": d > hi}
            assert inside[fit.verdict], fit


def test_every_group_has_faces_measured() -> None:
    measured: Counter[str] = Counter()
    for case in CASES:
        report = report_of(case)
        if "pd" in report.values:
            measured[case.label.group] += 1
    assert set(measured) == {"light", "medium", "dark"}, measured


def _normal_cdf(z: float) -> float:
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))
