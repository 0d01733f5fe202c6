"""Hair-colour manifests and swatches: what a bad manifest gets, and thumbnails that show
the dye (root at the top, the tip colour at the bottom for an ombré)."""

from __future__ import annotations

from typing import Any

import moderngl
import numpy as np
import pytest

from tryon.catalog.catalog import Catalog
from tryon.catalog.errors import ProductError
from tryon.catalog.manifest import parse_manifest
from tryon.render.kinds import worn_item
from tryon.render.renderer import Renderer


def _manifest(**hair: Any) -> dict[str, Any]:
    return {
        "id": "hair-test",
        "category": "hair_color",
        "name": "Test",
        "brand": "tryon",
        "price": 1.0,
        "currency": "EUR",
        "hair_color": hair,
    }


@pytest.mark.parametrize(
    ("hair", "message"),
    [
        ({"color": "#12345"}, "hair_color.color: String should match pattern"),
        ({"color": "#123456", "style": "perm"}, "hair_color.style: Input should be"),
        ({"color": "#123456", "style": "ombre"}, "the ombre style needs a tip_color"),
        (
            {"color": "#123456", "tip_color": "#ffffff"},
            "tip_color does not apply to the solid style",
        ),
        ({"color": "#123456", "blend": 1.5}, "hair_color.blend: Input should be less than"),
    ],
)
def test_bad_manifests_name_the_field(hair: dict[str, Any], message: str) -> None:
    with pytest.raises(ProductError, match=message):
        parse_manifest(_manifest(**hair))


def test_ombre_swatch_runs_root_to_tip(gl_ctx: moderngl.Context) -> None:
    catalog = Catalog.default()
    product = catalog.get("hair-sunset-ombre")
    with Renderer(gl_ctx) as renderer:
        thumb = renderer.render_thumbnail(worn_item(product, None, 1.0), 64)
    assert (thumb[..., 3] == 255).all(), "the swatch covers its square"
    top, bottom = thumb[2, :, :3].mean(0), thumb[-3, :, :3].mean(0)
    root = np.array([0x3B, 0x24, 0x19])
    tip = np.array([0xD9, 0x66, 0x2B])
    assert np.abs(top - root).max() < 12, f"top {top} is not the root colour {root}"
    assert np.abs(bottom - tip).max() < 12, f"bottom {bottom} is not the tip colour {tip}"
