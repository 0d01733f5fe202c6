"""The catalog: the shipped products, lookups, caching, and folders that are broken."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from tests.catalog.make_products import load_script
from tryon.catalog.catalog import Catalog
from tryon.catalog.errors import AssetError, ProductError, UnknownProductError
from tryon.catalog.khronos import khronos_unavailable_reason, run_khronos
from tryon.catalog.manifest import EyewearProduct
from tryon.resources import data_dir

MM = 1e-3


@pytest.fixture(scope="module")
def shipped() -> Catalog:
    return Catalog.default()


def _eyewear(catalog: Catalog) -> list[EyewearProduct]:
    return [p for p in catalog.products() if isinstance(p, EyewearProduct)]


def test_shipped_catalog(shipped: Catalog) -> None:
    assert shipped.problems == ()
    assert len({p.id for p in shipped.products()}) == len(shipped.products())
    products = _eyewear(shipped)
    assert len(products) >= 8
    assert len({p.eyewear.size.marking for p in products}) >= 6
    styles = {p.eyewear.style for p in products}
    assert {"round", "rectangle", "aviator", "cat-eye", "browline", "rimless"} <= styles
    assert shipped.root == data_dir("products")


def test_every_shipped_product_is_true_to_size(shipped: Catalog) -> None:
    for product in _eyewear(shipped):
        asset = shipped.load_asset(product.id)
        size = product.eyewear.size
        lens = next(p for p in asset.primitives if p.node_path[-1] == "lens_left")
        width = float(np.ptp(lens.positions[:, 0]))
        assert width == pytest.approx(size.lens_width_mm * MM, abs=0.5 * MM), product.id
        assert (shipped.folder(product.id) / product.eyewear.model).stat().st_size < 1_000_000


def test_committed_products_are_what_the_script_makes() -> None:
    root = data_dir("products")
    expected = load_script().expected_files()
    stale = [rel for rel, data in expected.items() if (root / rel).read_bytes() != data]
    assert stale == [], "run scripts/make_products.py"
    committed = {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}
    assert committed == set(expected), "products/ holds files the script does not make"


def test_shipped_glbs_pass_the_khronos_validator(shipped: Catalog) -> None:
    reason = khronos_unavailable_reason()
    if reason is not None:
        pytest.skip(f"Khronos glTF validator unavailable: {reason}")
    paths = [shipped.folder(p.id) / p.eyewear.model for p in _eyewear(shipped)]
    results = run_khronos(paths)
    assert [(str(r.path), r.messages) for r in results if r.errors] == []


def test_load_asset_is_cached(shipped: Catalog) -> None:
    first = shipped.load_asset("classic-rectangle-black")
    assert shipped.load_asset("classic-rectangle-black") is first
    assert {"bridge", "hinge_left", "temple_end_right"} <= set(first.anchors)


def test_unknown_product(shipped: Catalog) -> None:
    with pytest.raises(UnknownProductError) as info:
        shipped.get("no-such-frame")
    assert isinstance(info.value, KeyError)
    assert str(info.value) == f"no product 'no-such-frame' in the catalog ({len(shipped)} products)"
    with pytest.raises(KeyError):
        shipped.load_asset("no-such-frame")
    assert "no-such-frame" not in shipped and "round-tortoise" in shipped


def _copy(catalog: Path, product_id: str, as_id: str | None = None) -> Path:
    dest = catalog / (as_id or product_id)
    shutil.copytree(data_dir("products") / product_id, dest)
    return dest


def _edit(folder: Path, **changes: object) -> None:
    path = folder / "product.json"
    data = json.loads(path.read_text())
    eyewear = data["eyewear"]
    for key, value in changes.items():
        (eyewear if key in eyewear else data)[key] = value
    path.write_text(json.dumps(data))


def test_broken_folders_are_reported_and_skipped(tmp_path: Path) -> None:
    _copy(tmp_path, "classic-rectangle-black")
    _copy(tmp_path, "aviator-gold-58")
    (tmp_path / "empty").mkdir()
    (_copy(tmp_path, "round-tortoise", "not-json") / "product.json").write_text("{")
    _copy(tmp_path, "round-gunmetal", "renamed")  # id differs from its folder
    (_copy(tmp_path, "rimless-titanium") / "model.glb").unlink()
    _edit(_copy(tmp_path, "cat-eye-burgundy"), model="../aviator-gold-58/model.glb")
    _edit(_copy(tmp_path, "browline-tortoise-gold"), price=-5)
    (tmp_path / "README.txt").write_text("not a product")

    catalog = Catalog(tmp_path)
    assert sorted(p.id for p in catalog.products()) == [
        "aviator-gold-58",
        "classic-rectangle-black",
    ]
    reasons = {
        (exc.path.parent if exc.path.name == "product.json" else exc.path).name: exc.reason
        for exc in catalog.problems
    }
    assert reasons["empty"] == "cannot read the manifest (No such file or directory)"
    assert reasons["not-json"].startswith("manifest is not valid JSON")
    assert reasons["renamed"] == "manifest id 'round-gunmetal' differs from the folder name"
    assert reasons["rimless-titanium"] == "missing file 'model.glb'"
    assert (
        "eyewear.model: Value error, '../aviator-gold-58/model.glb' climbs out"
        in (reasons["cat-eye-burgundy"])
    )
    assert "price: Input should be greater than or equal to 0" in reasons["browline-tortoise-gold"]
    assert len(catalog.problems) == 6
    # The good products still load.
    assert catalog.load_asset("aviator-gold-58").triangle_count > 1000


def test_broken_model_fails_on_load_only(tmp_path: Path) -> None:
    good = _copy(tmp_path, "classic-rectangle-black")
    bad = _copy(tmp_path, "round-tortoise")
    glb = (bad / "model.glb").read_bytes()
    (bad / "model.glb").write_bytes(glb[: len(glb) // 3])
    _edit(_copy(tmp_path, "round-gunmetal"), anchors={"bridge": "nose"})
    catalog = Catalog(tmp_path)
    assert len(catalog) == 3 and catalog.problems == ()
    with pytest.raises(AssetError, match=r"round-tortoise/model\.glb: truncated GLB"):
        catalog.load_asset("round-tortoise")
    with pytest.raises(AssetError, match=r"missing anchor nodes \['nose'\]"):
        catalog.load_asset("round-gunmetal")
    assert catalog.load_asset(good.name).triangle_count > 1000


def test_thumbnails_resolve_inside_the_folder(tmp_path: Path) -> None:
    folder = _copy(tmp_path, "round-tortoise")
    (folder / "front.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    _edit(folder, thumbnails=["front.png"])
    catalog = Catalog(tmp_path)
    assert catalog.thumbnail_paths("round-tortoise") == [(folder / "front.png").resolve()]


def test_missing_catalog_folder(tmp_path: Path) -> None:
    with pytest.raises(ProductError, match="catalog folder does not exist"):
        Catalog(tmp_path / "nowhere")
