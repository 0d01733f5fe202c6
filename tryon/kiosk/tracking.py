"""The tracking worker: tracks the latest camera frame on its own thread (no queue), while
the window presents every frame with the latest faces found."""

from __future__ import annotations

import threading
import time

from tryon.engine import Engine
from tryon.kiosk.source import LatestFrame
from tryon.measure.report import MeasurementReport
from tryon.tracking.geometry import FaceGeometry

__all__ = ["TrackingWorker"]


class TrackingWorker:
    """Runs ``engine.track`` on a worker thread on the newest frame of ``frames``; the GL
    thread presents through the same engine (`Engine` allows the two to overlap). The
    caller owns the engine (it closes it after :meth:`stop`)."""

    def __init__(self, frames: LatestFrame, engine: Engine) -> None:
        self._frames = frames
        self.engine = engine
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
        if self._thread.is_alive():
            self._thread.join(timeout=10.0)

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
        """Forget the faces and everything measured (`Engine.reset`, on the worker thread,
        before it tracks its next frame)."""
        self._reset.set()

    def measurements(self) -> MeasurementReport | None:
        return self.engine.measurements()

    def _run(self) -> None:
        seq = 0
        while not self._stop.is_set():
            if self._reset.is_set():
                self._reset.clear()
                self.engine.reset()
                self._faces = ()
            frame = self._frames.newer_than(seq, timeout=0.1)
            if frame is None:
                if self._frames.closed:
                    return
                continue
            seq = frame.seq
            result = self.engine.track(frame.image, frame.timestamp_ms)
            self._faces = result.faces
            self._tracked += 1
            if result.faces:
                self._last_face_s = time.monotonic()
