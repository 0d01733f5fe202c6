"""The stabilizer on real tracking: less jitter on a still face, no lag on a moving one."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray
from scipy.spatial.transform import Rotation

from tryon.tracking.camera import CameraIntrinsics
from tryon.tracking.mediapipe_tracker import MediaPipeFaceTracker
from tryon.tracking.observation import FaceObservation
from tryon.tracking.one_euro import OneEuroParams
from tryon.tracking.solve import solve_geometry
from tryon.tracking.stabilizer import FaceStabilizer, StabilizerOptions, coherent_speed
from tryon.tracking.tracker import TrackerOptions, TrackerResult

from .conftest import PlaceFn

FRAME_MS = 33


def _track_all(frames: list[NDArray[np.uint8]]) -> list[TrackerResult]:
    """One face tracked in each frame of a 30 fps sequence."""
    with MediaPipeFaceTracker() as tracker:
        results = [tracker.track(f, 1000 + i * FRAME_MS) for i, f in enumerate(frames)]
    assert all(len(r.faces) == 1 for r in results)
    return results


def _run(frames: list[NDArray[np.uint8]]) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """Raw and stabilised landmarks ``(frames, 478, 3)`` over a 30 fps sequence."""
    stabilizer = FaceStabilizer()
    results = _track_all(frames)
    raw = [r.faces[0].landmarks for r in results]
    smooth = [stabilizer.update(r)[0].landmarks for r in results]
    return np.array(raw), np.array(smooth)


def _poses(
    results: list[TrackerResult], options: StabilizerOptions
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Rotations ``(n, 3, 3)`` and translations ``(n, 3)`` as the engine's geometry stage
    gives them with ``options``."""
    stabilizer = FaceStabilizer(options)
    rotations, translations = [], []
    for result in results:
        camera = CameraIntrinsics.from_fov(*result.image_size)
        faces = [solve_geometry(o, camera) for o in stabilizer.update(result)]
        (face,) = stabilizer.filter_poses(faces)
        rotations.append(face.rotation)
        translations.append(face.translation)
    return np.array(rotations), np.array(translations)


def _pose_jitter(
    rotations: NDArray[np.float64], translations: NDArray[np.float64]
) -> tuple[float, float]:
    """RMS deviation from the mean pose: (degrees, millimetres)."""
    mean = Rotation.from_matrix(rotations).mean()
    degrees = (Rotation.from_matrix(rotations) * mean.inv()).magnitude() * 180 / np.pi
    mm = 1000 * np.linalg.norm(translations - translations.mean(axis=0), axis=1)
    return float(np.sqrt((degrees**2).mean())), float(np.sqrt((mm**2).mean()))


def _roll_deg(rotations: NDArray[np.float64]) -> NDArray[np.float64]:
    """The head's turn about the view axis, counter-clockwise on screen positive."""
    return np.degrees(np.unwrap(np.arctan2(rotations[:, 1, 0], rotations[:, 0, 0])))


def _jitter(lm: NDArray[np.float32]) -> float:
    xy = lm[:, :, :2]
    return float(np.sqrt(((xy - xy.mean(axis=0)) ** 2).sum(axis=-1).mean()))


@pytest.fixture(scope="module")
def still_noisy(astronaut: NDArray[np.uint8]) -> list[TrackerResult]:
    """The still photo with fresh sensor noise in each of 60 frames, tracked."""
    rng = np.random.default_rng(7)
    frames = [
        np.clip(astronaut + rng.normal(0, 6, astronaut.shape), 0, 255).astype(np.uint8)
        for _ in range(60)
    ]
    return _track_all(frames)


@pytest.mark.slow
def test_cuts_jitter_on_a_still_face_with_sensor_noise(still_noisy: list[TrackerResult]) -> None:
    stabilizer = FaceStabilizer()
    raw = np.array([r.faces[0].landmarks for r in still_noisy])
    smooth = np.array([stabilizer.update(r)[0].landmarks for r in still_noisy])
    settled = slice(15, None)
    assert _jitter(raw[settled]) > 0.1  # the noise does move the raw landmarks
    assert _jitter(raw[settled]) / _jitter(smooth[settled]) >= 3.0


@pytest.mark.slow
def test_cuts_pose_jitter_on_a_still_face_with_sensor_noise(
    still_noisy: list[TrackerResult],
) -> None:
    settled = slice(15, None)
    jitter = {
        name: _pose_jitter(*(p[settled] for p in _poses(still_noisy, options)))
        for name, options in [
            ("raw", StabilizerOptions(enabled=False)),
            ("landmarks", StabilizerOptions(filter_pose=False)),
            ("landmarks+pose", StabilizerOptions()),
        ]
    }
    (raw_deg, raw_mm), (lm_deg, lm_mm), (deg, mm) = jitter.values()
    assert raw_deg > 0.2 and raw_mm > 2.0  # the noise does shake the raw pose
    assert raw_deg / deg >= 3.0 and raw_mm / mm >= 3.0, jitter
    # The pose filter's own share, on top of the landmark filter's.
    assert lm_deg / deg >= 1.5 and lm_mm / mm >= 1.3, jitter


@pytest.mark.slow
def test_pose_follows_a_constant_turn_within_a_frame(place: PlaceFn) -> None:
    step = 1.0  # degrees per frame, 30 deg/s counter-clockwise on screen
    results = _track_all([place(angle_deg=-20.0 + step * i)[0] for i in range(60)])
    raw = _roll_deg(_poses(results, StabilizerOptions(enabled=False))[0])
    smooth = _roll_deg(_poses(results, StabilizerOptions())[0])
    turning = slice(20, None)
    lag_frames = float((raw[turning] - smooth[turning]).mean()) / step
    assert 0.0 < lag_frames < 1.0  # behind (it is a low-pass filter), by under a frame
    # Against the ground truth: the filtered head turns 1 degree per frame like the image.
    assert np.diff(smooth[turning]).mean() == pytest.approx(step, rel=0.05)


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


def test_a_lost_face_resets_its_filters(place: PlaceFn) -> None:
    stabilizer = FaceStabilizer()
    camera = CameraIntrinsics.from_fov(640, 480)
    with MediaPipeFaceTracker() as tracker:
        first = tracker.track(place()[0], 1000)
        stabilizer.filter_poses([solve_geometry(o, camera) for o in stabilizer.update(first)])
        stabilizer.update(TrackerResult((), 1033, (640, 480)))  # face lost
        moved = tracker.track(place(shift=(15.0, 0.0), angle_deg=10.0)[0], 1066)
    out = stabilizer.update(moved)[0]
    # A new track starts from the raw observation (no pull toward the old position) ...
    assert np.array_equal(out.landmarks, moved.faces[0].landmarks)
    # ... and from the pose solved in this frame (no pull toward the old turn).
    solved = solve_geometry(out, camera)
    (filtered,) = stabilizer.filter_poses([solved])
    assert np.allclose(filtered.rotation, solved.rotation, atol=1e-9)
    assert np.allclose(filtered.translation, solved.translation, atol=1e-12)
    assert filtered.vertices is solved.vertices  # the mesh stays on the face in the image


def test_filter_poses_refuses_a_face_it_has_not_stabilised(base_face: FaceObservation) -> None:
    stabilizer = FaceStabilizer()
    camera = CameraIntrinsics.from_fov(*base_face.image_size)
    with pytest.raises(ValueError, match=r"not one of the 0 returned by the last update\(\)"):
        stabilizer.filter_poses([solve_geometry(base_face, camera)])


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
    disabled = FaceStabilizer(StabilizerOptions(enabled=False))
    out = disabled.update(result)  # identities given, landmarks untouched
    assert all(o.landmarks is f.landmarks for o, f in zip(out, result.faces, strict=True))
    assert [o.face_id for o in out] == [1]
    geometry = solve_geometry(result.faces[0], CameraIntrinsics.from_fov(640, 480))
    assert disabled.filter_poses([geometry])[0] is geometry
    landmarks_only = FaceStabilizer(StabilizerOptions(filter_pose=False))
    landmarks_only.update(result)
    assert landmarks_only.filter_poses([geometry])[0] is geometry


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
    with pytest.raises(ValueError, match=r"min_cutoff > 0.*got min_cutoff=0"):
        StabilizerOptions(rotation=OneEuroParams(min_cutoff=0.0))
