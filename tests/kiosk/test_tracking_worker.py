"""The tracking worker on real frames: it tracks the latest frame only, measures, and a reset
forgets what it measured (a fresh engine)."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import pytest
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


def test_tracks_the_latest_frame_measures_and_reset_forgets(
    astronaut: NDArray[np.uint8],
) -> None:
    frames = LatestFrame()
    catalog = Catalog.default()
    engines: list[Engine] = []

    def make_engine() -> Engine:
        engines.append(Engine(EngineOptions(measure=MeasureOptions()), catalog=catalog))
        return engines[-1]

    worker = TrackingWorker(frames, make_engine)
    worker.start()
    try:
        for _ in range(10):  # a burst: frames nobody took are replaced, not queued
            frames.put(astronaut.copy())
        _wait(lambda: worker.tracked_frames >= 1)
        for _ in range(12):
            frames.put(astronaut.copy())
            _wait(lambda seen=worker.tracked_frames: worker.tracked_frames > seen)
        assert len(worker.faces) == 1
        assert worker.tracked_frames <= 14  # of 22 frames: most of the burst was never tracked
        assert worker.seconds_without_face() < 5.0
        report = worker.measurements()
        assert report is not None and report.faces and report.faces[0].frames_seen >= 10

        worker.reset()
        _wait(lambda: len(engines) == 2)
        _wait(lambda: worker.faces == ())  # swapped
        with pytest.raises(RuntimeError, match="after close"):  # the old engine is closed
            engines[0].track(astronaut)
        empty = worker.measurements()
        assert empty is not None and empty.faces == ()  # nothing measured is kept
    finally:
        worker.stop()
    with pytest.raises(RuntimeError, match="after close"):
        engines[1].track(astronaut)
