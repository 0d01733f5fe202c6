"""The product manifest schema: valid manifests load, malformed ones name the bad field."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from tests.catalog.make_products import load_script
from tryon.catalog.errors import ProductError
from tryon.catalog.manifest import (
    EyewearProduct,
    SizeMarkings,
    load_manifest,
    manifest_json_schema,
    parse_manifest,
)
from tryon.resources import data_dir

SHIPPED = data_dir("products") / "classic-rectangle-black" / "product.json"


@pytest.fixture
def valid() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SHIPPED.read_text())
    return data


def test_shipped_manifest_loads(valid: dict[str, Any]) -> None:
    product = load_manifest(SHIPPED)
    assert isinstance(product, EyewearProduct)
    assert product.category == "eyewear" and product.id == "classic-rectangle-black"
    assert product.eyewear.size.marking == "52□18-140"
    assert product.eyewear.anchors.names()[0] == "bridge"
    assert parse_manifest(product.model_dump(mode="json")) == product


def _set(data: dict[str, Any], dotted: str, value: Any) -> dict[str, Any]:
    out = copy.deepcopy(data)
    *parents, last = dotted.split(".")
    node = out
    for key in parents:
        node = node[key]
    if value is _DELETE:
        del node[last]
    else:
        node[last] = value
    return out


_DELETE = object()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", _DELETE, "name: Field required"),
        ("price", "cheap", "price: Input should be a valid number"),
        ("price", -1, "price: Input should be greater than or equal to 0"),
        ("eyewear.size.lens_width_mm", -52, "eyewear.size.lens_width_mm: Input should be greater"),
        ("eyewear.size.bridge_mm", "wide", "eyewear.size.bridge_mm: Input should be a valid num"),
        ("eyewear.size", _DELETE, "eyewear.size: Field required"),
        ("eyewear.lens.transmission", 1.5, "eyewear.lens.transmission: Input should be less"),
        ("eyewear.lens.tint", "grey", "eyewear.lens.tint: String should match pattern"),
        ("category", "hat", "category: Input tag 'hat' found using 'category' does not match"),
        ("category", _DELETE, "category: Unable to extract tag"),
        ("currency", "euro", "currency: String should match pattern"),
        ("id", "Bad Id!", "id: String should match pattern"),
        ("eyewear.model", "../other/model.glb", "eyewear.model: Value error, '../other/model"),
        ("eyewear.model", "https://x.test/m.glb", "eyewear.model: Value error, 'https://x.test"),
        ("eyewear.model", "model.obj", "eyewear.model: Value error, model must be a .glb or"),
        ("thumbnails", ["/etc/passwd"], "thumbnails: Value error, '/etc/passwd' is absolute"),
        ("colour", "red", "colour: Extra inputs are not permitted"),
    ],
)
def test_malformed_manifest_names_the_field(
    valid: dict[str, Any], field: str, value: Any, message: str
) -> None:
    with pytest.raises(ProductError) as info:
        parse_manifest(_set(valid, field, value), "products/x/product.json")
    text = str(info.value)
    assert text.startswith("products/x/product.json: invalid manifest: ")
    assert message in text


def test_manifest_file_errors(tmp_path: Path) -> None:
    with pytest.raises(ProductError, match="cannot read the manifest"):
        load_manifest(tmp_path / "product.json")
    (tmp_path / "product.json").write_text("{not json")
    with pytest.raises(ProductError, match="manifest is not valid JSON"):
        load_manifest(tmp_path / "product.json")
    (tmp_path / "product.json").write_text("[1, 2]")
    with pytest.raises(ProductError, match="invalid manifest"):
        load_manifest(tmp_path / "product.json")


@pytest.mark.parametrize("text", ["52□18-140", "52x18-140", "52-18-140", " 52 □ 18 - 140 "])
def test_size_marking_parses(text: str) -> None:
    size = SizeMarkings.parse(text, 40)
    assert (size.lens_width_mm, size.bridge_mm, size.temple_length_mm) == (52, 18, 140)
    assert size.marking == "52□18-140"


def test_bad_size_marking() -> None:
    with pytest.raises(ValueError, match=r"size marking must look like '52□18-140', got '52/18'"):
        SizeMarkings.parse("52/18", 40)


def test_published_schema_is_up_to_date() -> None:
    committed = (data_dir("products") / "product.schema.json").read_bytes()
    assert committed == load_script().schema_bytes(), "run scripts/make_products.py"
    schema = manifest_json_schema()
    assert schema["discriminator"]["propertyName"] == "category"
    eyewear = schema["$defs"]["EyewearProduct"]
    assert {"id", "name", "brand", "price", "currency", "category", "eyewear"} <= set(
        eyewear["required"]
    )
