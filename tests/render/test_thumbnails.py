"""Product thumbnails: a kind as its pass shows it; a look as a grid of its parts."""

from __future__ import annotations

import json
import shutil

import moderngl
import pytest

from tryon.catalog.catalog import Catalog
from tryon.catalog.errors import UnknownProductError
from tryon.render.renderer import Renderer
from tryon.render.thumbnails import product_thumbnail
from tryon.resources import data_dir


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    root = tmp_path_factory.mktemp("catalog")
    for pid in ("round-tortoise", "aviator-gold-58"):
        shutil.copytree(data_dir("products") / pid, root / pid)
    look = {
        "id": "two-pairs",
        "category": "look",
        "name": "Two pairs",
        "brand": "tryon",
        "price": 1.0,
        "currency": "EUR",
        "look": {"items": [{"product": "round-tortoise"}, {"product": "aviator-gold-58"}]},
    }
    (root / "two-pairs").mkdir()
    (root / "two-pairs" / "product.json").write_text(json.dumps(look))
    return Catalog(root)


def test_a_look_shows_its_parts_in_a_grid(gl_ctx: moderngl.Context, catalog: Catalog) -> None:
    with Renderer(gl_ctx) as renderer:
        thumb = product_thumbnail(renderer, catalog, "two-pairs", 128)
        single = product_thumbnail(renderer, catalog, "round-tortoise", 64)
    assert thumb.shape == (128, 128, 4) and thumb.dtype.name == "uint8"
    alpha = thumb[..., 3]
    assert (alpha[:64, :64] > 0).sum() > 200  # the first pair, top left
    assert (alpha[:64, 64:] > 0).sum() > 200  # the second pair, top right
    assert (alpha[64:] == 0).all() and (thumb[64:, :, :3] == 255).all()  # paper below
    assert (thumb[:64, :64] == single).all()  # each tile is that product's own thumbnail


def test_an_unknown_product_is_named(gl_ctx: moderngl.Context, catalog: Catalog) -> None:
    with Renderer(gl_ctx) as renderer, pytest.raises(UnknownProductError, match="'nope'"):
        product_thumbnail(renderer, catalog, "nope")
