"""Levels of detail of product meshes: built at upload, chosen per frame by the size on
screen, close to full detail in the picture, and optional (no simplifier: full detail)."""

from __future__ import annotations

import itertools
import logging
import sys
from collections.abc import Callable

import moderngl
import numpy as np
import pytest
from numpy.typing import NDArray

from tests.render.conftest import synthetic_face
from tryon.catalog.asset import Asset
from tryon.catalog.catalog import Catalog
from tryon.render import lod
from tryon.render.eyewear_pass import WornEyewear
from tryon.render.fit import eyewear_part, fit_eyewear
from tryon.render.gpu_asset import GpuAsset
from tryon.render.passes import FaceWear
from tryon.render.renderer import Renderer
from tryon.tracking.camera import CameraIntrinsics
from tryon.tracking.geometry import FaceGeometry

PRODUCT = "classic-rectangle-black"


@pytest.fixture(scope="module")
def glasses() -> Asset:
    return Catalog.default().load_asset(PRODUCT)


def _without_simplifier(monkeypatch: pytest.MonkeyPatch) -> None:
    """``import meshoptimizer`` fails from now on in this test."""
    monkeypatch.setitem(sys.modules, "meshoptimizer", None)


def _copy(asset: Asset) -> Asset:
    """The same meshes as a new asset, so that the renderer uploads them again."""
    return Asset(primitives=asset.primitives, anchors=asset.anchors)


def _primitives_drawn(query: moderngl.Query, draw: Callable[[], object]) -> int:
    """Triangles GL drew during ``draw`` (``query`` counts primitives; moderngl has no way
    to release one, so a test makes one and reuses it)."""
    with query:
        draw()
    return int(query.primitives)


def test_generated_frame_gets_coarser_levels_inside_its_vertex_buffer(glasses: Asset) -> None:
    front = max(glasses.primitives, key=lambda p: len(p.indices))
    assert not front.material.is_blended
    buffer, mesh = lod.build_lod(front.indices, front.positions)
    levels = mesh.levels
    assert len(levels) >= 4, levels
    assert levels[0] == lod.Level(0, len(front.indices), 0.0)
    assert np.array_equal(buffer[: len(front.indices)], front.indices)
    for finer, coarser in itertools.pairwise(levels):
        assert coarser.count < finer.count, levels
        assert coarser.error > finer.error, levels
        assert coarser.first == finer.first + finer.count  # concatenated, in order
    assert len(buffer) == sum(level.count for level in levels)
    assert all(level.count % 3 == 0 for level in levels)
    assert int(buffer.max()) < len(front.positions)
    # errors are metres on this 14 cm frame: the coarsest still well under a centimetre
    assert 1e-6 < levels[1].error < levels[-1].error < 0.005, levels
    # blended meshes and meshes under the threshold keep their full list only
    _, whole = lod.build_lod(front.indices, front.positions, simplify=False)
    assert whole.levels == (levels[0],)
    small = min(glasses.primitives, key=lambda p: len(p.indices))
    assert len(small.indices) < 3 * lod.MIN_TRIANGLES
    assert len(lod.build_lod(small.indices, small.positions)[1].levels) == 1


def test_upload_gives_levels_to_opaque_primitives_only(
    gl_ctx: moderngl.Context, renderer: Renderer, glasses: Asset
) -> None:
    gpu = GpuAsset(gl_ctx, renderer.programs, glasses, part_of=eyewear_part)
    try:
        assert all(len(p.lod.levels) == 1 for p in gpu.blended)
        assert max(len(p.lod.levels) for p in gpu.opaque) >= 4
        for prim in gpu.primitives:
            ibo = prim.buffers[1]
            assert ibo.size == 4 * sum(level.count for level in prim.lod.levels)
    finally:
        gpu.release()


def test_the_level_drawn_follows_the_size_on_screen(
    renderer: Renderer,
    astronaut: NDArray[np.uint8],
    astronaut_face: FaceGeometry,
    glasses: Asset,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Same frame drawn with levels and with full detail only (a copy uploaded without the
    simplifier): the astronaut's small glasses draw thousands of triangles fewer; glasses
    that fill the frame (a face 12 cm from the camera) draw the front whole (only the
    temples, seen edge on, lose a few hundred); a thumbnail (drawn once, kept, looked at
    closely) draws every triangle."""
    query = renderer.ctx.query(primitives=True)
    with_levels = WornEyewear(glasses)
    camera = CameraIntrinsics.from_fov(640, 480)
    close = synthetic_face(camera, distance=0.12)
    grey = np.full((480, 640, 3), 128, np.uint8)

    def drawn(item: WornEyewear) -> tuple[int, int, int]:
        return (
            _primitives_drawn(
                query, lambda: renderer.render(astronaut, FaceWear.each([astronaut_face], [item]))
            ),
            _primitives_drawn(query, lambda: renderer.render(grey, FaceWear.each([close], [item]))),
            _primitives_drawn(query, lambda: renderer.render_thumbnail(item, 256)),
        )

    drawn(with_levels)  # uploads first
    small, large, thumb = drawn(with_levels)
    _without_simplifier(monkeypatch)
    full_only = WornEyewear(_copy(glasses))
    drawn(full_only)
    small_full, large_full, thumb_full = drawn(full_only)
    saved = small_full - small
    assert saved > 0.5 * glasses.triangle_count, (small, small_full)
    assert 0 <= large_full - large < 0.1 * glasses.triangle_count, (large, large_full)
    assert thumb == thumb_full, (thumb, thumb_full)


def test_chosen_level_projects_within_the_tolerance(
    astronaut_face: FaceGeometry, glasses: Asset
) -> None:
    """At the astronaut's fit the chosen level is the coarsest whose error, at the
    primitive's nearest depth, is within the tolerance; at or behind the camera: full."""
    pose = fit_eyewear(astronaut_face, glasses)
    fx = astronaut_face.camera.fx
    front = max(glasses.primitives, key=lambda p: len(p.indices))
    _, mesh = lod.build_lod(front.indices, front.positions)
    model = pose.part_matrix("front")
    chosen = mesh.level(model, fx)
    index = mesh.levels.index(chosen)
    assert 0 < index < len(mesh.levels) - 1, (index, mesh.levels)
    depth = -float(model[2, :3] @ mesh.center + model[2, 3]) - mesh.radius
    assert chosen.error * fx / depth <= lod.TOLERANCE_PX
    assert mesh.levels[index + 1].error * fx / depth > lod.TOLERANCE_PX
    # behind or around the camera: full detail
    behind = model.copy()
    behind[2, 3] = 0.0
    assert mesh.level(behind, fx) == mesh.full


def _glasses_mask(out: NDArray[np.uint8], frame: NDArray[np.uint8]) -> NDArray[np.bool_]:
    return np.asarray(np.abs(out.astype(np.int16) - frame).max(axis=-1) > 0)


def test_astronaut_at_the_chosen_level_looks_like_full_detail(
    renderer: Renderer,
    astronaut: NDArray[np.uint8],
    astronaut_face: FaceGeometry,
    glasses: Asset,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Measured (512x512 astronaut, FXAA, 0.5 px tolerance): silhouette IoU 0.989, 118 of the
    glasses' 3052 pixels (3.9%) moved by more than 24 levels (the rims' highlights), 3.6
    levels on average. A 1 px tolerance fails these bounds (228 pixels, 5.8 on average)."""
    wear = FaceWear.each([astronaut_face], [WornEyewear(glasses)])
    coarse = renderer.render(astronaut, wear).copy()
    _without_simplifier(monkeypatch)
    full = renderer.render(
        astronaut, FaceWear.each([astronaut_face], [WornEyewear(_copy(glasses))])
    ).copy()
    a, b = _glasses_mask(full, astronaut), _glasses_mask(coarse, astronaut)
    iou = (a & b).sum() / (a | b).sum()
    diff = np.abs(full.astype(np.int16) - coarse).max(axis=-1)
    moved = int((diff > 24).sum())
    assert iou >= 0.98, iou
    assert 0 < moved <= 0.06 * a.sum(), (moved, a.sum())
    assert float(diff[a].mean()) < 5.0, float(diff[a].mean())


def test_without_the_simplifier_everything_is_drawn_whole(
    gl_ctx: moderngl.Context,
    renderer: Renderer,
    astronaut: NDArray[np.uint8],
    astronaut_face: FaceGeometry,
    glasses: Asset,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """No meshoptimizer: one level per primitive, said once in the log, frames render."""
    _without_simplifier(monkeypatch)
    lod._say_full_detail_only.cache_clear()
    with caplog.at_level(logging.INFO, logger=lod.__name__):
        gpu = GpuAsset(gl_ctx, renderer.programs, glasses, part_of=eyewear_part)
        gpu.release()
        gpu = GpuAsset(gl_ctx, renderer.programs, glasses, part_of=eyewear_part)
    try:
        assert all(len(p.lod.levels) == 1 for p in gpu.primitives)
    finally:
        gpu.release()
    said = [r for r in caplog.records if "full detail only" in r.getMessage()]
    assert len(said) == 1, [r.getMessage() for r in caplog.records]
    out = renderer.render(astronaut, FaceWear.each([astronaut_face], [WornEyewear(_copy(glasses))]))
    assert _glasses_mask(out, astronaut).sum() > 1000


def test_a_failing_simplifier_leaves_the_full_level(
    glasses: Asset, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import meshoptimizer

    def broken(*args: object, **kwargs: object) -> int:
        raise RuntimeError("simplifier exploded")

    monkeypatch.setattr(meshoptimizer, "simplify", broken)
    front = max(glasses.primitives, key=lambda p: len(p.indices))
    with caplog.at_level(logging.WARNING, logger=lod.__name__):
        buffer, mesh = lod.build_lod(front.indices, front.positions)
    assert mesh.levels == (lod.Level(0, len(front.indices), 0.0),)
    assert np.array_equal(buffer, front.indices)
    assert any("simplifier exploded" in r.getMessage() for r in caplog.records)
