"""The stabilizer on real tracking: less jitter on a still face, no lag on a moving one."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray

from tryon.tracking.mediapipe_tracker import MediaPipeFaceTracker
from tryon.tracking.stabilizer import FaceStabilizer, StabilizerOptions, coherent_speed
from tryon.tracking.tracker import TrackerOptions, TrackerResult

from .conftest import PlaceFn

FRAME_MS = 33


def _run(frames: list[NDArray[np.uint8]]) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """Raw and stabilised landmarks ``(frames, 478, 3)`` over a 30 fps sequence."""
    stabilizer = FaceStabilizer()
    raw, smooth = [], []
    with MediaPipeFaceTracker() as tracker:
        for i, frame in enumerate(frames):
            result = tracker.track(frame, 1000 + i * FRAME_MS)
            assert len(result.faces) == 1
            raw.append(result.faces[0].landmarks)
            smooth.append(stabilizer.update(result)[0].landmarks)
    return np.array(raw), np.array(smooth)


def _jitter(lm: NDArray[np.float32]) -> float:
    xy = lm[:, :, :2]
    return float(np.sqrt(((xy - xy.mean(axis=0)) ** 2).sum(axis=-1).mean()))


@pytest.mark.slow
def test_cuts_jitter_on_a_still_face_with_sensor_noise(astronaut: NDArray[np.uint8]) -> None:
    rng = np.random.default_rng(7)
    frames = [
        np.clip(astronaut + rng.normal(0, 6, astronaut.shape), 0, 255).astype(np.uint8)
        for _ in range(60)
    ]
    raw, smooth = _run(frames)
    settled = slice(15, None)
    assert _jitter(raw[settled]) > 0.1  # the noise does move the raw landmarks
    assert _jitter(raw[settled]) / _jitter(smooth[settled]) >= 3.0


@pytest.mark.slow
def test_follows_a_constant_velocity_move_within_a_frame(place: PlaceFn) -> None:
    step = 3.0  # px per frame, 90 px/s
    frames = [place(shift=(-90 + step * i, 0.0))[0] for i in range(60)]
    raw, smooth = _run(frames)
    moving = slice(20, None)
    lag_frames = float((raw[moving, :, 0] - smooth[moving, :, 0]).mean()) / step
    assert -0.3 < lag_frames < 1.0
    # Against the ground truth: the stabilised face moves 3 px per frame like the image.
    velocity = np.diff(smooth[moving, :, 0].mean(axis=1)).mean()
    assert velocity == pytest.approx(step, rel=0.05)


def test_a_lost_face_resets_its_filters(astronaut: NDArray[np.uint8], place: PlaceFn) -> None:
    stabilizer = FaceStabilizer()
    with MediaPipeFaceTracker() as tracker:
        first = tracker.track(place()[0], 1000)
        stabilizer.update(first)
        stabilizer.update(TrackerResult((), 1033, (640, 480)))  # face lost
        moved = tracker.track(place(shift=(15.0, 0.0))[0], 1066)
    out = stabilizer.update(moved)[0]
    # A new track starts from the raw observation (no pull toward the old position).
    assert np.array_equal(out.landmarks, moved.faces[0].landmarks)


def test_faces_keep_their_own_filters(place: PlaceFn) -> None:
    """Two faces in one frame: each stabilised face stays on its own face."""
    stabilizer = FaceStabilizer()
    frame_a, _ = place(size=(960, 480), shift=(-220.0, 0.0))
    frame_b, _ = place(size=(960, 480), shift=(220.0, 0.0))
    frame = np.concatenate([frame_a[:, :480], frame_b[:, 480:]], axis=1)
    with MediaPipeFaceTracker(TrackerOptions(max_faces=2)) as tracker:
        for i in range(5):
            result = tracker.track(np.ascontiguousarray(frame), 1000 + i * FRAME_MS)
            out = stabilizer.update(result)
            assert len(out) == 2
            for raw, smooth in zip(result.faces, out, strict=True):
                assert np.abs(raw.landmarks - smooth.landmarks).max() < 3.0


def test_disabled_passes_faces_through(place: PlaceFn) -> None:
    with MediaPipeFaceTracker() as tracker:
        result = tracker.track(place()[0], 1)
    assert FaceStabilizer(StabilizerOptions(enabled=False)).update(result) is result.faces


def test_coherent_speed_sees_motion_not_noise() -> None:
    rng = np.random.default_rng(0)
    pos = rng.uniform(0, 100, size=(478, 3))
    noise = rng.normal(0, 30, size=(478, 3))  # px/s of uncorrelated jitter
    assert coherent_speed(noise, pos).mean() < 5.0
    shift = np.tile([60.0, 0.0, 0.0], (478, 1))
    assert coherent_speed(shift + noise, pos).mean() == pytest.approx(60.0, rel=0.1)


def test_bad_options_are_named() -> None:
    with pytest.raises(ValueError, match=r"beta >= 0, got min_cutoff=0\.5, beta=-1"):
        StabilizerOptions(beta=-1)
