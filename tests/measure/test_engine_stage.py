"""The measuring stage inside the engine: reports ride on the engine's result."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from tests.measure.synthetic import jittered
from tryon.catalog.catalog import Catalog
from tryon.catalog.manifest import EyewearProduct
from tryon.engine import Engine, EngineOptions
from tryon.measure import MeasureOptions


def test_engine_reports_measurements_with_catalog_fit(webcam_face: NDArray[np.uint8]) -> None:
    catalog = Catalog.default()
    frames = jittered(webcam_face, 6, seed=3)
    with Engine(EngineOptions(measure=MeasureOptions()), catalog=catalog) as engine:
        for k, frame in enumerate(frames):
            out = engine.process(frame, timestamp_ms=100 * k)
            assert out is frame  # measuring draws nothing
        result = engine.last_result
        measurements = engine.measurements()
    assert result is not None and measurements is not None
    assert "measuring" in result.timings_ms
    face = measurements.faces[0]
    assert face.status == "ok" and face.frames_seen == len(frames)
    assert 54.0 <= face.values["pd"].value_mm <= 74.0
    eyewear = {p.id for p in catalog.products() if isinstance(p, EyewearProduct)}
    assert {f.product_id for f in face.fit} == eyewear


def test_engine_without_measure_has_no_report(webcam_face: NDArray[np.uint8]) -> None:
    with Engine(EngineOptions()) as engine:
        engine.process(webcam_face, timestamp_ms=0)
        assert engine.last_result is not None
        assert engine.measurements() is None
        assert "measuring" not in engine.last_result.timings_ms


def test_a_frame_without_a_face_passes_through(webcam_face: NDArray[np.uint8]) -> None:
    blank = np.full_like(webcam_face, 90)
    with Engine(EngineOptions(measure=MeasureOptions())) as engine:
        out = engine.process(blank, timestamp_ms=0)
        assert out is blank
        result = engine.last_result
        measurements = engine.measurements()
    assert result is not None and measurements is not None
    assert measurements.faces == ()
