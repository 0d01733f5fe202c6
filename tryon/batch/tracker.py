"""The face tracker of a batch worker's engine: each input is tracked as if the worker were
new, so an output never depends on which inputs the worker rendered before (a local run and
a Ray run give the same bytes, and so does a resumed run)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from tryon.tracking.mediapipe_tracker import MediaPipeFaceTracker
from tryon.tracking.tracker import TrackerOptions, TrackerResult

__all__ = ["InputTracker"]


class InputTracker:
    """`FaceTracker` that starts MediaPipe afresh at each `start` of an input; a photo's faces
    are found once and reused while the same photo is rendered with other products."""

    def __init__(self, options: TrackerOptions) -> None:
        self._options = options
        self._tracker: MediaPipeFaceTracker | None = None
        self._still: tuple[str, int, int] | None = None  # the photo now rendered
        self._still_result: TrackerResult | None = None  # its faces

    @property
    def options(self) -> TrackerOptions:
        return self._options

    def start(self, source: Path, still: bool) -> None:
        """The next frames are ``source``'s (``still``: a photo, one frame)."""
        if still:
            stat = source.stat()
            key = (str(source), stat.st_size, stat.st_mtime_ns)
            if key == self._still:
                return
            self._still = key
        else:
            self._still = None
        self._still_result = None
        self._restart()

    def track(self, frame: NDArray[np.uint8], timestamp_ms: int) -> TrackerResult:
        if self._still is not None and self._still_result is not None:
            cached = self._still_result
            faces = tuple(replace(f, timestamp_ms=timestamp_ms) for f in cached.faces)
            return replace(cached, faces=faces, timestamp_ms=timestamp_ms)
        if self._tracker is None:
            self._tracker = MediaPipeFaceTracker(self._options)
        result = self._tracker.track(frame, timestamp_ms)
        if self._still is not None:
            self._still_result = result
        return result

    def close(self) -> None:
        self._restart()

    def _restart(self) -> None:
        if self._tracker is not None:
            self._tracker.close()
            self._tracker = None
