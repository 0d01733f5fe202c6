"""The engine on real frames: stages, pass-through, errors, timestamps, stable metric scale."""

from __future__ import annotations

import moderngl
import numpy as np
import pytest
from numpy.typing import NDArray
from skimage import data

from tryon.engine import Engine, EngineOptions
from tryon.tracking.camera import CameraIntrinsics
from tryon.tracking.geometry import FaceGeometry
from tryon.tracking.mediapipe_tracker import MediaPipeFaceTracker
from tryon.tracking.stabilizer import StabilizerOptions
from tryon.tracking.synthetic import similarity, warp

FACE_CENTER = (225.0, 125.0)


def _zoom(astronaut: NDArray[np.uint8], scale: float) -> NDArray[np.uint8]:
    cx, cy = FACE_CENTER
    return warp(astronaut, similarity(scale, 0.0, (320 - cx, 240 - cy), FACE_CENTER), (640, 480))


@pytest.fixture(scope="module")
def engine() -> Engine:
    with Engine(EngineOptions(debug_overlay=True)) as e:
        yield e  # type: ignore[misc]


def test_overlay_draws_on_a_copy_around_the_face(
    engine: Engine, astronaut: NDArray[np.uint8]
) -> None:
    before = astronaut.copy()
    out = engine.process(astronaut)
    assert np.array_equal(astronaut, before)  # the input is never modified
    assert out is not astronaut and out.shape == astronaut.shape and out.dtype == np.uint8
    changed = np.argwhere(np.any(out != astronaut, axis=2))
    (y0, x0), (y1, x1) = changed.min(axis=0), changed.max(axis=0)
    assert x0 > 150 and x1 < 300 and y0 > 40 and y1 < 200  # only on and around the face
    result = engine.last_result
    assert result is not None and len(result.faces) == 1
    assert isinstance(result.faces[0], FaceGeometry)
    assert list(result.timings_ms) == ["tracking", "stabilizing", "geometry", "overlay", "total"]
    assert all(v >= 0 for v in result.timings_ms.values())


@pytest.mark.parametrize(
    "image",
    [data.coffee(), np.dstack([np.tile(np.linspace(0, 255, 640, dtype=np.uint8), (480, 1))] * 3)],
    ids=["coffee", "gradient"],
)
def test_no_face_passes_through_byte_identical(engine: Engine, image: NDArray[np.uint8]) -> None:
    frame = np.ascontiguousarray(image)
    before = frame.tobytes()
    out = engine.process(frame)
    assert out.tobytes() == before and out.shape == frame.shape
    assert engine.last_result is not None and engine.last_result.faces == ()


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (np.zeros((480, 640, 3), np.float32), r"got float32 \(480, 640, 3\)"),
        (np.zeros((480, 640), np.uint8), r"got uint8 \(480, 640\)"),
        (np.zeros((480, 640, 4), np.uint8), r"got uint8 \(480, 640, 4\)"),
        (np.zeros((0, 640, 3), np.uint8), r"got uint8 \(0, 640, 3\)"),
        (None, "got NoneType"),
    ],
)
def test_bad_frames_raise_a_clear_error(engine: Engine, frame: object, message: str) -> None:
    with pytest.raises(
        ValueError, match=r"expected an RGB uint8 frame of shape \(H, W, 3\), " + message
    ):
        engine.process(frame)  # type: ignore[arg-type]


def test_timestamps_are_made_strictly_increasing(astronaut: NDArray[np.uint8]) -> None:
    with Engine() as e:
        stamps = []
        for ts in (1000, 1000, 900, None):
            e.process(astronaut, timestamp_ms=ts)
            assert e.last_result is not None
            stamps.append(e.last_result.timestamp_ms)
    assert stamps[:3] == [1000, 1001, 1002]
    assert stamps[3] > stamps[2]


def test_a_tracker_failure_passes_the_frame_through(astronaut: NDArray[np.uint8]) -> None:
    tracker = MediaPipeFaceTracker()
    tracker.close()  # track() now raises RuntimeError
    with Engine(EngineOptions(debug_overlay=True), tracker=tracker) as e:
        assert e.process(astronaut) is astronaut
        assert e.last_result is not None and e.last_result.faces == ()


def test_options_and_lifecycle_errors(astronaut: NDArray[np.uint8]) -> None:
    with pytest.raises(ValueError, match="max_faces must be in"):
        EngineOptions(max_faces=0)
    with pytest.raises(ValueError, match="field of view must be in"):
        EngineOptions(hfov_deg=0.0)
    cam = CameraIntrinsics.from_fov(640, 480)
    with (
        Engine(EngineOptions(camera=cam)) as e,
        pytest.raises(ValueError, match=r"frame is 512x512 but EngineOptions\.camera is 640x480"),
    ):
        e.process(astronaut)
    with pytest.raises(RuntimeError, match="after close"):
        e.process(astronaut)


def test_the_geometry_stage_filters_the_pose_not_the_mesh(astronaut: NDArray[np.uint8]) -> None:
    """Same frames through an engine with and without the pose filter: one mesh (on the face in
    the image), two poses once the filter has a past."""
    rng = np.random.default_rng(3)
    frames = [
        np.clip(astronaut + rng.normal(0, 6, astronaut.shape), 0, 255).astype(np.uint8)
        for _ in range(6)
    ]
    runs = []
    for options in (StabilizerOptions(), StabilizerOptions(filter_pose=False)):
        with Engine(EngineOptions(stabilizer=options)) as e:
            faces = []
            for i, frame in enumerate(frames):
                e.process(frame, timestamp_ms=1000 + 33 * i)
                assert e.last_result is not None
                faces.append(e.last_result.faces[0])
            runs.append(faces)
    filtered, unfiltered = runs
    for i, (a, b) in enumerate(zip(filtered, unfiltered, strict=True)):
        assert np.array_equal(a.vertices, b.vertices)
        same_pose = np.allclose(a.rotation, b.rotation, atol=1e-12)
        assert same_pose == (i == 0)  # the first frame starts the filter


@pytest.mark.slow
def test_pupil_distance_stays_within_a_millimetre_while_zooming(
    astronaut: NDArray[np.uint8],
) -> None:
    """A shopper seen for a second at arm's length, then walking back and forth (the face
    from 0.5x to 2x): the stabilised metric scale keeps the inter-pupil distance within 1 mm
    of its median. (One photo alone varies by a few mm: see tests/tracking/test_solve.py.)"""
    scales = np.concatenate(
        [
            np.ones(30),
            np.geomspace(1.0, 0.5, 30),
            np.geomspace(0.5, 2.0, 45),
            np.geomspace(2.0, 1.0, 15),
        ]
    )
    ipds = []
    with Engine() as e:
        for i, s in enumerate(scales):
            e.process(_zoom(astronaut, float(s)), timestamp_ms=1000 + 33 * i)
            assert e.last_result is not None and len(e.last_result.faces) == 1
            face = e.last_result.faces[0]
            centres = face.observation.iris_centers
            ipds.append(float(np.linalg.norm(centres[0] - centres[1])) * face.mm_per_px)
    moving = np.array(ipds[30:])
    assert np.abs(moving - np.median(moving)).max() <= 1.0
    assert 55 < np.median(moving) < 66


def test_track_then_present_into_a_window_shows_the_product(
    gl_ctx: moderngl.Context, astronaut: NDArray[np.uint8]
) -> None:
    """The kiosk's path: track (any thread), then present with a renderer on the window's
    context; the engine leaves a renderer it was given alive."""
    from tryon.catalog.look import Look
    from tryon.render.renderer import Renderer
    from tryon.render.surface import Surface

    window = gl_ctx.simple_framebuffer((512, 512))
    renderer = Renderer(gl_ctx)
    try:
        with Engine(renderer=renderer) as engine:
            result = engine.track(astronaut, timestamp_ms=5)
            assert len(result.faces) == 1 and "render" not in result.timings_ms
            engine.present(astronaut, result.faces, None, Surface(window, (0, 0, 512, 512), False))
            plain = np.frombuffer(window.read(components=3), np.uint8).reshape(512, 512, 3)[::-1]
            look = Look.of("classic-rectangle-black")
            engine.present(astronaut, result.faces, look, Surface(window, (0, 0, 512, 512), False))
            worn = np.frombuffer(window.read(components=3), np.uint8).reshape(512, 512, 3)[::-1]
            expected = engine.process(astronaut, look, timestamp_ms=6)
        assert np.array_equal(plain, astronaut)
        eyes = (slice(100, 135), slice(190, 290))
        assert worn[eyes].mean() < astronaut[eyes].mean() - 25  # dark frames and lenses
        assert np.abs(worn.astype(int) - expected.astype(int)).mean() < 1.0
        assert renderer.gl_objects()  # still alive after the engine closed
    finally:
        renderer.release()
        gl_ctx.detect_framebuffer(0).use()
        window.release()


def test_reset_forgets_the_stream(astronaut: NDArray[np.uint8]) -> None:
    """After reset() faces get new ids from 1 and the measurements start again, while the
    tracker's clock keeps increasing."""
    from tryon.measure.measurements import MeasureOptions

    with Engine(EngineOptions(measure=MeasureOptions())) as engine:
        engine.process(astronaut, timestamp_ms=1000)
        engine.process(astronaut, timestamp_ms=1033)
        report = engine.measurements()
        assert report is not None and report.faces[0].frames_seen == 2
        engine.reset()
        assert engine.last_result is None
        engine.process(astronaut, timestamp_ms=5)  # an earlier clock: a new clip
        result = engine.last_result
        assert result is not None and result.timestamp_ms == 1034
        assert [f.observation.face_id for f in result.faces] == [1]
        report = engine.measurements()
        assert report is not None and report.faces[0].frames_seen == 1
