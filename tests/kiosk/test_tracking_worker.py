"""The tracking worker on real frames: it tracks the latest frame only, measures, and a reset
forgets the faces and what was measured."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from tryon.catalog.catalog import Catalog
from tryon.engine import Engine, EngineOptions
from tryon.kiosk.source import LatestFrame
from tryon.kiosk.tracking import TrackingWorker
from tryon.measure.measurements import MeasureOptions


def _wait(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def _frames(worker: TrackingWorker, frames: LatestFrame, image: NDArray[np.uint8], n: int) -> None:
    """Offer ``n`` frames, each after the worker has tracked the one before."""
    for _ in range(n):
        frames.put(image.copy())
        _wait(lambda seen=worker.tracked_frames: worker.tracked_frames > seen)


def test_tracks_the_latest_frame_measures_and_reset_forgets(
    astronaut: NDArray[np.uint8],
) -> None:
    frames = LatestFrame()
    options = EngineOptions(measure=MeasureOptions())
    with Engine(options, catalog=Catalog.default()) as engine:
        worker = TrackingWorker(frames, engine)
        worker.start()
        try:
            for _ in range(10):  # a burst: frames nobody took are replaced, not queued
                frames.put(astronaut.copy())
            _wait(lambda: worker.tracked_frames >= 1)
            _frames(worker, frames, astronaut, 12)
            assert len(worker.faces) == 1
            assert worker.tracked_frames <= 14  # of 22 frames: most of the burst never tracked
            assert worker.seconds_without_face() < 5.0
            report = worker.measurements()
            assert report is not None and report.faces and report.faces[0].frames_seen >= 10

            worker.reset()
            _wait(lambda: worker.faces == ())
            empty = worker.measurements()
            assert empty is not None and empty.faces == ()  # nothing measured is kept
            _frames(worker, frames, astronaut, 2)  # and it goes on tracking afterwards
            assert len(worker.faces) == 1
            again = worker.measurements()
            assert again is not None and again.faces[0].frames_seen <= 2
        finally:
            worker.stop()
