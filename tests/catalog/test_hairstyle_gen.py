"""Generated hairstyles: deterministic, valid glTF (the Khronos validator), small, made on
the canonical face's head; hairstyle manifests name their bad fields."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.catalog.make_products import load_script
from tests.render.conftest import synthetic_face
from tryon.catalog.catalog import Catalog
from tryon.catalog.errors import ProductError
from tryon.catalog.eyewear_gen import srgb_to_linear
from tryon.catalog.gltf_loader import load_asset
from tryon.catalog.hairstyle import OWN_HAIR_SHADE, HairstyleProduct
from tryon.catalog.hairstyle_gen import DESIGN_HEAD, STYLES, HairstyleSpec, build_hairstyle
from tryon.catalog.khronos import khronos_unavailable_reason, run_khronos
from tryon.catalog.manifest import parse_manifest
from tryon.render.fit import head_frame_vertices, head_proxy
from tryon.render.hairstyle_pass import WornHairstyle
from tryon.render.kinds import worn_item
from tryon.tracking.camera import CameraIntrinsics

SPECS = {style: HairstyleSpec(style, strands=32, layers=2, drop_m=0.2) for style in STYLES}


@pytest.fixture(scope="module")
def glb_paths(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("hair")
    paths = {}
    for style, spec in SPECS.items():
        paths[style] = folder / f"{style}.glb"
        paths[style].write_bytes(build_hairstyle(spec))
    return paths


def test_same_spec_same_bytes(glb_paths: dict[str, Path]) -> None:
    for style, spec in SPECS.items():
        assert build_hairstyle(spec) == glb_paths[style].read_bytes(), style
    other = build_hairstyle(HairstyleSpec("bob", strands=32, layers=2, drop_m=0.2, seed=9))
    assert other != glb_paths["bob"].read_bytes()  # the seed moves the strands


def test_khronos_validator_accepts_every_style_and_shipped_hairstyle(
    glb_paths: dict[str, Path],
) -> None:
    reason = khronos_unavailable_reason()
    if reason is not None:
        pytest.skip(f"Khronos glTF validator unavailable: {reason}")
    catalog = Catalog.default()
    shipped = [
        catalog.folder(p.id) / p.model_file
        for p in catalog.products()
        if isinstance(p, HairstyleProduct)
    ]
    assert len(shipped) >= 4
    results = run_khronos([*glb_paths.values(), *shipped])
    assert [(str(r.path), r.messages) for r in results if r.errors or r.warnings] == []


def test_shipped_hairstyles_are_small_and_drawn_in_their_manifest_colour() -> None:
    catalog = Catalog.default()
    styles = [p for p in catalog.products() if isinstance(p, HairstyleProduct)]
    assert {p.hairstyle.length for p in styles} >= {"fringe", "bob", "long", "updo"}
    for product in styles:
        path = catalog.folder(product.id) / product.model_file
        assert path.stat().st_size < 600_000, product.id
        asset = catalog.load_asset(product.id)
        cards = [p for p in asset.primitives if p.material.alpha_mode == "BLEND"]
        caps = [p for p in asset.primitives if p.material.alpha_mode == "OPAQUE"]
        assert len(cards) == 1 and len(caps) == 1, product.id
        strands = cards[0].material
        assert strands.double_sided and strands.base_color_texture is not None
        assert strands.base_color[:3] == pytest.approx(
            srgb_to_linear(product.hairstyle.color), abs=1e-6
        )
        assert product.hairstyle.design_head_width_mm == DESIGN_HEAD.width_mm


def test_cards_run_root_to_tip_along_v(glb_paths: dict[str, Path]) -> None:
    """v = 0 at a strand's root, 1 at its tip: a long style's tips hang below its roots."""
    asset = load_asset(glb_paths["long"])
    cards = next(p for p in asset.primitives if p.material.alpha_mode == "BLEND")
    assert cards.uvs is not None
    v = cards.uvs[:, 1]
    roots, tips = cards.positions[v < 0.01], cards.positions[v > 0.99]
    assert roots[:, 1].mean() > tips[:, 1].mean() + 0.1


def test_design_head_is_the_canonical_face_head_proxy() -> None:
    face = synthetic_face(CameraIntrinsics.from_fov(640, 480))
    proxy = head_proxy(face)
    assert proxy.center == pytest.approx(np.array(DESIGN_HEAD.center), abs=2e-4)
    assert proxy.radii == pytest.approx(DESIGN_HEAD.radii, abs=2e-4)
    forehead_top = head_frame_vertices(face)[10]
    assert forehead_top == pytest.approx(np.array(DESIGN_HEAD.forehead), abs=2e-4)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"style": "mohawk"}, "HairstyleSpec.style must be one of"),
        ({"colour": "brown"}, "HairstyleSpec.colour must be sRGB '#rrggbb', got 'brown'"),
        ({"strands": 4}, r"HairstyleSpec.strands must be in \[16, 256\], got 4"),
        ({"layers": 0}, r"HairstyleSpec.layers must be in \[1, 6\], got 0"),
        ({"drop_m": 0.9}, r"HairstyleSpec.drop_m must be in \[0, 0.45\] m, got 0.9"),
    ],
)
def test_bad_spec_names_the_field(change: dict[str, Any], message: str) -> None:
    args: dict[str, Any] = {"style": "bob", **change}
    with pytest.raises(ValueError, match=message):
        HairstyleSpec(**args)


def _manifest() -> dict[str, Any]:
    return load_script().hairstyle_manifest("hair-bob-chestnut")  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"color": "auburn"}, r"hairstyle\.color: String should match pattern"),
        ({"design_head_width_mm": 40}, r"hairstyle\.design_head_width_mm: Input should be greater"),
        ({"length": "buzz"}, r"hairstyle\.length: Input should be 'fringe', 'short'"),
        ({"model": "hair.obj"}, r"hairstyle\.model: Value error, model must be a \.glb or \.gltf"),
        ({"model": "../other/model.glb"}, r"hairstyle\.model: Value error, '\.\./other/model"),
        ({"curl": 3}, r"hairstyle\.curl: Extra inputs are not permitted"),
        ({"own_hair_shade": 1.5}, r"hairstyle\.own_hair_shade: Input should be less than or"),
        ({"own_hair_shade": "dark"}, r"hairstyle\.own_hair_shade: Input should be a valid number"),
    ],
)
def test_bad_hairstyle_manifests_name_the_field(change: dict[str, Any], message: str) -> None:
    data = _manifest()
    assert isinstance(parse_manifest(data), HairstyleProduct)  # the good one parses
    hair = data["hairstyle"]
    assert isinstance(hair, dict)
    hair.update(change)
    with pytest.raises(ProductError, match=message):
        parse_manifest(data)


def test_own_hair_shade_is_optional_and_reaches_the_worn_item() -> None:
    """Without ``own_hair_shade`` a style shades the own hair to the default; a manifest's
    value is what the worn style carries."""
    data = _manifest()
    product = parse_manifest(data)
    assert isinstance(product, HairstyleProduct)
    assert product.hairstyle.own_hair_shade == OWN_HAIR_SHADE
    hair = data["hairstyle"]
    assert isinstance(hair, dict)
    hair["own_hair_shade"] = 0.55
    product = parse_manifest(data)
    assert isinstance(product, HairstyleProduct)
    item = worn_item(product, Catalog.default().load_asset("hair-bob-chestnut"), 1.0)
    assert isinstance(item, WornHairstyle) and item.own_hair_shade == 0.55


def test_hairstyle_manifest_without_its_params_names_them() -> None:
    data = _manifest()
    del data["hairstyle"]
    with pytest.raises(ProductError, match=r"hairstyle: Field required"):
        parse_manifest(data)
