"""Product kinds in the catalog: makeup and looks beside eyewear; what each bad manifest or
bad look gets; looks expand into their products in order."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tryon.catalog.catalog import Catalog
from tryon.catalog.errors import AssetError, ProductError
from tryon.catalog.look import FaceLooks, Look, LookItem
from tryon.catalog.makeup import MakeupProduct
from tryon.catalog.manifest import LookProduct, load_manifest, parse_manifest
from tryon.resources import data_dir

_COMMON = {"name": "A product", "brand": "tryon", "price": 9.5, "currency": "EUR"}


def _makeup(pid: str, area: str = "lips", color: str = "#a8324a", **extra: Any) -> dict[str, Any]:
    return {
        "id": pid,
        "category": "makeup",
        **_COMMON,
        "makeup": {"area": area, "color": color, **extra},
    }


def _look(pid: str, *items: tuple[str, float]) -> dict[str, Any]:
    entries = [{"product": p, "intensity": i} for p, i in items]
    return {"id": pid, "category": "look", **_COMMON, "look": {"items": entries}}


def _write(root: Path, manifest: dict[str, Any]) -> None:
    folder = root / manifest["id"]
    folder.mkdir()
    (folder / "product.json").write_text(json.dumps(manifest))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"color": "red"}, r"makeup\.color: String should match pattern"),
        ({"color": "#12345"}, r"makeup\.color: String should match pattern"),
        ({"finish": "glitter"}, r"makeup\.finish: Input should be 'matte', 'satin'"),
        ({"area": "nails"}, r"makeup\.area: Input should be 'lips'"),
        ({"area": "brows", "finish": "gloss"}, r"finish 'gloss' does not apply to brows"),
        ({"shade": 3}, r"makeup\.shade: Extra inputs are not permitted"),
    ],
)
def test_bad_makeup_manifests_name_the_field(change: dict[str, Any], message: str) -> None:
    data = _makeup("bad")
    data["makeup"].update(change)
    with pytest.raises(ProductError, match=message):
        parse_manifest(data)


def test_makeup_has_a_default_finish_per_area_and_no_files() -> None:
    lips = parse_manifest(_makeup("lips"))
    assert isinstance(lips, MakeupProduct)
    assert lips.makeup.effective_finish == "satin"
    assert lips.model_file is None and lips.files() == ()
    assert parse_manifest(_makeup("b", "brows", "#3b2a20")).summary() == "brows #3b2a20 matte"


@pytest.mark.parametrize(
    ("items", "message"),
    [
        ([], r"look\.items: Tuple should have at least 1 item"),
        ([{"product": "x", "intensity": 2}], r"look\.items\.0\.intensity: Input should be less"),
        ([{"product": "../x"}], r"look\.items\.0\.product: String should match pattern"),
    ],
)
def test_bad_look_manifests_name_the_field(items: list[Any], message: str) -> None:
    data = _look("l")
    data["look"]["items"] = items
    with pytest.raises(ProductError, match=message):
        parse_manifest(data)


def test_a_deeply_nested_manifest_is_refused_unparsed(tmp_path: Path) -> None:
    path = tmp_path / "product.json"
    path.write_text("[" * 20000 + "]" * 20000)
    with pytest.raises(ProductError, match="manifest nests 20000 levels deep; at most 16"):
        load_manifest(path)


def test_looks_naming_missing_products_or_other_looks_are_skipped(tmp_path: Path) -> None:
    _write(tmp_path, _makeup("red-lips"))
    _write(tmp_path, _makeup("rose-blush", "blush", "#d77a7a"))
    _write(tmp_path, _look("evening", ("rose-blush", 0.5), ("red-lips", 1.0)))
    _write(tmp_path, _look("ghost", ("red-lips", 1.0), ("no-such-product", 1.0)))
    _write(tmp_path, _look("nested", ("evening", 1.0)))
    catalog = Catalog(tmp_path)
    assert sorted(p.id for p in catalog.products()) == ["evening", "red-lips", "rose-blush"]
    reasons = {exc.path.name: exc.reason for exc in catalog.problems}
    assert reasons == {
        "ghost": "names product 'no-such-product', which the catalog lacks",
        "nested": "names 'evening', which is itself made of products (looks do not nest)",
    }
    assert isinstance(catalog.get("evening"), LookProduct)


def test_expand_replaces_looks_by_their_items_in_order(tmp_path: Path) -> None:
    _write(tmp_path, _makeup("red-lips"))
    _write(tmp_path, _makeup("rose-blush", "blush", "#d77a7a"))
    _write(tmp_path, _makeup("black-liner", "eyeliner", "#111111"))
    _write(tmp_path, _look("evening", ("rose-blush", 0.5), ("red-lips", 1.0)))
    catalog = Catalog(tmp_path)
    look = Look((LookItem("black-liner", 0.8), LookItem("evening", 0.6)))
    assert catalog.expand(look) == Look(
        (LookItem("black-liner", 0.8), LookItem("rose-blush", 0.3), LookItem("red-lips", 0.6))
    )
    assert catalog.asset_for("red-lips") is None
    with pytest.raises(AssetError, match="a makeup product has no model"):
        catalog.load_asset("red-lips")


def test_eyewear_and_other_kinds_live_in_one_catalog(tmp_path: Path) -> None:
    shutil.copytree(
        data_dir("products") / "classic-rectangle-black", tmp_path / "classic-rectangle-black"
    )
    _write(tmp_path, _makeup("red-lips"))
    catalog = Catalog(tmp_path)
    assert {p.category for p in catalog.products()} == {"eyewear", "makeup"}
    assert catalog.asset_for("classic-rectangle-black") is catalog.load_asset(
        "classic-rectangle-black"
    )


def test_face_looks_give_each_face_its_own_look() -> None:
    a, b = Look.of("red-lips"), Look.of("rose-blush")
    looks = FaceLooks.per_face({2: b}, default=a)
    assert looks.for_face(2) == b and looks.for_face(1) == a and looks.for_face(7) == a
    assert not FaceLooks() and FaceLooks.per_face({3: a})
