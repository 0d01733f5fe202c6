"""The tracking worker: tracks the latest camera frame on its own thread (no queue), while
the window presents every frame with the latest faces found."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import NDArray

from tryon.catalog.look import Look
from tryon.engine import Engine
from tryon.kiosk.source import LatestFrame
from tryon.measure.report import MeasurementReport
from tryon.render.surface import Surface
from tryon.tracking.geometry import FaceGeometry

__all__ = ["TrackingWorker"]


class TrackingWorker:
    """Owns the session's `Engine`: tracks on a worker thread, presents on the caller's (the
    GL thread). :meth:`reset` replaces the engine with a fresh one (nothing measured)."""

    def __init__(self, frames: LatestFrame, make_engine: Callable[[], Engine]) -> None:
        self._frames = frames
        self._make_engine = make_engine
        self._engine = make_engine()
        #: Held to swap engines, and by the GL thread while it presents.
        self._lock = threading.Lock()
        self._faces: tuple[FaceGeometry, ...] = ()
        self._last_face_s = time.monotonic()
        self._tracked = 0
        self._reset = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kiosk-tracking", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10.0)
        with self._lock:
            self._engine.close()

    @property
    def faces(self) -> tuple[FaceGeometry, ...]:
        """The faces of the last tracked frame."""
        return self._faces

    @property
    def tracked_frames(self) -> int:
        """Frames tracked so far (for the tracking rate)."""
        return self._tracked

    def seconds_without_face(self) -> float:
        return time.monotonic() - self._last_face_s

    def reset(self) -> None:
        """Forget everything measured: the worker makes a fresh engine before its next frame."""
        self._reset.set()

    def present(
        self,
        frame: NDArray[np.uint8],
        look: Look | None,
        surface: Surface,
        faces: Sequence[FaceGeometry] | None = None,
    ) -> None:
        """Show ``frame`` with ``look`` on the latest faces (or ``faces``) in ``surface``."""
        with self._lock:
            self._engine.present(frame, self._faces if faces is None else faces, look, surface)

    def measurements(self) -> MeasurementReport | None:
        with self._lock:
            engine = self._engine
        return engine.measurements()

    def _run(self) -> None:
        seq = 0
        while not self._stop.is_set():
            if self._reset.is_set():
                self._reset.clear()
                fresh = self._make_engine()
                with self._lock:
                    old, self._engine = self._engine, fresh
                    self._faces = ()
                    old.close()
            frame = self._frames.newer_than(seq, timeout=0.1)
            if frame is None:
                if self._frames.closed:
                    return
                continue
            seq = frame.seq
            result = self._engine.track(frame.image, frame.timestamp_ms)
            self._faces = result.faces
            self._tracked += 1
            if result.faces:
                self._last_face_s = time.monotonic()
