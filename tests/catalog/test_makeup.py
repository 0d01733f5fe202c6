"""Makeup manifests: what each bad field gets, eyeshadow zones and eyeliner wings, and the
shipped makeup catalog (enough products, shades for light to deep skin, looks of products)."""

from __future__ import annotations

from typing import Any, get_args

import numpy as np
import pytest

from tryon.catalog.catalog import Catalog
from tryon.catalog.errors import ProductError
from tryon.catalog.look import Look
from tryon.catalog.makeup import MakeupArea, MakeupParams, MakeupProduct
from tryon.catalog.manifest import LookProduct, parse_manifest
from tryon.render.makeup_pass import WornMakeup, srgb_to_linear
from tryon.render.makeup_regions import Layer

_COMMON = {"name": "A product", "brand": "tryon", "price": 9.5, "currency": "EUR"}


def _manifest(**makeup: Any) -> dict[str, Any]:
    return {"id": "p", "category": "makeup", **_COMMON, "makeup": makeup}


@pytest.mark.parametrize(
    ("makeup", "message"),
    [
        ({"area": "lips", "color": "crimson"}, r"makeup\.color: String should match pattern"),
        ({"area": "lips", "color": "#12345g"}, r"makeup\.color: String should match pattern"),
        ({"area": "lips", "color": "#a8324a", "finish": "glitter"}, r"makeup\.finish: Input"),
        ({"area": "mascara", "color": "#000000", "finish": "shimmer"}, r"finish 'shimmer'"),
        ({"area": "lips", "color": "#a8324a", "wing": "classic"}, r"wing applies to eyeliner"),
        ({"area": "eyeliner", "color": "#000000", "wing": "cat"}, r"makeup\.wing: Input"),
        (
            {"area": "blush", "color": "#a8324a", "crease_color": "#000000"},
            r"crease_color applies to eyeshadow",
        ),
        (
            {"area": "eyeshadow", "color": "#a8324a", "outer_color": "black"},
            r"makeup\.outer_color: String should match pattern",
        ),
        ({"area": "lips"}, r"makeup\.color: Field required"),
        ({"area": "lips", "color": "#a8324a", "opacity": 1}, r"makeup\.opacity: Extra inputs"),
    ],
)
def test_bad_makeup_gets_an_error_naming_the_field(makeup: dict[str, Any], message: str) -> None:
    with pytest.raises(ProductError, match=message):
        parse_manifest(_manifest(**makeup), "p")


def test_eyeshadow_zones_and_eyeliner_wings_become_layers() -> None:
    trio = MakeupParams(
        area="eyeshadow", color="#c9a27e", crease_color="#8a5a3c", outer_color="#4b2e20"
    )
    assert WornMakeup(trio).layers() == (
        (Layer.LID, "#c9a27e"),
        (Layer.CREASE, "#8a5a3c"),
        (Layer.OUTER_CORNER, "#4b2e20"),
    )
    lid_only = MakeupParams(area="eyeshadow", color="#c9a27e")
    assert WornMakeup(lid_only).layers() == ((Layer.LID, "#c9a27e"),)
    liner = MakeupParams(area="eyeliner", color="#000000")
    assert liner.effective_wing == "classic"
    assert WornMakeup(liner).layers() == ((Layer.LINER_CLASSIC, "#000000"),)
    flat = MakeupParams(area="eyeliner", color="#000000", wing="none")
    assert WornMakeup(flat).layers() == ((Layer.LINER_NONE, "#000000"),)
    assert WornMakeup(MakeupParams(area="contacts", color="#3f7fbf")).layers() == (
        (None, "#3f7fbf"),
    )


def test_worn_makeup_intensity_is_checked() -> None:
    lips = MakeupParams(area="lips", color="#a8324a")
    with pytest.raises(ValueError, match=r"WornMakeup.intensity must be in \[0, 1\], got 1.5"):
        WornMakeup(lips, 1.5)


@pytest.fixture(scope="module")
def shipped() -> Catalog:
    return Catalog.default()


def _luminance(hex_color: str) -> float:
    return float(np.dot(srgb_to_linear(hex_color), (0.2126, 0.7152, 0.0722)))


def test_shipped_makeup_covers_every_area_and_skin_depth(shipped: Catalog) -> None:
    makeup = [p for p in shipped.products() if isinstance(p, MakeupProduct)]
    assert len(makeup) >= 24
    areas = {p.makeup.area for p in makeup}
    assert areas == set(get_args(MakeupArea))
    foundations = sorted(
        _luminance(p.makeup.color) for p in makeup if p.makeup.area == "foundation"
    )
    assert len(foundations) >= 5
    assert foundations[-1] > 8 * foundations[0], "foundations from fair to deep"
    lips = [p.makeup for p in makeup if p.makeup.area == "lips"]
    assert {m.effective_finish for m in lips} == {"matte", "satin", "gloss", "metallic", "shimmer"}
    nudes = [m for m in lips if _is_brown(m.color)]
    assert len(nudes) >= 3, "nudes and browns, not only reds"


def _is_brown(hex_color: str) -> bool:
    r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return r > g > b and g > 0.45 * r


def test_shipped_looks_are_stacks_of_makeup(shipped: Catalog) -> None:
    looks = [p for p in shipped.products() if isinstance(p, LookProduct)]
    assert len(looks) >= 4
    for look in looks:
        expanded = shipped.expand(Look.of(look.id))
        assert expanded.product_ids == tuple(e.product for e in look.look.items)
        assert all(isinstance(shipped.get(pid), MakeupProduct) for pid in expanded.product_ids)
