"""The engine: one RGB frame in, one RGB frame out, stage by stage, each stage timed.

``Engine.process`` is the one entry point every front end (server, kiosk, CLI) calls. A frame
with no face, or a tracker failure, comes back unmodified; a malformed frame raises
``ValueError`` naming what it got.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType, TracebackType

import numpy as np
from numpy.typing import NDArray

from tryon.catalog.catalog import Catalog
from tryon.catalog.look import FaceLooks, Look
from tryon.frames import validate_frame
from tryon.measure.frame_fit import FrameSize, frame_sizes
from tryon.measure.measurements import MeasurementSession, MeasureOptions
from tryon.measure.report import MeasurementReport
from tryon.overlay import draw_overlay
from tryon.render.kinds import kind_of_item, worn_items
from tryon.render.passes import FaceWear, Worn
from tryon.render.renderer import Renderer
from tryon.render.surface import Surface
from tryon.render.target import Box
from tryon.segmentation.hair_matte import HairMatteStage
from tryon.tracking.camera import DEFAULT_HFOV_DEG, CameraIntrinsics
from tryon.tracking.geometry import FaceGeometry
from tryon.tracking.mediapipe_tracker import MediaPipeFaceTracker
from tryon.tracking.solve import solve_geometry
from tryon.tracking.stabilizer import FaceStabilizer, StabilizerOptions
from tryon.tracking.tracker import FaceTracker, TrackerOptions, TrackerResult

__all__ = ["Engine", "EngineOptions", "EngineResult", "StageTimer"]

log = logging.getLogger(__name__)

#: Looks whose worn items the engine keeps resolved.
_WORN_CACHE = 16


@dataclass(frozen=True, slots=True)
class EngineOptions:
    """How the engine tracks and what it draws."""

    max_faces: int = 1
    #: Draw the tracked mesh, irises and head axes on the output.
    debug_overlay: bool = False
    #: Assumed horizontal field of view of the camera when ``camera`` is not given.
    hfov_deg: float = DEFAULT_HFOV_DEG
    #: Known intrinsics (overrides ``hfov_deg``); frames must then have its size.
    camera: CameraIntrinsics | None = None
    stabilizer: StabilizerOptions = field(default_factory=StabilizerOptions)
    #: Look for small / far faces (full-range detector and crops) when faces are missing.
    find_small_faces: bool = True
    #: Measure faces (PD, widths, shape, fit) with these options; None: no measuring stage.
    measure: MeasureOptions | None = None
    #: The face-parsing checkpoint for hair mattes (default: ``$TRYON_HAIR_MODEL`` or the
    #: fetched one; without it or without torch, a model-free matte is used).
    hair_model: Path | None = None

    def __post_init__(self) -> None:
        self.tracker_options()  # validates max_faces
        CameraIntrinsics.from_fov(2, 2, self.hfov_deg)  # validates hfov_deg

    def tracker_options(self) -> TrackerOptions:
        return TrackerOptions(max_faces=self.max_faces, find_small_faces=self.find_small_faces)


@dataclass(frozen=True, slots=True)
class EngineResult:
    """What the engine found in the last frame."""

    faces: tuple[FaceGeometry, ...]
    #: Wall time per stage, milliseconds, in stage order (plus ``"total"``).
    timings_ms: MappingProxyType[str, float]
    timestamp_ms: int
    #: The part of :meth:`Engine.process`'s output that may differ from its input frame,
    #: ``(x, y, width, height)``; None when the output is the input's pixels.
    drawn_box: Box | None = None


class StageTimer:
    def __init__(self) -> None:
        self.ms: dict[str, float] = {}
        self._start = time.perf_counter()

    @contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.ms[stage] = (time.perf_counter() - t0) * 1000.0

    def done(self) -> MappingProxyType[str, float]:
        self.ms["total"] = (time.perf_counter() - self._start) * 1000.0
        return MappingProxyType(self.ms)


class Engine:
    """Tracks faces and draws on frames (one engine per video stream).

    :meth:`process` does both for one frame. A front end with its own GL window (the kiosk)
    calls :meth:`track` and :meth:`present` instead, and may track on a worker thread while
    its GL thread presents: each method must not run concurrently with itself, and
    :meth:`measurements` may be read from any thread.

    ``renderer``: draw with this renderer (made on the caller's GL context, e.g. a window's);
    by default one with its own headless context is made on first need.
    """

    def __init__(
        self,
        options: EngineOptions | None = None,
        *,
        tracker: FaceTracker | None = None,
        catalog: Catalog | None = None,
        renderer: Renderer | None = None,
    ) -> None:
        self.options = options or EngineOptions()
        self._catalog = catalog
        self._renderer = renderer
        self._owns_renderer = renderer is None
        self._tracker = tracker or MediaPipeFaceTracker(self.options.tracker_options())
        self._stabilizer = FaceStabilizer(self.options.stabilizer)
        measure = self.options.measure
        self._measure = None if measure is None else MeasurementSession(measure)
        self._measure_lock = threading.Lock()
        self._sizes: list[tuple[str, FrameSize]] | None = None
        #: Worn items of the looks seen lately (a look is resolved once, not every frame).
        self._worn: dict[Look, tuple[Worn, ...]] = {}
        self._camera: CameraIntrinsics | None = self.options.camera
        self._last_ts: int | None = None
        self._last_result: EngineResult | None = None
        #: Hair mattes, made when a worn item first needs one.
        self._hair: HairMatteStage | None = None
        self._closed = False

    @property
    def last_result(self) -> EngineResult | None:
        """The faces and stage timings of the last processed frame (None before the first)."""
        return self._last_result

    @property
    def camera(self) -> CameraIntrinsics | None:
        """The intrinsics in use: ``EngineOptions.camera``, or those assumed for the last
        frame's size (None before the first frame when none were given)."""
        return self._camera

    def process(
        self,
        frame: NDArray[np.uint8],
        look: Look | FaceLooks | None = None,
        timestamp_ms: int | None = None,
        *,
        out: NDArray[np.uint8] | None = None,
    ) -> NDArray[np.uint8]:
        """Process one RGB uint8 ``(H, W, 3)`` frame; the input array is not modified
        unless it is given as ``out``.

        ``look`` is worn by every face, or given per face id with :class:`FaceLooks` (ids
        are stable across frames: ``last_result.faces[i].observation.face_id``). Products of
        any kind are drawn, looks are expanded into their products. ``timestamp_ms`` is the
        frame's time (a video's pts); by default the monotonic clock. Without faces (or with
        nothing to draw) the input array itself is returned. ``UnknownProductError`` for a
        product the catalog lacks, ``AssetError`` for a model that cannot be loaded.

        ``out``: draw the products into this array of the frame's shape instead of a new
        one; it may be ``frame`` itself (drawn in place: the frame is not copied). Use the
        returned array: ``frame`` when nothing was drawn (``out`` is then left as it was).
        """
        frame = validate_frame(frame)
        timer = StageTimer()
        faces, ts = self._track_stages(frame, timestamp_ms, timer)
        result, box = frame, None
        if faces and look:
            wear = self._wear(faces, look)
            if self._needs_matte(wear):
                with timer("matte"):
                    wear = self._with_mattes(frame, wear)
            with timer("render"):
                if any(w.items for w in wear):
                    renderer = self._get_renderer()
                    into = np.empty_like(frame) if out is None else out
                    result = renderer.render(frame, wear, out=into)
                    box = renderer.drawn_box
        if faces and self.options.debug_overlay:
            with timer("overlay"):
                result = draw_overlay(result, faces)
                box = (0, 0, frame.shape[1], frame.shape[0])
        self._last_result = EngineResult(faces, timer.done(), ts, box)
        return result

    def track(self, frame: NDArray[np.uint8], timestamp_ms: int | None = None) -> EngineResult:
        """Track, stabilize, solve and measure the faces of ``frame`` without drawing."""
        frame = validate_frame(frame)
        timer = StageTimer()
        faces, ts = self._track_stages(frame, timestamp_ms, timer)
        result = EngineResult(faces, timer.done(), ts)
        self._last_result = result
        return result

    def present(
        self,
        frame: NDArray[np.uint8],
        faces: Sequence[FaceGeometry],
        look: Look | FaceLooks | None,
        surface: Surface,
    ) -> None:
        """Show ``frame`` with ``look`` worn on ``faces`` (from :meth:`track`, possibly of an
        earlier frame of the same size) in ``surface``, through the engine's renderer (give
        one made on the surface's context)."""
        self._check_open()
        frame = validate_frame(frame)
        h, w = frame.shape[:2]
        faces = [f for f in faces if (f.camera.width, f.camera.height) == (w, h)]
        wear = self._wear(tuple(faces), look) if faces and look else []
        if self._needs_matte(wear):
            wear = self._with_mattes(frame, wear)
        self._get_renderer().present(frame, wear, surface)

    def measurements(self) -> MeasurementReport | None:
        """The measurements averaged over the frames so far, built now (robust averages over
        the window, uncertainties, fit against the catalog): ask when they are shown, not on
        every frame. None when ``EngineOptions.measure`` is None."""
        if self._measure is None:
            return None
        with self._measure_lock:
            return self._measure.report(self._frame_sizes())

    def reset(self) -> None:
        """Forget the stream so far (a new clip or photo follows): face identities, filters,
        measurements and the assumed camera. The tracker, the renderer and loaded products
        stay, and timestamps keep increasing for the tracker (an earlier one is moved on)."""
        self._check_open()
        self._stabilizer.reset()
        if self._measure is not None:
            with self._measure_lock:
                self._measure.reset()
        self._camera = self.options.camera
        self._last_result = None
        if self._hair is not None:
            self._hair.reset()

    def close(self) -> None:
        """Release the tracker and the renderer the engine made (not one it was given)."""
        if not self._closed:
            self._closed = True
            self._tracker.close()
            if self._hair is not None:
                self._hair.close()
            if self._renderer is not None and self._owns_renderer:
                self._renderer.release()

    def __enter__(self) -> Engine:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- internals -------------------------------------------------------------------------

    def _frame_sizes(self) -> list[tuple[str, FrameSize]]:
        """The catalog's eyewear sizes, for the measurements' frame fit (none without one)."""
        if self._sizes is None:
            self._sizes = [] if self._catalog is None else frame_sizes(self._catalog.products())
        return self._sizes

    def _timestamp(self, given: int | None) -> int:
        """Strictly increasing ms; a jump back in the caller's clock (a new clip) resets the
        stabilizer, since the old motion says nothing about the new frames."""
        ts = int(time.monotonic() * 1000) if given is None else int(given)
        if self._last_ts is not None and ts <= self._last_ts:
            if ts < self._last_ts:
                self._stabilizer.reset()
                if self._measure is not None:
                    with self._measure_lock:
                        self._measure.reset()
            ts = self._last_ts + 1
        self._last_ts = ts
        return ts

    def _camera_for(self, frame: NDArray[np.uint8]) -> CameraIntrinsics:
        h, w = frame.shape[:2]
        cam = self._camera
        if cam is not None and (cam.width, cam.height) == (w, h):
            return cam
        fixed = self.options.camera
        if fixed is not None:
            raise ValueError(
                f"frame is {w}x{h} but EngineOptions.camera is {fixed.width}x{fixed.height}"
            )
        self._camera = CameraIntrinsics.from_fov(w, h, self.options.hfov_deg)
        self._stabilizer.reset()
        return self._camera

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("Engine used after close()")

    def _track_stages(
        self, frame: NDArray[np.uint8], timestamp_ms: int | None, timer: StageTimer
    ) -> tuple[tuple[FaceGeometry, ...], int]:
        """The stages up to measuring; the faces and the frame's timestamp."""
        self._check_open()
        ts = self._timestamp(timestamp_ms)
        camera = self._camera_for(frame)
        with timer("tracking"):
            tracked = self._track(frame, ts)
        with timer("stabilizing"):
            observations = self._stabilizer.update(tracked)
        with timer("geometry"):
            faces = self._stabilizer.filter_poses([solve_geometry(o, camera) for o in observations])
        if self._measure is not None:
            with timer("measuring"), self._measure_lock:
                self._measure.update(faces, frame)
        return faces, ts

    def _get_renderer(self) -> Renderer:
        if self._renderer is None:
            self._renderer = Renderer()
        return self._renderer

    def _wear(self, faces: tuple[FaceGeometry, ...], look: Look | FaceLooks) -> list[FaceWear]:
        """What each face wears (its own look by face id, or the one look)."""
        looks = look if isinstance(look, FaceLooks) else FaceLooks(look)
        return [
            FaceWear(face, self._worn_items(looks.for_face(face.observation.face_id)))
            for face in faces
        ]

    def _needs_matte(self, wear: Sequence[FaceWear]) -> bool:
        """Whether an item worn (at an intensity above 0) needs the face's hair matte (one
        that takes only hair alone needs none from the model-free fallback)."""
        for kind in {kind_of_item(i) for w in wear for i in w.items if i.intensity > 0.0}:
            if kind.needs_matte and (not kind.needs_hair_only or self._hair_stage().hair_only):
                return True
        return False

    def _hair_stage(self) -> HairMatteStage:
        """The hair matte stage, opened on first need."""
        if self._hair is None:
            self._hair = HairMatteStage.open(self.options.hair_model)
        return self._hair

    def _with_mattes(self, frame: NDArray[np.uint8], wear: list[FaceWear]) -> list[FaceWear]:
        """``wear`` with the hair matte of each face that wears an item needing one."""
        faces = [w.face for w in wear if self._needs_matte([w])]
        mattes = self._hair_stage().update(frame, faces)
        return [replace(w, matte=mattes.get(w.face.observation.face_id)) for w in wear]

    def _worn_items(self, look: Look) -> tuple[Worn, ...]:
        """``look``'s products as worn items (looks expanded, models loaded), kept for the
        looks used lately."""
        items = self._worn.get(look)
        if items is None:
            if self._catalog is None:
                self._catalog = Catalog.default()
            items = worn_items(self._catalog, look)
            if len(self._worn) >= _WORN_CACHE:
                self._worn.pop(next(iter(self._worn)))
            self._worn[look] = items
        return items

    def _track(self, frame: NDArray[np.uint8], ts: int) -> TrackerResult:
        """The tracker's result, or no faces if it fails (logged without any face data)."""
        try:
            return self._tracker.track(frame, ts)
        except Exception as exc:  # a tracker failure must not take the stream down
            log.warning("tracker failed on a %dx%d frame: %s", frame.shape[1], frame.shape[0], exc)
            h, w = frame.shape[:2]
            return TrackerResult((), ts, (w, h))
