"""Renderer basics on real GL (EGL / llvmpipe): background, pass-through, anti-aliasing
(each mode), GL objects made once and released, bad input."""

from __future__ import annotations

from collections.abc import Iterator

import moderngl
import numpy as np
import pytest
from numpy.typing import NDArray
from scipy.ndimage import binary_dilation

from tests.render.conftest import silhouette, synthetic_face, synthetic_glasses
from tryon.catalog.asset import Material
from tryon.render.antialias import AntialiasMode
from tryon.render.eyewear_pass import WornEyewear
from tryon.render.fit import fit_eyewear
from tryon.render.passes import FaceWear
from tryon.render.renderer import Renderer
from tryon.tracking.camera import CameraIntrinsics

CAMERA = CameraIntrinsics.from_fov(320, 240)
GLASSES = synthetic_glasses()
MODES: tuple[AntialiasMode, ...] = ("msaa", "fxaa", "none")


@pytest.fixture(scope="module")
def _renderers(_gl_session_ctx: moderngl.Context) -> Iterator[dict[str, Renderer]]:
    made = {mode: Renderer(_gl_session_ctx, antialias=mode) for mode in MODES}
    yield made
    for r in made.values():
        r.release()


@pytest.fixture(params=MODES)
def any_renderer(
    request: pytest.FixtureRequest, gl_ctx: moderngl.Context, _renderers: dict[str, Renderer]
) -> Renderer:
    """A renderer per anti-aliasing mode (module-scoped, on the session's context)."""
    return _renderers[request.param]


def _noise_frame(height: int, width: int, seed: int = 3) -> NDArray[np.uint8]:
    """Different values in every pixel and channel: any flip or shift shows."""
    return np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)


def test_background_is_reproduced_exactly_where_nothing_is_drawn(any_renderer: Renderer) -> None:
    frame = _noise_frame(240, 320)
    face = synthetic_face(CAMERA)
    out = any_renderer.render(frame, FaceWear.each([face], [WornEyewear(GLASSES)])).copy()
    covered = silhouette(GLASSES, fit_eyewear(face, GLASSES), CAMERA)
    grown = binary_dilation(covered, np.ones((3, 3)), iterations=2)  # antialiased edges
    assert covered.sum() > 1000  # the glasses are in view
    np.testing.assert_array_equal(out[~grown], frame[~grown])
    assert (out[covered] != frame[covered]).any(axis=-1).mean() > 0.9


def test_no_face_or_no_product_passes_the_frame_through(renderer: Renderer) -> None:
    frame = _noise_frame(240, 320)
    assert renderer.render(frame, FaceWear.each([], [WornEyewear(GLASSES)])) is frame
    assert renderer.render(frame, FaceWear.each([synthetic_face(CAMERA)], [])) is frame
    np.testing.assert_array_equal(frame, _noise_frame(240, 320))


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (np.zeros((240, 320), np.uint8), r"got uint8 \(240, 320\)"),
        (np.zeros((240, 320, 3), np.float32), r"got float32 \(240, 320, 3\)"),
        (np.zeros((240, 320, 4), np.uint8), r"got uint8 \(240, 320, 4\)"),
        ([[1, 2, 3]], "got list"),
    ],
)
def test_wrong_frames_are_named(renderer: Renderer, frame: object, message: str) -> None:
    with pytest.raises(ValueError, match=r"expected an RGB uint8 frame of shape \(H, W, 3\), "):
        renderer.render(frame, FaceWear.each([synthetic_face(CAMERA)], [WornEyewear(GLASSES)]))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=message):
        renderer.render(frame, FaceWear.each([], []))  # type: ignore[arg-type]


def test_face_camera_must_match_the_frame(renderer: Renderer) -> None:
    with pytest.raises(ValueError, match="face camera is 320x240 but the frame is 640x480"):
        renderer.render(
            np.zeros((480, 640, 3), np.uint8),
            FaceWear.each([synthetic_face(CAMERA)], [WornEyewear(GLASSES)]),
        )


def test_bad_products_and_options_are_named(gl_ctx: moderngl.Context) -> None:
    with pytest.raises(ValueError, match=r"intensity must be in \[0, 1\], got 1.5"):
        WornEyewear(GLASSES, intensity=1.5)
    with pytest.raises(
        ValueError, match="antialias must be one of 'auto', 'msaa', 'fxaa', 'none', got 'ssaa'"
    ):
        Renderer(gl_ctx, antialias="ssaa")  # type: ignore[arg-type]


def _edge_values(renderer: Renderer) -> int:
    """Pixels strictly between the black rims and the white background."""
    frame = np.full((240, 320, 3), 255, np.uint8)
    flat = Material(
        name="black", base_color=(0, 0, 0, 1), metallic=0.0, roughness=1.0, double_sided=True
    )
    asset = synthetic_glasses(lens=flat, frame=flat)
    out = renderer.render(frame, FaceWear.each([synthetic_face(CAMERA)], [WornEyewear(asset)]))
    grey = out.mean(axis=-1)
    return int(((grey > 60) & (grey < 200)).sum())


@pytest.mark.parametrize("mode", ["msaa", "fxaa"])
def test_antialiasing_gives_intermediate_edge_values(
    gl_ctx: moderngl.Context, _renderers: dict[str, Renderer], mode: str
) -> None:
    aliased, smooth = _edge_values(_renderers["none"]), _edge_values(_renderers[mode])
    assert smooth > 3 * aliased + 50, (aliased, smooth)


@pytest.mark.parametrize("mode", MODES)
def test_gl_objects_are_made_once_and_reused(gl_ctx: moderngl.Context, mode: AntialiasMode) -> None:
    with Renderer(gl_ctx, antialias=mode) as r:
        face = synthetic_face(CAMERA)
        r.render(_noise_frame(240, 320, 1), FaceWear.each([face], [WornEyewear(GLASSES)]))
        first = r.gl_objects()
        out_a = r.render(_noise_frame(240, 320, 2), FaceWear.each([face], [WornEyewear(GLASSES)]))
        out_b = r.render(_noise_frame(240, 320, 3), FaceWear.each([face], [WornEyewear(GLASSES)]))
        assert out_a is out_b  # one preallocated readback buffer
        assert [id(o) for o in r.gl_objects()] == [id(o) for o in first]
        # A new size reallocates the frame-sized objects only.
        big = synthetic_face(CameraIntrinsics.from_fov(640, 480))
        r.render(_noise_frame(480, 640), FaceWear.each([big], [WornEyewear(GLASSES)]))
        kept = {id(o) for o in r.gl_objects()} & {id(o) for o in first}
        # The frame texture and the target's objects (colour, depth and copy; the drawn, flat
        # and copy framebuffers; with FXAA also the copy with depth) are replaced.
        assert len(kept) == len(first) - 1 - (7 if mode == "fxaa" else 6)
        # A caller's own buffer is filled instead.
        mine = np.empty((480, 640, 3), np.uint8)
        assert (
            r.render(_noise_frame(480, 640), FaceWear.each([big], [WornEyewear(GLASSES)]), out=mine)
            is mine
        )


def test_release_frees_every_gl_object(gl_ctx: moderngl.Context) -> None:
    r = Renderer(gl_ctx)
    r.render(
        _noise_frame(240, 320), FaceWear.each([synthetic_face(CAMERA)], [WornEyewear(GLASSES)])
    )
    r.render_thumbnail(WornEyewear(GLASSES), 64)
    objects = r.gl_objects()
    assert len(objects) > 20
    r.release()
    assert all(type(o.mglo).__name__ == "InvalidObject" for o in objects)  # type: ignore[attr-defined]
    r.release()  # idempotent
    with pytest.raises(RuntimeError, match="after release"):
        r.render(_noise_frame(240, 320), FaceWear.each([], []))


def test_thumbnail_is_rgba_with_the_product_on_transparent_white(any_renderer: Renderer) -> None:
    thumb = any_renderer.render_thumbnail(WornEyewear(GLASSES), 128)
    assert thumb.shape == (128, 128, 4) and thumb.dtype == np.uint8
    drawn = thumb[..., 3] > 0
    assert 0.05 < drawn.mean() < 0.8
    np.testing.assert_array_equal(thumb[~drawn][:, :3], 255)
    # Three-quarter view: both temple colours appear, the frame spans most of the width.
    red = (thumb[..., 0] > 120) & (thumb[..., 2] < 60) & drawn
    blue = (thumb[..., 2] > 120) & (thumb[..., 0] < 60) & drawn
    assert red.sum() > 20 and blue.sum() > 20
    cols = np.flatnonzero(drawn.any(axis=0))
    assert cols[-1] - cols[0] > 0.7 * 128
    with pytest.raises(ValueError, match=r"thumbnail size must be in \[16, 4096\] pixels, got 8"):
        any_renderer.render_thumbnail(WornEyewear(GLASSES), 8)


def test_products_out_of_view_leave_the_frame_unchanged(renderer: Renderer) -> None:
    frame = _noise_frame(240, 320)
    away = CameraIntrinsics(320, 240, CAMERA.fx, CAMERA.fy, cx=-400.0, cy=120.0)
    out = renderer.render(frame, FaceWear.each([synthetic_face(away)], [WornEyewear(GLASSES)]))
    np.testing.assert_array_equal(out, frame)


def test_a_face_half_out_of_view_is_drawn_up_to_the_border(any_renderer: Renderer) -> None:
    frame = _noise_frame(240, 320)
    edge = CameraIntrinsics(320, 240, CAMERA.fx, CAMERA.fy, cx=0.0, cy=120.0)
    face = synthetic_face(edge)
    out = any_renderer.render(frame, FaceWear.each([face], [WornEyewear(GLASSES)]))
    covered = silhouette(GLASSES, fit_eyewear(face, GLASSES), edge)
    assert covered[:, 0].any()  # the glasses cross the left border
    changed = (out != frame).any(axis=-1)
    assert changed[covered].mean() > 0.9
    assert not changed[:, 120:].any()
