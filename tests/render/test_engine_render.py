"""The engine's render stage: the real tracker, the shipped catalog, the renderer."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from tryon.catalog.look import Look, LookItem
from tryon.engine import Engine


def test_engine_draws_the_look_on_the_tracked_face(astronaut: NDArray[np.uint8]) -> None:
    with Engine() as engine:
        bare = engine.process(astronaut, Look(), timestamp_ms=0)
        assert bare is astronaut
        worn = engine.process(astronaut, Look.of("classic-rectangle-black"), timestamp_ms=33)
        faded = engine.process(
            astronaut, Look((LookItem("classic-rectangle-black", intensity=0.0),)), timestamp_ms=66
        )
        result = engine.last_result
    assert result is not None and "render" in result.timings_ms
    assert worn is not astronaut and worn.shape == astronaut.shape
    eyes = result.faces[0].observation.iris_centers.round().astype(int)
    for x, y in eyes:
        tinted = worn[y - 2 : y + 3, x - 2 : x + 3].astype(float).mean()
        clear = faded[y - 2 : y + 3, x - 2 : x + 3].astype(float).mean()
        photo = astronaut[y - 2 : y + 3, x - 2 : x + 3].astype(float).mean()
        assert tinted < photo - 15  # the grey lens darkens the eye
        assert abs(clear - photo) < abs(tinted - photo)  # intensity 0: a clear lens
    np.testing.assert_array_equal(astronaut[:40], worn[:40])  # far from the face: untouched
