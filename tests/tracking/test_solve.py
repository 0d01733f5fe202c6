"""Face geometry: exact on a synthetic posed face, and on the real face under known moves."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from tryon.tracking.camera import CameraIntrinsics
from tryon.tracking.canonical import load_canonical_face
from tryon.tracking.geometry import FaceGeometry
from tryon.tracking.mediapipe_tracker import observation_from_landmarks
from tryon.tracking.observation import FaceObservation
from tryon.tracking.solve import backproject, solve_geometry

from .conftest import PlaceFn, TrackFn

CAMERA = CameraIntrinsics.from_fov(640, 480)


def _solve(face: FaceObservation) -> FaceGeometry:
    return solve_geometry(face, CameraIntrinsics.from_fov(*face.image_size))


def _synthetic(rotation: np.ndarray, translation: np.ndarray) -> FaceObservation:
    """The canonical face posed in front of CAMERA, observed the way MediaPipe reports it."""
    v = load_canonical_face().vertices.astype(np.float64) @ rotation.T + translation
    px = CAMERA.project(v).astype(np.float64)
    eye_depth = -v[[468, 473], 2].mean()
    m_per_px = eye_depth / CAMERA.fx
    z = (-v[:, 2] - eye_depth) / m_per_px  # relative depth in pixels, nearer is smaller
    z[468:473], z[473:478] = z[468], z[473]  # MediaPipe gives each iris a single depth
    lm = np.column_stack([px, z]).astype(np.float32)
    return observation_from_landmarks(lm, (640, 480), 1)


@pytest.mark.parametrize(
    "euler_deg", [(0, 0, 0), (25, 0, 0), (-20, 10, 0), (10, -15, 20), (0, 0, -30)]
)
def test_recovers_a_known_pose_of_the_canonical_face(euler_deg: tuple[float, ...]) -> None:
    rot = Rotation.from_euler("YXZ", euler_deg, degrees=True).as_matrix()
    t = np.array([0.03, -0.02, -0.6])
    geom = solve_geometry(_synthetic(rot, t), CAMERA)
    error_deg = np.degrees(Rotation.from_matrix(geom.rotation @ rot.T).magnitude())
    assert error_deg < 1.0
    assert geom.translation == pytest.approx(t, abs=0.006)  # 1% of the distance
    assert geom.vertices[168] == pytest.approx(t, abs=0.006)
    assert geom.model_matrix[:3, 3] == pytest.approx(geom.translation, abs=1e-6)


def test_vertices_project_back_onto_the_landmarks(place: PlaceFn, track: TrackFn) -> None:
    frame, _ = place(scale=1.3, angle_deg=10.0, shift=(40.0, -30.0))
    face = track(frame).faces[0]
    geom = _solve(face)
    assert geom.vertices.shape == (478, 3) and geom.vertices.dtype == np.float32
    assert np.all(geom.vertices[:, 2] < 0)  # in front of the camera
    # Through the renderer's own matrix: clip space -> NDC -> pixels.
    clip = np.column_stack([geom.vertices, np.ones(478)]) @ CAMERA.projection_matrix().T
    ndc = clip[:, :3] / clip[:, 3:]
    px = np.column_stack([(ndc[:, 0] + 1) * 320, (1 - ndc[:, 1]) * 240])
    assert np.abs(px - face.landmarks[:, :2]).max() < 0.05
    assert np.all(np.abs(ndc[:, 2]) < 1)  # inside the depth range


def test_depth_and_position_follow_the_face(place: PlaceFn, track: TrackFn) -> None:
    geoms = {}
    for scale, shift in [(1.0, (0.0, 0.0)), (2.0, (0.0, 0.0)), (1.0, (-150.0, 80.0))]:
        frame, _ = place(scale=scale, shift=shift)
        face = track(frame).faces[0]
        geoms[(scale, shift)] = g = _solve(face)
        # The head origin projects onto the nose bridge.
        origin_px = CAMERA.project(g.translation[None])[0]
        assert np.linalg.norm(origin_px - face.landmarks[168, :2]) < 3.0
    near = -geoms[(2.0, (0.0, 0.0))].translation[2]
    base = -geoms[(1.0, (0.0, 0.0))].translation[2]
    # Twice as big: half as far, up to the single-photo iris noise (~3% per photo).
    assert near / base == pytest.approx(0.5, rel=0.08)
    assert 0.4 < base < 1.2  # metres: a plausible webcam distance for a 640 px frame
    moved = geoms[(1.0, (-150.0, 80.0))].translation
    assert moved[0] < -0.1 and moved[1] < -0.05  # left and down in GL camera space


@pytest.mark.parametrize("angle", [-25.0, 20.0])
def test_roll_follows_an_in_plane_rotation(place: PlaceFn, track: TrackFn, angle: float) -> None:
    base = _solve(track(place()[0]).faces[0])
    turned = _solve(track(place(angle_deg=angle)[0]).faces[0])
    relative = Rotation.from_matrix(turned.rotation @ base.rotation.T).as_rotvec(degrees=True)
    assert relative[2] == pytest.approx(angle, abs=2.5)  # about the view axis, CCW positive
    assert np.hypot(relative[0], relative[1]) < 3.0


def test_pupil_distance_in_one_photo_across_scales(place: PlaceFn, track: TrackFn) -> None:
    """One photo at a time (no filtering): the iris fit's own noise, about 2.5% (see
    test_engine for the stabilised figure)."""
    ipds = []
    for scale in (0.5, 0.75, 1.0, 1.5, 2.0):
        face = track(place(scale=scale)[0]).faces[0]
        g = _solve(face)
        ipds.append(
            float(np.linalg.norm(face.iris_centers[0] - face.iris_centers[1]) * g.mm_per_px)
        )
    assert max(ipds) - min(ipds) < 5.0
    assert 54 < np.mean(ipds) < 66


def test_backproject_scale_and_depth() -> None:
    lm = np.zeros((478, 3), np.float32)
    lm[:, :2] = (CAMERA.cx, CAMERA.cy)
    lm[1, 2] = -10.0  # the nose tip 10 px nearer than the eyes
    v = backproject(lm, CAMERA, mm_per_px=1.0)
    assert v[468, 2] == pytest.approx(-CAMERA.fx / 1000)
    assert v[1, 2] - v[468, 2] == pytest.approx(0.010)


def test_errors_name_the_mismatch(base_face: FaceObservation) -> None:
    with pytest.raises(ValueError, match="camera is 640x480 but the face was tracked in a 512x512"):
        solve_geometry(base_face, CAMERA)
