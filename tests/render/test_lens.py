"""Lenses: transmission tints the camera frame seen through them (and a temple behind them),
mirror coatings reflect, the alpha-blend fallback blends, ``intensity`` fades the tint."""

from __future__ import annotations

import colorsys

import numpy as np
from numpy.typing import NDArray
from scipy.ndimage import binary_erosion

from tests.render.conftest import LENS_X, silhouette, synthetic_face, synthetic_glasses
from tryon.catalog.asset import Asset, Material
from tryon.render.eyewear_pass import WornEyewear
from tryon.render.fit import fit_eyewear
from tryon.render.passes import FaceWear
from tryon.render.renderer import Renderer
from tryon.tracking.camera import CameraIntrinsics

CAMERA = CameraIntrinsics.from_fov(320, 240)
FACE = synthetic_face(CAMERA)


def _lens(name: str, rgb: tuple[float, float, float], alpha: float = 1.0, **kw: object) -> Material:
    defaults: dict[str, object] = {
        "metallic": 0.0,
        "roughness": 0.05,
        "double_sided": True,
        "transmission": 1.0,
    }
    defaults.update(kw)
    return Material(name=name, base_color=(*rgb, alpha), **defaults)  # type: ignore[arg-type]


def _lens_pixels(
    renderer: Renderer, lens: Material, background: tuple[int, int, int], intensity: float = 1.0
) -> NDArray[np.float64]:
    """Mean RGB of a 5x5 patch a little below each lens centre (away from reflections of
    the overhead light), both lenses stacked ``(2, 3)``."""
    frame = np.empty((240, 320, 3), np.uint8)
    frame[:] = background
    asset = synthetic_glasses(lens)
    out = renderer.render(frame, FaceWear.each([FACE], [WornEyewear(asset, intensity=intensity)]))
    pose = fit_eyewear(FACE, asset).part_matrix("front").astype(np.float64)
    centres = np.array([[LENS_X, -0.008, 0.0], [-LENS_X, -0.008, 0.0]])
    px = CAMERA.project(centres @ pose[:3, :3].T + pose[:3, 3]).round().astype(int)
    return np.array([out[y - 2 : y + 3, x - 2 : x + 3].reshape(-1, 3).mean(0) for x, y in px])


def _hue(rgb: NDArray[np.float64]) -> float:
    return colorsys.rgb_to_hsv(*(rgb / 255.0))[0]


def test_grey_lens_darkens_without_changing_hue(renderer: Renderer) -> None:
    bg = (200, 170, 140)
    seen = _lens_pixels(renderer, _lens("grey", (0.2, 0.2, 0.2)), bg)
    for rgb in seen:
        assert (rgb < 0.8 * np.array(bg)).all(), rgb
        assert abs(_hue(rgb) - _hue(np.array(bg, float))) < 0.03, rgb


def test_brown_lens_shifts_the_hue_toward_brown(renderer: Renderer) -> None:
    bg = (150, 160, 170)  # a cool grey
    seen = _lens_pixels(renderer, _lens("brown", (0.35, 0.17, 0.05)), bg)
    for rgb in seen:
        r, g, b = rgb
        assert r > g > b, rgb  # warm: red over green over blue
        assert r < bg[0]  # and darker


def test_intensity_fades_the_tint_to_clear(renderer: Renderer) -> None:
    bg = (150, 160, 170)
    brown = _lens("brown", (0.35, 0.17, 0.05))
    full = _lens_pixels(renderer, brown, bg, 1.0)
    half = _lens_pixels(renderer, brown, bg, 0.5)
    clear = _lens_pixels(renderer, brown, bg, 0.0)
    assert (np.abs(clear - np.array(bg)) < 20).all(), clear  # only a faint reflection left
    assert (np.abs(half - np.array(bg)).sum(-1) < np.abs(full - np.array(bg)).sum(-1)).all()


def test_mirror_coating_reflects_over_a_dark_background(renderer: Renderer) -> None:
    bg = (25, 25, 25)
    plain = _lens_pixels(renderer, _lens("grey", (0.4, 0.5, 0.7)), bg)
    mirror = _lens_pixels(
        renderer, _lens("mirror", (0.4, 0.5, 0.7), metallic=0.9, transmission=0.35), bg
    )
    assert (mirror.mean(-1) > plain.mean(-1) + 25).all(), (plain, mirror)
    assert (mirror[:, 2] > mirror[:, 0]).all()  # the coating's blue shows in the reflection


def test_alpha_blend_fallback_mixes_the_tint_over_the_frame(renderer: Renderer) -> None:
    bg = (230, 230, 230)
    blended = _lens("blend", (0.05, 0.2, 0.05), 0.6, transmission=0.0, alpha_mode="BLEND")
    seen = _lens_pixels(renderer, blended, bg)
    for r, g, b in seen:
        assert g > r and g > b  # green tint
        assert 40 < g < 225  # neither the background nor an opaque lens


def test_a_temple_behind_a_lens_shows_through_it_tinted(renderer: Renderer) -> None:
    """Head turned toward its right: the far (red, left) temple runs behind the far lens
    (the head occluder is off: it would hide the part of the temple behind the cheek)."""
    camera = CameraIntrinsics.from_fov(640, 480)
    face = synthetic_face(camera, yaw_deg=35.0)
    glasses = synthetic_glasses()
    pose = fit_eyewear(face, glasses)
    lenses = Asset(tuple(p for p in glasses.primitives if p.material.is_blended))
    behind = silhouette(lenses, pose, camera) & silhouette(
        glasses, pose, camera, parts=("temple_left",)
    )
    behind = binary_erosion(behind)  # away from antialiased edges
    assert behind.sum() > 60
    frame = np.full((480, 640, 3), 200, np.uint8)
    seen = {}
    renderer.occlusion = False
    try:
        for intensity in (1.0, 0.0):
            out = renderer.render(
                frame, FaceWear.each([face], [WornEyewear(glasses, intensity=intensity)])
            )
            seen[intensity] = out[behind].astype(np.float64)
    finally:
        renderer.occlusion = True
    for rgb in seen.values():
        r, g, b = rgb.T
        assert ((r > g + 20) & (r > b + 20)).mean() > 0.9  # the red temple, not the frame
    tinted, clear = (seen[i].mean(axis=0) for i in (1.0, 0.0))
    assert tinted[0] < clear[0] - 20, (tinted, clear)  # seen through the grey tint
