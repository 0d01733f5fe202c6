"""The outgoing frame in the camera's YUV: the drawn box converted as swscale converts the
whole frame (what the VP8 encoder did before), everything else the camera's own bytes."""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction

import numpy as np
import pytest
from av import VideoFrame
from numpy.typing import NDArray
from skimage import data

from tryon.catalog.look import Look
from tryon.engine import Engine
from tryon.server.yuv_frames import (
    can_composite,
    composite_yuv420,
    even_box,
    outgoing_frame,
    planes,
    rgb_to_yuv420,
)

LOOK = Look.of("classic-rectangle-black")


def _camera_frame(rgb: NDArray[np.uint8], pts: int = 3000) -> VideoFrame:
    """``rgb`` as a decoder gives it: yuv420p, with a 90 kHz pts."""
    frame = VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
    out = frame.reformat(format="yuv420p")
    out.pts, out.time_base = pts, Fraction(1, 90000)
    return out


def _full_conversion(rgb: NDArray[np.uint8]) -> tuple[NDArray[np.uint8], ...]:
    """swscale's planes of the whole frame (what the encoder made of an RGB frame)."""
    return tuple(p.copy() for p in planes(_camera_frame(rgb)))


def _differences(a: tuple[NDArray[np.uint8], ...], b: tuple[NDArray[np.uint8], ...]) -> list[int]:
    return [int(np.abs(x.astype(int) - y).max()) for x, y in zip(a, b, strict=True)]


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    with Engine() as e:
        yield e


@pytest.mark.parametrize(
    "box",
    [(0, 0, 512, 512), (150, 60, 160, 110), (0, 0, 2, 2), (510, 510, 2, 2), (200, 0, 100, 512)],
    ids=["whole", "face", "top-left", "bottom-right", "column"],
)
def test_a_box_converts_as_the_whole_frame_does(
    astronaut: NDArray[np.uint8], box: tuple[int, int, int, int]
) -> None:
    """On a real photo and on noise (every edge sharp), a box's planes are the full
    conversion's (the rows around the box feed its chroma) within one level of rounding."""
    noise = np.random.default_rng(1).integers(0, 256, astronaut.shape, dtype=np.uint8)
    for rgb in (astronaut, noise):
        x, y, w, h = box
        full = _full_conversion(rgb)
        expected = (
            full[0][y : y + h, x : x + w],
            full[1][y // 2 : (y + h) // 2, x // 2 : (x + w) // 2],
            full[2][y // 2 : (y + h) // 2, x // 2 : (x + w) // 2],
        )
        got = rgb_to_yuv420(rgb, box)
        assert [p.shape for p in got] == [p.shape for p in expected]
        assert max(_differences(got, expected)) <= 1


def test_odd_boxes_are_refused_and_even_box_grows_and_clips() -> None:
    rgb = np.zeros((8, 8, 3), np.uint8)
    with pytest.raises(ValueError, match=r"even corners, got \(1, 0, 2, 2\)"):
        rgb_to_yuv420(rgb, (1, 0, 2, 2))
    assert even_box((3, 5, 4, 4), 640, 480) == (2, 4, 6, 6)  # covers x 3..6, y 5..8
    assert even_box((-3, -1, 10, 5), 640, 480) == (0, 0, 8, 4)
    assert even_box((635, 477, 20, 20), 640, 480) == (634, 476, 6, 4)
    assert even_box((700, 500, 10, 10), 640, 480)[2:] == (0, 0)  # off the frame: empty


def test_only_the_box_changes_and_matches_a_full_conversion(astronaut: NDArray[np.uint8]) -> None:
    """A composite of a drawn patch: outside the box the camera's bytes, inside it the
    full conversion of the composited frame within a level; odd corners are grown."""
    source = _camera_frame(astronaut, pts=6000)
    drawn = astronaut.copy()
    drawn[101:180, 153:290] = (250, 20, 40)  # red "glasses", odd corners
    box = (153, 101, 137, 79)
    out = composite_yuv420(source, drawn, box)
    assert out is not source and (out.pts, out.time_base) == (source.pts, source.time_base)
    x, y, w, h = even_box(box, 512, 512)
    inside = np.zeros((512, 512), bool)
    inside[y : y + h, x : x + w] = True
    full = _full_conversion(drawn)
    for i, (got, camera, converted) in enumerate(
        zip(planes(out), planes(source), full, strict=True)
    ):
        mask = inside if i == 0 else inside[::2, ::2]
        np.testing.assert_array_equal(got[~mask], camera[~mask])
        assert np.abs(got[mask].astype(int) - converted[mask]).max() <= 1
    assert composite_yuv420(source, drawn, None) is source


def test_other_frames_go_back_whole_as_rgb(astronaut: NDArray[np.uint8]) -> None:
    """An RGB camera frame, or an odd-sized one, cannot be composited: the whole result
    goes back as RGB with the camera's pts."""
    rgb_frame = VideoFrame.from_ndarray(np.ascontiguousarray(astronaut), format="rgb24")
    odd = VideoFrame(641, 480, "yuv420p")
    assert not can_composite(rgb_frame) and not can_composite(odd)
    assert can_composite(_camera_frame(astronaut))
    rgb_frame.pts, rgb_frame.time_base = 9000, Fraction(1, 90000)
    out = outgoing_frame(rgb_frame, astronaut[::-1], (0, 0, 10, 10))
    assert out.format.name == "rgb24" and (out.pts, out.time_base) == (9000, Fraction(1, 90000))
    np.testing.assert_array_equal(out.to_ndarray(), astronaut[::-1])


def test_a_frame_without_a_face_goes_back_byte_for_byte(engine: Engine) -> None:
    """What the session does: the engine finds no face, the camera's planes go out as they
    came (the same frame, no conversion either way)."""
    source = _camera_frame(data.coffee()[:400, :600])
    before = [p.tobytes() for p in planes(source)]
    out = engine.process(source.to_ndarray(format="rgb24"), LOOK, 100)
    result = engine.last_result
    assert result is not None and result.faces == () and result.drawn_box is None
    sent = outgoing_frame(source, out, result.drawn_box)
    assert sent is source and [p.tobytes() for p in planes(sent)] == before


def test_glasses_change_only_the_drawn_box(engine: Engine, astronaut: NDArray[np.uint8]) -> None:
    """The engine says where it drew: the camera's planes outside that box are untouched,
    and inside it the frame is the full conversion of the engine's output."""
    source = _camera_frame(astronaut)
    rgb = source.to_ndarray(format="rgb24")
    out = engine.process(rgb, LOOK, 200)
    result = engine.last_result
    assert result is not None and len(result.faces) == 1 and result.drawn_box is not None
    x, y, w, h = result.drawn_box
    changed = np.argwhere(np.any(out != rgb, axis=2))
    assert changed.size and (changed.min(axis=0) >= (y, x)).all()
    assert (changed.max(axis=0) < (y + h, x + w)).all()  # the box holds every change
    sent = outgoing_frame(source, out, result.drawn_box)
    x, y, w, h = even_box(result.drawn_box, 512, 512)
    full = _full_conversion(out)
    for i, (got, camera, converted) in enumerate(
        zip(planes(sent), planes(source), full, strict=True)
    ):
        s = 1 if i == 0 else 2
        window = np.s_[y // s : (y + h) // s, x // s : (x + w) // s]
        outside = np.ones(got.shape, bool)
        outside[window] = False
        np.testing.assert_array_equal(got[outside], camera[outside])
        assert np.abs(got[window].astype(int) - converted[window]).max() <= 1
