"""Camera and looping-video sources: a thread per source keeps only the latest frame.

The window and the tracking worker each take the newest frame when they are ready for one;
a frame nobody took is replaced, never queued.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from tryon.media import MediaError, read_video

__all__ = ["CameraSource", "Frame", "FrameSource", "LatestFrame", "SourceError", "VideoSource"]


class SourceError(RuntimeError):
    """The camera or video cannot be opened or read."""


@dataclass(frozen=True, slots=True)
class Frame:
    """A captured RGB frame, its sequence number (from 1) and capture time (monotonic ms)."""

    image: NDArray[np.uint8]
    seq: int
    timestamp_ms: int


class LatestFrame:
    """The newest frame only; readers wait for one newer than the one they have."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._frame: Frame | None = None
        self._closed = False
        self.error: str | None = None

    def put(self, image: NDArray[np.uint8]) -> Frame:
        with self._cond:
            seq = 1 if self._frame is None else self._frame.seq + 1
            image.setflags(write=False)
            self._frame = Frame(image, seq, int(time.monotonic() * 1000))
            self._cond.notify_all()
            return self._frame

    def latest(self) -> Frame | None:
        with self._cond:
            return self._frame

    def newer_than(self, seq: int, timeout: float) -> Frame | None:
        """The newest frame if its ``seq`` is above ``seq`` (waiting up to ``timeout`` s)."""
        with self._cond:
            self._cond.wait_for(
                lambda: self._closed or (self._frame is not None and self._frame.seq > seq),
                timeout,
            )
            frame = self._frame
            return frame if frame is not None and frame.seq > seq else None

    def close(self, error: str | None = None) -> None:
        with self._cond:
            self._closed = True
            self.error = self.error or error
            self._cond.notify_all()

    @property
    def closed(self) -> bool:
        return self._closed


class FrameSource:
    """Runs ``_run`` on a daemon thread that fills ``frames``, from :meth:`start` to
    :meth:`stop`. ``description`` names the source for the log."""

    name = "source"

    def __init__(self, description: str) -> None:
        self.description = description
        self.frames = LatestFrame()
        self._on_frame: Callable[[], None] = lambda: None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._main, name=f"kiosk-{self.name}", daemon=True)

    def start(self, on_frame: Callable[[], None]) -> None:
        """Start capturing; ``on_frame`` is called after each frame (the window's wake-up)."""
        self._on_frame = on_frame
        self._thread.start()

    def stop(self) -> None:
        """Stop capturing and release the device (also when never started)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5.0)
        self.frames.close()
        self._release()

    def _release(self) -> None:
        """Free the device (nothing for a file)."""

    def _main(self) -> None:
        try:
            self._run()
            self.frames.close()
        except (SourceError, MediaError) as exc:
            self.frames.close(str(exc))

    def _emit(self, image: NDArray[np.uint8]) -> None:
        self.frames.put(image)
        self._on_frame()

    def _run(self) -> None:
        raise NotImplementedError


class VideoSource(FrameSource):
    """A video file played in a loop at its own frame rate (demos and tests)."""

    name = "video"

    def __init__(self, path: Path) -> None:
        super().__init__(f"video {path}")
        self.path = path
        _, _, frames = read_video(path)  # a missing or unreadable file fails here, at once
        if next(frames, None) is None:
            raise SourceError(f"video {path} has no frames")
        del frames  # closes the file (a generator)

    def _run(self) -> None:
        while not self._stop.is_set():
            _, fps, frames = read_video(self.path)
            period = 1.0 / fps if fps > 0 else 1.0 / 30
            start = time.monotonic()
            for count, frame in enumerate(frames, 1):
                self._emit(np.ascontiguousarray(frame.image))
                delay = start + count * period - time.monotonic()
                if self._stop.wait(max(delay, 0.0)):
                    return


class CameraSource(FrameSource):
    """A webcam through OpenCV's capture, at the size asked for (or the camera's nearest)."""

    name = "camera"

    def __init__(self, index: int, size: tuple[int, int]) -> None:
        import cv2

        super().__init__(f"camera {index}")
        self._cv2 = cv2
        level = cv2.getLogLevel()
        cv2.setLogLevel(0)  # OpenCV's own lines about a missing camera; ours says it once
        try:
            self._capture = cv2.VideoCapture(index)
            opened = self._capture.isOpened()
        finally:
            cv2.setLogLevel(level)
        if not opened:
            self._capture.release()
            raise SourceError(f"cannot open camera {index} (is a webcam at /dev/video{index}?)")
        self._capture.set(cv2.CAP_PROP_FRAME_WIDTH, size[0])
        self._capture.set(cv2.CAP_PROP_FRAME_HEIGHT, size[1])
        self._capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)
        self.index = index

    def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            ok, bgr = self._capture.read()
            if not ok or bgr is None:
                failures += 1
                if failures > 50:
                    raise SourceError(f"camera {self.index} stopped giving frames")
                self._stop.wait(0.02)
                continue
            failures = 0
            rgb = self._cv2.cvtColor(bgr, self._cv2.COLOR_BGR2RGB)
            self._emit(np.ascontiguousarray(rgb, dtype=np.uint8))

    def _release(self) -> None:
        self._capture.release()
