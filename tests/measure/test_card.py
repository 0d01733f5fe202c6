"""ID-1 card calibration: a card drawn at a known size onto the forehead of a real photo."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray

from tests.measure.conftest import measure_frames
from tests.measure.synthetic import draw_card, jittered
from tryon.measure import MeasurementSession, MeasureOptions, detect_card
from tryon.measure.card import ID1_WIDTH_MM, eye_depth_scale
from tryon.measure.sample import FaceSample, sample_face
from tryon.tracking.camera import CameraIntrinsics
from tryon.tracking.landmarks import IRIS_CENTERS, NOSE_BRIDGE
from tryon.tracking.mediapipe_tracker import MediaPipeFaceTracker
from tryon.tracking.observation import FaceObservation
from tryon.tracking.solve import solve_geometry
from tryon.tracking.tracker import TrackerOptions


@pytest.fixture(scope="module")
def tracked(webcam_face: NDArray[np.uint8]) -> tuple[FaceObservation, FaceSample]:
    with MediaPipeFaceTracker(TrackerOptions()) as tracker:
        obs = tracker.track(webcam_face, 0).faces[0]
    h, w = webcam_face.shape[:2]
    return obs, sample_face(solve_geometry(obs, CameraIntrinsics.from_fov(w, h)))


def card_on_forehead(
    image: NDArray[np.uint8],
    obs: FaceObservation,
    sample: FaceSample,
    mm_per_px: float,
    angle: float,
) -> NDArray[np.uint8]:
    """A card whose long side is 85.60 mm at ``mm_per_px``, its centre 47 mm above the eyes."""
    eye_y = float(obs.landmarks[list(IRIS_CENTERS), 1].mean())
    centre = (float(obs.landmarks[NOSE_BRIDGE, 0]), eye_y - 47.0 / sample.mm_per_px)
    return draw_card(image, centre, ID1_WIDTH_MM / mm_per_px, angle)


@pytest.mark.parametrize(
    ("relative_scale", "angle"), [(1.0, 0.0), (1.0, 5.0), (0.9, -8.0), (0.95, 3.0)]
)
def test_card_recovers_a_known_scale_within_one_percent(
    webcam_face: NDArray[np.uint8],
    tracked: tuple[FaceObservation, FaceSample],
    relative_scale: float,
    angle: float,
) -> None:
    obs, sample = tracked
    true_scale = sample.mm_per_px * relative_scale
    image = card_on_forehead(webcam_face, obs, sample, true_scale, angle)
    card = detect_card(image, sample, obs.landmarks)
    assert card is not None
    assert card.mm_per_px == pytest.approx(true_scale, rel=0.01)
    assert card.long_px / card.short_px == pytest.approx(85.60 / 53.98, rel=0.02)
    assert 0.0 < card.precision < 0.01


def test_no_card_is_found_on_a_bare_forehead(
    webcam_face: NDArray[np.uint8], tracked: tuple[FaceObservation, FaceSample]
) -> None:
    obs, sample = tracked
    assert detect_card(webcam_face, sample, obs.landmarks) is None


def test_eye_depth_scale_adds_the_forehead_depth(
    webcam_face: NDArray[np.uint8], tracked: tuple[FaceObservation, FaceSample]
) -> None:
    obs, sample = tracked
    card = detect_card(
        card_on_forehead(webcam_face, obs, sample, sample.mm_per_px, 0.0), sample, obs.landmarks
    )
    assert card is not None
    scale, sigma = eye_depth_scale(card, sample)
    # The card is nearer the camera than the eyes: a pixel there spans fewer millimetres.
    assert scale > card.mm_per_px * np.cos(np.radians(sample.yaw_deg))
    assert scale < card.mm_per_px * 1.06
    assert 0.0 < sigma < 0.02


def test_card_replaces_the_iris_scale_and_shrinks_the_uncertainty(
    webcam_face: NDArray[np.uint8], tracked: tuple[FaceObservation, FaceSample]
) -> None:
    obs, sample = tracked
    image = card_on_forehead(webcam_face, obs, sample, sample.mm_per_px, 2.0)
    iris = measure_frames([image]).faces[0]
    card = measure_frames([image], MeasureOptions(card=True)).faces[0]
    assert iris.scale_source == "iris" and card.scale_source == "card"
    assert card.values["pd"].uncertainty_mm < 0.6 * iris.values["pd"].uncertainty_mm
    assert any(note.startswith("card found in 1 of 1 frames") for note in card.notes)


def test_card_requested_but_absent_falls_back_to_the_iris(webcam_face: NDArray[np.uint8]) -> None:
    face = measure_frames([webcam_face], MeasureOptions(card=True)).faces[0]
    assert face.scale_source == "iris"
    assert "no ID-1 card found on the forehead" in face.notes


@pytest.mark.parametrize(
    ("card_present", "searches", "source"),
    [
        # Found in the first two frames searched (0 and 5): the search stops there.
        (True, 2, "card"),
        # Never found: one frame in five is searched, frames 0, 5, 10 and 15.
        (False, 4, "iris"),
    ],
)
def test_card_search_stops_once_found_and_runs_seldom_until_then(
    webcam_face: NDArray[np.uint8],
    tracked: tuple[FaceObservation, FaceSample],
    card_present: bool,
    searches: int,
    source: str,
) -> None:
    obs, sample = tracked
    image = card_on_forehead(webcam_face, obs, sample, sample.mm_per_px, 0.0)
    frames = jittered(image if card_present else webcam_face, 20, seed=3)
    options = MeasureOptions(card=True, card_interval=5, card_frames=2)
    session = MeasurementSession(options)
    face = measure_frames(frames, session=session).faces[0]
    measurer = session.measurer(face.face)
    assert measurer is not None
    assert measurer.card_searches == searches
    assert face.scale_source == source
    if card_present:
        assert any(note.startswith("card found in 2 of 20 frames") for note in face.notes)


@pytest.mark.parametrize("name", ["card_interval", "card_frames"])
def test_bad_card_rates_say_what_they_got(name: str) -> None:
    with pytest.raises(ValueError, match=f"MeasureOptions.{name} must be an integer >= 1, got 0"):
        MeasureOptions(**{name: 0})  # type: ignore[arg-type]
