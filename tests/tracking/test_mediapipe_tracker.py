"""The MediaPipe tracker on the real astronaut face moved by known transforms."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from mediapipe.framework.formats import landmark_pb2
from numpy.typing import NDArray
from skimage import data

from tryon.tracking.camera import CameraIntrinsics
from tryon.tracking.mediapipe_tracker import (
    MediaPipeFaceTracker,
    _decode_landmarks,
    _serialized_faces,
    _to_pixels,
)
from tryon.tracking.observation import FaceObservation
from tryon.tracking.synthetic import apply_homography, warp, yaw_homography
from tryon.tracking.tracker import TrackerOptions

from .conftest import PlaceFn, TrackFn


def _landmark_error(face: FaceObservation, base: FaceObservation, h: NDArray[np.float64]) -> float:
    """Mean pixel distance between tracked landmarks and the reference mapped by ``h``."""
    expected = apply_homography(h, base.landmarks[:, :2])
    return float(np.linalg.norm(face.landmarks[:, :2] - expected, axis=1).mean())


def test_observation_fields(base_face: FaceObservation) -> None:
    f = base_face
    assert f.landmarks.shape == (478, 3) and f.landmarks.dtype == np.float32
    assert f.image_size == (512, 512)
    # Eye order (person's right, person's left) = (image left, image right).
    assert f.iris_centers[0, 0] < f.iris_centers[1, 0]
    assert f.iris_diameters_px.min() > 6.0 and f.iris_diameters_px.max() < 11.0
    x0, y0, x1, y1 = f.bbox
    assert 150 < x0 < x1 < 300 and 50 < y0 < y1 < 200
    assert f.presence == 1.0 and f.index == 0 and f.timestamp_ms == 1


@pytest.mark.parametrize(
    ("scale", "angle", "shift", "tolerance_px"),
    [
        (1.0, 0.0, (0.0, 0.0), 1.0),
        (0.6, 0.0, (-100.0, 50.0), 1.0),
        (1.8, 0.0, (30.0, -20.0), 2.0),
        (1.0, 20.0, (0.0, 0.0), 1.5),
        (1.0, -25.0, (60.0, 40.0), 1.5),
    ],
)
def test_landmarks_follow_a_known_similarity(
    place: PlaceFn,
    track: TrackFn,
    base_face: FaceObservation,
    scale: float,
    angle: float,
    shift: tuple[float, float],
    tolerance_px: float,
) -> None:
    frame, h = place(scale=scale, angle_deg=angle, shift=shift)
    faces = track(frame).faces
    assert len(faces) == 1
    # Tolerance scales with the face: the mesh's own noise is about 1% of the face size.
    assert _landmark_error(faces[0], base_face, h) < tolerance_px * max(1.0, scale)


@pytest.mark.parametrize("yaw", [-25.0, 25.0])
def test_landmarks_follow_a_perspective_yaw(
    place: PlaceFn, track: TrackFn, base_face: FaceObservation, yaw: float
) -> None:
    frame0, h0 = place()
    cam = CameraIntrinsics.from_fov(640, 480)
    hy = yaw_homography(yaw, (320.0, 240.0), cam.fx, (cam.cx, cam.cy))
    faces = track(warp(frame0, hy, (640, 480))).faces
    assert len(faces) == 1
    assert _landmark_error(faces[0], base_face, hy @ h0) < 1.5


@pytest.mark.parametrize("angle", [30.0, -45.0])
@pytest.mark.parametrize("size", [(640, 480), (1280, 720), (480, 640)])
def test_non_square_frames_project_landmarks_exactly(
    place: PlaceFn,
    track: TrackFn,
    base_face: FaceObservation,
    size: tuple[int, int],
    angle: float,
) -> None:
    """MediaPipe warns that its landmark projection (NORM_RECT without IMAGE_DIMENSIONS) is
    only right for square ROIs. Its face ROI is square in pixels, so a turned face in a wide or
    tall frame comes back as exactly as in a square one. A projection done in normalised
    coordinates would shear a 45-degree face in 1280x720 by tens of pixels."""
    errors = {}
    for frame_size in (size, (720, 720)):
        frame, h = place(size=frame_size, scale=1.5, angle_deg=angle)
        (face,) = track(frame).faces
        errors[frame_size] = _landmark_error(face, base_face, h)
        face_width = face.bbox[2] - face.bbox[0]
        assert errors[frame_size] < 0.02 * face_width  # ~2.8 px on this ~140 px face
    assert abs(errors[size] - errors[(720, 720)]) < 0.75, errors


def test_small_face_in_a_large_frame_is_found(place: PlaceFn, track: TrackFn) -> None:
    # The face ~100 px wide in 1280x720: the mesh's own detector misses it.
    frame, _ = place(size=(1280, 720), scale=1.07, shift=(250.0, 120.0))
    result = track(frame)
    assert len(result.faces) == 1
    assert result.faces_from_crops == 1
    x0, _, x1, _ = result.faces[0].bbox
    assert 85 < x1 - x0 < 115
    assert abs((x0 + x1) / 2 - (640 + 250)) < 15


def _crowd(
    astronaut: NDArray[np.uint8], face_px: float, spots: list[tuple[int, int]]
) -> NDArray[np.uint8]:
    head = astronaut[20:240, 120:330]  # the face (~93 px wide) with some hair and neck
    s = face_px / 93.0
    small = cv2.resize(head, None, fx=s, fy=s, interpolation=cv2.INTER_AREA)
    canvas = np.full((720, 1280, 3), 120, np.uint8)
    for x, y in spots:
        canvas[y : y + small.shape[0], x : x + small.shape[1]] = small
    return canvas


@pytest.mark.parametrize(("face_px", "copies"), [(60, 4), (100, 3), (40, 2)])
def test_several_small_faces_are_all_found_and_followed(
    astronaut: NDArray[np.uint8], face_px: float, copies: int
) -> None:
    spots = [(100, 100), (500, 400), (900, 150), (1100, 500)][:copies]
    frame = _crowd(astronaut, face_px, spots)
    with MediaPipeFaceTracker(TrackerOptions(max_faces=copies)) as tracker:
        first = tracker.track(frame, 1000)
        second = tracker.track(frame, 1033)  # followed on crops, no new detection
    for result in (first, second):
        assert len(result.faces) == copies
        centres = sorted(
            (round((f.bbox[0] + f.bbox[2]) / 2), round((f.bbox[1] + f.bbox[3]) / 2))
            for f in result.faces
        )
        face_centre = np.array([105.0, 105.0]) * face_px / 93.0  # face centre inside a copy
        expected = sorted(tuple(c) for c in (np.array(spots) + face_centre).tolist())
        assert np.abs(np.array(centres) - np.array(expected)).max() < 0.25 * face_px + 5
        assert [f.index for f in result.faces] == list(range(copies))


def test_max_faces_caps_the_result(astronaut: NDArray[np.uint8]) -> None:
    frame = _crowd(astronaut, 100, [(100, 100), (500, 400), (900, 150)])
    with MediaPipeFaceTracker(TrackerOptions(max_faces=2)) as tracker:
        assert len(tracker.track(frame, 1).faces) == 2


@pytest.mark.parametrize(
    "image", [data.coffee(), np.tile(np.linspace(0, 255, 640, dtype=np.uint8), (480, 1))]
)
def test_no_face_gives_no_observation(image: NDArray[np.uint8], track: TrackFn) -> None:
    frame = np.ascontiguousarray(np.dstack([image] * 3) if image.ndim == 2 else image)
    assert track(frame, max_faces=2).faces == ()


def test_timestamps_must_increase(astronaut: NDArray[np.uint8]) -> None:
    with MediaPipeFaceTracker() as tracker:
        tracker.track(astronaut, 100)
        with pytest.raises(ValueError, match="timestamps must increase strictly: got 100 ms"):
            tracker.track(astronaut, 100)
    with pytest.raises(RuntimeError, match="after close"):
        tracker.track(astronaut, 200)


@pytest.mark.parametrize(
    ("frame", "got"),
    [
        (np.zeros((480, 640, 3), np.float32), r"float32 \(480, 640, 3\)"),
        (np.zeros((480, 640), np.uint8), r"uint8 \(480, 640\)"),
        (np.zeros((480, 640, 4), np.uint8), r"uint8 \(480, 640, 4\)"),
        (np.zeros((0, 0, 3), np.uint8), r"uint8 \(0, 0, 3\)"),
        ([[0, 0, 0]], "list"),
    ],
)
def test_bad_frames_are_named(frame: object, got: str) -> None:
    with (
        MediaPipeFaceTracker() as tracker,
        pytest.raises(
            ValueError, match=rf"expected an RGB uint8 frame of shape \(H, W, 3\), got {got}"
        ),
    ):
        tracker.track(frame, 1)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"max_faces": 0}, "max_faces must be in"),
        ({"min_detection_confidence": 1.5}, "min_detection_confidence must be in"),
        ({"detection_interval": 0}, "detection_interval must be >= 1"),
    ],
)
def test_bad_options_are_named(options: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        TrackerOptions(**options)  # type: ignore[arg-type]


def test_landmarks_read_from_bytes_equal_protobufs_on_a_real_face(
    astronaut: NDArray[np.uint8],
) -> None:
    """The fast read of the mesh's serialized landmarks gives protobuf's floats bit for bit;
    records it cannot read (a coordinate of exactly 0 left out, visibility added) get None
    and go through protobuf, with the same pixels as before."""
    with MediaPipeFaceTracker() as tracker:
        graph = tracker._make_graph("mesh")
        try:
            (serialized,) = _serialized_faces(graph, np.ascontiguousarray(astronaut))
        finally:
            graph.close()
    parsed = landmark_pb2.NormalizedLandmarkList.FromString(serialized)
    slow = np.array([(p.x, p.y, p.z) for p in parsed.landmark], dtype=np.float32)
    fast = _decode_landmarks(serialized)
    assert fast is not None and fast.shape == (478, 3) and fast.dtype == np.float32
    assert fast.tobytes() == slow.tobytes()
    pixels = _to_pixels(serialized, 512, 480)
    assert np.array_equal(pixels, slow * np.array([512, 480, 512], dtype=np.float32))

    parsed.landmark[5].x = 0.0  # proto3 leaves a zero out: 12-byte record
    parsed.landmark[9].visibility = 0.5  # an extra field: 22-byte record
    odd = parsed.SerializeToString()
    assert _decode_landmarks(odd) is None
    assert _decode_landmarks(b"") is None and _decode_landmarks(b"\x0a" * 17) is None
    expected = np.array([(p.x, p.y, p.z) for p in parsed.landmark], dtype=np.float32)
    assert np.array_equal(_to_pixels(odd, 1, 1), expected)
