"""Presenting into a given framebuffer (a window's): the same picture as the readback path,
shown scaled and mirrored, with no readback."""

from __future__ import annotations

import moderngl
import numpy as np
import pytest
from numpy.typing import NDArray

from tests.render.conftest import synthetic_face, synthetic_glasses
from tryon.render.eyewear_pass import WornEyewear
from tryon.render.passes import FaceWear
from tryon.render.renderer import Renderer
from tryon.render.surface import Surface
from tryon.tracking.camera import CameraIntrinsics

CAMERA = CameraIntrinsics.from_fov(320, 240)
GLASSES = synthetic_glasses()


def _frame() -> NDArray[np.uint8]:
    rng = np.random.default_rng(5)
    return rng.integers(0, 256, (240, 320, 3), dtype=np.uint8)


def _shown(fbo: moderngl.Framebuffer) -> NDArray[np.uint8]:
    """What the framebuffer holds, rows top-down like an image."""
    w, h = fbo.size
    raw = np.frombuffer(fbo.read(components=3, alignment=1), np.uint8).reshape(h, w, 3)
    return raw[::-1]


@pytest.mark.parametrize("mirror", [False, True])
def test_present_shows_what_render_reads_back(gl_ctx: moderngl.Context, mirror: bool) -> None:
    frame = _frame()
    wear = FaceWear.each([synthetic_face(CAMERA)], [WornEyewear(GLASSES)])
    window = gl_ctx.simple_framebuffer((320, 240))
    try:
        with Renderer(gl_ctx, antialias="none") as renderer:
            expected = renderer.render(frame, wear).copy()
            renderer.present(frame, wear, Surface(window, (0, 0, 320, 240), mirror=mirror))
            shown = _shown(window)
    finally:
        gl_ctx.detect_framebuffer(0).use()  # moderngl keeps the last bound one as ctx.fbo
        window.release()
    assert (expected != frame).any(axis=-1).sum() > 1000  # the glasses are there
    np.testing.assert_array_equal(shown, expected[:, ::-1] if mirror else expected)


def test_present_without_faces_shows_the_frame_scaled_into_the_viewport(
    gl_ctx: moderngl.Context,
) -> None:
    frame = _frame()
    window = gl_ctx.simple_framebuffer((700, 500))
    try:
        window.clear(0.0, 0.0, 0.0)
        with Renderer(gl_ctx) as renderer:
            renderer.present(frame, [], Surface(window, (10, 20, 640, 480), mirror=False))
            objects = len(renderer.gl_objects())
            renderer.present(frame, [], Surface(window, (10, 20, 640, 480), mirror=False))
            assert len(renderer.gl_objects()) == objects  # nothing made per frame
        shown = _shown(window)
    finally:
        gl_ctx.detect_framebuffer(0).use()  # moderngl keeps the last bound one as ctx.fbo
        window.release()
    inside = shown[500 - 20 - 480 : 500 - 20, 10 : 10 + 640]
    # Twice the size: each frame pixel covers a 2x2 block (linear filtering between them).
    np.testing.assert_allclose(inside[1::2, 1::2].astype(float), frame.astype(float), atol=40)
    assert np.abs(inside[1::2, 1::2].astype(int) - frame).mean() < 12
    assert (shown[:, :10] == 0).all() and (shown[:, 650:] == 0).all()  # outside: untouched
