"""The person matte: MediaPipe's selfie segmentation refined by the guided filter, and the
seam where another source (a hair matte) joins it."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray

from tryon.segmentation.person import SelfieMatte, guided_filter, person_matte


class _BoxMatte:
    """A stand-in second source: one rectangle is the person (as a hair matte would say)."""

    def __init__(self, box: tuple[slice, slice]) -> None:
        self.box = box

    def matte(self, rgb: NDArray[np.uint8]) -> NDArray[np.float32]:
        out = np.zeros(rgb.shape[:2], dtype=np.float32)
        out[self.box] = 1.0
        return out


def test_the_guided_filter_snaps_a_soft_matte_to_the_photo_edge() -> None:
    guide = np.zeros((64, 64), dtype=np.float32)
    guide[:, 32:] = 1.0  # a sharp edge in the photo at x = 32
    soft = np.clip((np.arange(64, dtype=np.float32) - 24) / 16, 0, 1)[None, :].repeat(64, 0)
    refined = guided_filter(guide, soft, radius=6, eps=1e-4)
    row = refined[32]
    # the transition gathers at the photo's edge: one step there carries most of it
    assert row[32] - row[31] > 5 * (soft[32, 32] - soft[32, 31])
    assert row[32] - row[31] > 0.3
    # away from the edge the matte's level is kept
    assert np.abs(row[:20] - soft[32, :20]).max() < 0.1
    assert np.abs(row[44:] - soft[32, 44:]).max() < 0.1


def test_another_source_joins_the_union(astronaut: NDArray[np.uint8]) -> None:
    box = (slice(20, 60), slice(20, 60))  # part of the flag: background to the selfie model
    with SelfieMatte() as selfie:
        alone = person_matte(astronaut, [selfie])
        both = person_matte(astronaut, [selfie, _BoxMatte(box)])
    assert alone[box].mean() < 0.05
    assert (both[30:50, 30:50] == 1.0).all()
    outside = np.ones(alone.shape, dtype=bool)
    outside[10:70, 10:70] = False
    assert np.array_equal(alone[outside], both[outside])


def test_the_matte_is_snapped_and_keeps_the_face(astronaut: NDArray[np.uint8]) -> None:
    keep = np.zeros(astronaut.shape[:2], dtype=bool)
    keep[80:200, 160:300] = True
    with SelfieMatte() as selfie:
        alpha = person_matte(astronaut, [selfie], [keep])
    assert (alpha[keep] == 1.0).all()
    assert alpha.min() == 0.0 and alpha.max() == 1.0
    inner = alpha[(alpha > 0) & (alpha < 1)]
    assert inner.min() >= 0.02 and inner.max() <= 0.98
    assert 0.0 < (inner.size / alpha.size) < 0.1  # a soft edge, not a soft picture


def test_a_matte_needs_a_source(astronaut: NDArray[np.uint8]) -> None:
    with pytest.raises(ValueError, match="person_matte needs at least one matte source, got none"):
        person_matte(astronaut, [])
