"""The parametric eyewear generator: every style, measured on the loaded asset."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

from tryon.catalog.asset import Asset, Primitive
from tryon.catalog.eyewear_gen import STYLES, GlassesSpec, build_glasses, lens_outline
from tryon.catalog.gltf_loader import load_asset
from tryon.catalog.khronos import khronos_unavailable_reason, run_khronos
from tryon.catalog.meshgen import lens_cap

MM = 1e-3
TOLERANCE = 0.5 * MM

#: One spec per style, with varied markings, finishes and tints.
SPECS = {
    "round": GlassesSpec("round", 48, 20, 145, 46, "tortoiseshell", tint="clear"),
    "rectangle": GlassesSpec("rectangle", 52, 18, 140, 40, "acetate", "#1b1b1d", tint="grey"),
    "aviator": GlassesSpec("aviator", 58, 14, 140, 50, "metal", "#e0bf6a", tint="gradient"),
    "cat-eye": GlassesSpec("cat-eye", 53, 17, 135, 41, "acetate", "#6d1a2a", tint="brown"),
    "browline": GlassesSpec("browline", 51, 21, 145, 40, "tortoiseshell", tint="clear"),
    "rimless": GlassesSpec("rimless", 55, 16, 150, 36, "metal", "#b8b9be", tint="mirror"),
}


@pytest.fixture(scope="module")
def glb_paths(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("glasses")
    paths = {}
    for style, spec in SPECS.items():
        paths[style] = folder / f"{style}.glb"
        paths[style].write_bytes(build_glasses(spec))
    return paths


@pytest.fixture(scope="module")
def assets(glb_paths: dict[str, Path]) -> dict[str, Asset]:
    return {style: load_asset(path) for style, path in glb_paths.items()}


def part(asset: Asset, node: str) -> list[Primitive]:
    return [p for p in asset.primitives if p.node_path[-1] == node]


def extent(points: NDArray[np.floating[Any]], axis: int) -> float:
    return float(points[:, axis].max() - points[:, axis].min())


def test_every_style_is_covered() -> None:
    assert set(SPECS) == set(STYLES)


@pytest.mark.parametrize("style", STYLES)
def test_lens_and_bridge_match_the_markings(assets: dict[str, Asset], style: str) -> None:
    spec, asset = SPECS[style], assets[style]
    (left,) = part(asset, "lens_left")
    (right,) = part(asset, "lens_right")
    for lens in (left, right):
        assert extent(lens.positions, 0) == pytest.approx(spec.lens_width_mm * MM, abs=TOLERANCE)
        assert extent(lens.positions, 1) == pytest.approx(spec.lens_height_mm * MM, abs=TOLERANCE)
    bridge = float(left.positions[:, 0].min() - right.positions[:, 0].max())
    assert bridge == pytest.approx(spec.bridge_mm * MM, abs=TOLERANCE)
    # Mirror-symmetric pair, the wearer's left lens at +X.
    assert left.positions[:, 0].min() > 0 > right.positions[:, 0].max()
    np.testing.assert_allclose(
        np.sort(left.positions[:, 0]), np.sort(-right.positions[:, 0]), atol=1e-6
    )


@pytest.mark.parametrize("style", STYLES)
def test_temples_are_as_long_as_marked(assets: dict[str, Asset], style: str) -> None:
    spec, asset = SPECS[style], assets[style]
    a = asset.anchors
    for side in ("left", "right"):
        hinge, bend, end = a[f"hinge_{side}"], a[f"temple_bend_{side}"], a[f"temple_end_{side}"]
        # Straight to the middle of the (9 mm radius) bend, then nearly straight to the tip.
        length = np.linalg.norm(bend - hinge) + np.linalg.norm(end - bend)
        assert length == pytest.approx(spec.temple_length_mm * MM, abs=TOLERANCE)
        # The anchors sit inside the temple's own mesh, not somewhere in space.
        verts = np.concatenate([p.positions for p in part(asset, f"temple_{side}")])
        for point in (bend, end):
            assert np.min(np.linalg.norm(verts - point, axis=1)) < 3 * MM
        assert end[1] < bend[1] - 10 * MM  # bends down behind the ear
        assert end[2] < -0.1  # runs back along -Z
    assert a["bridge"] == pytest.approx(np.zeros(3), abs=1e-7)


@pytest.mark.parametrize("style", STYLES)
def test_parts_and_materials(assets: dict[str, Asset], style: str) -> None:
    spec, asset = SPECS[style], assets[style]
    nodes = {p.node_path[-1] for p in asset.primitives}
    assert nodes == {"frame_front", "lens_left", "lens_right", "temple_left", "temple_right"}
    (lens,) = part(asset, "lens_left")
    assert lens.material.transmission > 0 and lens.material.alpha_mode == "OPAQUE"
    assert lens.material.base_color[3] < 1.0  # the alpha-blend fallback
    assert (lens.material.metallic > 0.5) == (spec.tint == "mirror")
    assert (lens.material.base_color_texture is not None) == (spec.tint == "gradient")
    frame_materials = {p.material.name for p in part(asset, "frame_front")}
    has_pads = "nose_pad" in frame_materials
    assert has_pads == (spec.finish == "metal" or style in ("aviator", "browline", "rimless"))
    assert "metal" in frame_materials  # hinges at least
    # The frame is wider than both lenses and the bridge (rims, endpieces).
    front = np.concatenate([p.positions for p in part(asset, "frame_front")])
    lenses_width = (2 * spec.lens_width_mm + spec.bridge_mm) * MM
    assert extent(front, 0) > lenses_width
    assert asset.triangle_count < 20_000


@pytest.mark.parametrize("style", STYLES)
def test_triangles_face_their_normals(assets: dict[str, Asset], style: str) -> None:
    """Winding and normals agree (outward tubes, lenses facing the viewer)."""
    for prim in assets[style].primitives:
        tri = prim.indices.reshape(-1, 3)
        p = prim.positions.astype(np.float64)
        face = np.cross(p[tri[:, 1]] - p[tri[:, 0]], p[tri[:, 2]] - p[tri[:, 0]])
        area = np.linalg.norm(face, axis=1)
        ok = area > 1e-14
        face = face[ok] / area[ok, None]
        vertex = prim.normals[tri[ok]].mean(axis=1)
        agree = np.sum(face * vertex, axis=1) > 0
        assert agree.mean() > 0.99, f"{prim.node_path[-1]}/{prim.material.name}: {agree.mean()}"


def test_lens_normals_face_the_viewer(assets: dict[str, Asset]) -> None:
    (lens,) = part(assets["rectangle"], "lens_left")
    assert lens.normals[:, 2].min() > 0.9


@pytest.mark.parametrize("style", STYLES)
def test_outline_is_exactly_boxed_and_counter_clockwise(style: str) -> None:
    pts = lens_outline(style, 0.052, 0.040)  # type: ignore[arg-type]
    assert extent(pts, 0) == pytest.approx(0.052, abs=1e-9)
    assert extent(pts, 1) == pytest.approx(0.040, abs=1e-9)
    x, y = pts[:, 0], pts[:, 1]
    signed_area = 0.5 * np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y)
    assert signed_area > 0.5 * 0.052 * 0.040  # CCW and well filled


@pytest.mark.parametrize("rings", [2, 3])
def test_lens_cap_fills_its_outline_once(rings: int) -> None:
    """The cap covers exactly the outline's area, every triangle facing the viewer, and its
    only open edges are the outline's (coarse inner rings leave no crack)."""
    outline = lens_outline("cat-eye", 0.053, 0.041)
    cap = lens_cap(outline, 0.10, rings=rings, inner_step=4)
    tri = cap.indices.reshape(-1, 3)
    p = cap.positions.astype(np.float64)
    normal = np.cross(p[tri[:, 1]] - p[tri[:, 0]], p[tri[:, 2]] - p[tri[:, 0]])
    assert (normal[:, 2] > 0).all()
    x, y = outline[:, 0], outline[:, 1]
    area = 0.5 * np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y)
    assert 0.5 * normal[:, 2].sum() == pytest.approx(area, rel=1e-6)
    edges = np.sort(tri[:, [0, 1, 1, 2, 2, 0]].reshape(-1, 2), axis=1)
    unique, count = np.unique(edges, axis=0, return_counts=True)
    assert set(count.tolist()) == {1, 2}
    boundary = np.unique(unique[count == 1])
    assert np.allclose(np.sort(p[boundary, :2], axis=0), np.sort(outline, axis=0), atol=1e-7)
    # Inner rings keep a quarter of the points: far fewer triangles than full rings'.
    assert len(tri) < 0.6 * (2 * rings - 1) * len(outline)


@pytest.mark.parametrize(
    ("rings", "step", "message"), [(1, 4, "rings=1"), (2, 5, "inner_step=5, 96 points")]
)
def test_lens_cap_refuses_what_it_cannot_mesh(rings: int, step: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        lens_cap(lens_outline("round", 0.05, 0.04), 0.10, rings=rings, inner_step=step)


def test_khronos_validator_accepts_every_style(glb_paths: dict[str, Path]) -> None:
    reason = khronos_unavailable_reason()
    if reason is not None:
        pytest.skip(f"Khronos glTF validator unavailable: {reason}")
    results = run_khronos(list(glb_paths.values()))
    assert [(r.path.name, r.errors, r.messages) for r in results if r.errors] == []
    assert len(results) == len(STYLES)


def test_generation_is_deterministic() -> None:
    spec = SPECS["browline"]
    assert build_glasses(spec) == build_glasses(spec)


def test_marking() -> None:
    assert SPECS["rectangle"].marking == "52□18-140"
    assert GlassesSpec(lens_width_mm=49.5).marking == "49.5□18-140"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lens_width_mm": 5}, r"GlassesSpec.lens_width_mm must be in \[30.0, 75.0\] mm, got 5"),
        ({"bridge_mm": -18}, r"GlassesSpec.bridge_mm must be in \[10.0, 30.0\] mm, got -18"),
        ({"temple_length_mm": 300}, r"temple_length_mm must be in .* got 300"),
        ({"style": "hexagon"}, r"GlassesSpec.style must be one of .*got 'hexagon'"),
        ({"finish": "wood"}, r"GlassesSpec.finish must be one of .*got 'wood'"),
        ({"tint": "pink"}, r"GlassesSpec.tint must be one of .*got 'pink'"),
        ({"colour": "red"}, r"GlassesSpec.colour must be sRGB '#rrggbb', got 'red'"),
    ],
)
def test_bad_specs_name_the_field(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        GlassesSpec(**kwargs)  # type: ignore[arg-type]
