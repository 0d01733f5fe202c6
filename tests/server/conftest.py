"""Fixtures for the server tests."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from numpy.typing import NDArray

from .peer import AstronautTrack


@pytest.fixture
def astronaut_track(astronaut: NDArray[np.uint8]) -> Callable[[], AstronautTrack]:
    return lambda: AstronautTrack(astronaut)
