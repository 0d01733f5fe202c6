"""Glasses on a real face (the astronaut photo, tracked by MediaPipe) and on turned heads:
where pixels change, true size, and the head occluder hiding the far temple."""

from __future__ import annotations

import moderngl
import numpy as np
import pytest
from numpy.typing import NDArray
from scipy.ndimage import binary_dilation

from tests.render.conftest import silhouette, synthetic_face, synthetic_glasses
from tryon.catalog.asset import Asset
from tryon.catalog.catalog import Catalog
from tryon.render.eyewear_pass import WornEyewear
from tryon.render.fit import eyewear_part, fit_eyewear
from tryon.render.occluder import unit_hemisphere
from tryon.render.passes import FaceWear
from tryon.render.renderer import Renderer
from tryon.tracking.camera import CameraIntrinsics
from tryon.tracking.geometry import FaceGeometry

PRODUCT = "classic-rectangle-black"


@pytest.fixture(scope="module")
def shipped_glasses() -> Asset:
    return Catalog.default().load_asset(PRODUCT)


def _changed(a: NDArray[np.uint8], b: NDArray[np.uint8], level: int = 3) -> NDArray[np.bool_]:
    return np.abs(a.astype(np.int16) - b.astype(np.int16)).max(axis=-1) > level


def test_both_eyes_change_and_nothing_far_outside_the_frame(
    renderer: Renderer,
    astronaut: NDArray[np.uint8],
    astronaut_face: FaceGeometry,
    shipped_glasses: Asset,
) -> None:
    out = renderer.render(
        astronaut, FaceWear.each([astronaut_face], [WornEyewear(shipped_glasses)])
    ).copy()
    changed = _changed(out, astronaut)
    for x, y in astronaut_face.observation.iris_centers.round().astype(int):
        patch = (slice(y - 3, y + 4), slice(x - 3, x + 4))
        assert changed[patch].all(), f"eye at ({x}, {y}) not covered by a lens"
    pose = fit_eyewear(astronaut_face, shipped_glasses)
    expected = silhouette(shipped_glasses, pose, astronaut_face.camera)
    outside = changed & ~binary_dilation(expected, np.ones((3, 3)), iterations=2)
    assert outside.sum() == 0, f"{outside.sum()} changed pixels outside the frame's silhouette"
    assert changed.sum() > 0.5 * expected.sum()


def _width_px(changed: NDArray[np.bool_]) -> int:
    cols = np.flatnonzero(changed.any(axis=0))
    return int(cols[-1] - cols[0] + 1)


def _expected_width_px(asset: Asset, face: FaceGeometry) -> float:
    """Frame front's total width in metres x focal length / depth of the frame front."""
    xs = np.concatenate(
        [p.positions[:, 0] for p in asset.primitives if eyewear_part(p.node_path) == "front"]
    )
    depth = -float(fit_eyewear(face, asset).model[2, 3])
    return float(xs.max() - xs.min()) * face.camera.fx / depth


def test_true_size_on_a_frontal_face_at_known_distance(
    renderer: Renderer, shipped_glasses: Asset
) -> None:
    camera = CameraIntrinsics.from_fov(640, 480)
    frame = np.full((480, 640, 3), 128, np.uint8)
    for distance in (0.4, 0.8):
        face = synthetic_face(camera, distance=distance)
        out = renderer.render(frame, FaceWear.each([face], [WornEyewear(shipped_glasses)]))
        width = _width_px(_changed(out, frame))
        expected = _expected_width_px(shipped_glasses, face)
        assert width == pytest.approx(expected, rel=0.05), (distance, width, expected)


def test_true_size_on_the_astronaut(
    renderer: Renderer,
    astronaut: NDArray[np.uint8],
    astronaut_face: FaceGeometry,
    shipped_glasses: Asset,
) -> None:
    out = renderer.render(
        astronaut, FaceWear.each([astronaut_face], [WornEyewear(shipped_glasses)])
    )
    width = _width_px(_changed(out, astronaut))
    expected = _expected_width_px(shipped_glasses, astronaut_face)
    assert width == pytest.approx(expected, rel=0.05)


def _temple_pixels(out: NDArray[np.uint8]) -> tuple[int, int]:
    """(red, blue) pixel counts: the synthetic glasses' left and right temples."""
    r, g, b = (out[..., i].astype(np.int16) for i in range(3))
    red = (r > 100) & (r > 3 * g) & (r > 3 * b)
    blue = (b > 100) & (b > 3 * g) & (b > 3 * r)
    return int(red.sum()), int(blue.sum())


def test_head_proxy_hemisphere_faces_outward() -> None:
    """The occluder culls the proxy's inner faces, so every triangle of the hemisphere must
    be counter-clockwise seen from outside (a reversed one would leave a hole in the head)."""
    verts, indices = unit_hemisphere()
    a, b, c = (verts[indices.reshape(-1, 3)[:, k]].astype(np.float64) for k in range(3))
    normal = np.cross(b - a, c - a)
    real = np.linalg.norm(normal, axis=1) > 1e-9  # the pole's ring closes with slivers
    assert real.sum() > 0.9 * len(real)
    assert (np.einsum("ij,ij->i", normal, a + b + c)[real] > 0.0).all()
    assert (verts[:, 2] <= 1e-6).all() and np.allclose(np.linalg.norm(verts, axis=1), 1.0)


@pytest.mark.parametrize("yaw_deg", [55.0, -55.0])
def test_turned_head_hides_the_far_temple(gl_ctx: moderngl.Context, yaw_deg: float) -> None:
    camera = CameraIntrinsics.from_fov(640, 480)
    frame = np.full((480, 640, 3), 200, np.uint8)
    face = synthetic_face(camera, yaw_deg=yaw_deg)
    glasses = WornEyewear(synthetic_glasses())
    counts = {}
    for occlusion in (False, True):
        with Renderer(gl_ctx, occlusion=occlusion) as r:
            counts[occlusion] = _temple_pixels(r.render(frame, FaceWear.each([face], [glasses])))
    # Positive yaw turns the person's left (+X, the red temple) away from the camera.
    far, near = (0, 1) if yaw_deg > 0 else (1, 0)
    assert counts[False][far] > 60, counts  # without the occluder the far temple shows
    assert counts[True][far] < 0.1 * counts[False][far], counts
    assert counts[True][near] > 0.8 * counts[False][near], counts
