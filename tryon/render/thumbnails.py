"""Product thumbnails for shelves and carousels: each kind as its pass shows it (glasses in
a three-quarter view, makeup as a swatch), and a product made of others (a look) as a grid
of its first four parts."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from tryon.catalog.catalog import Catalog
from tryon.render.kinds import worn_item
from tryon.render.renderer import Renderer

__all__ = ["product_thumbnail"]


def product_thumbnail(
    renderer: Renderer, catalog: Catalog, product_id: str, size: int = 256
) -> NDArray[np.uint8]:
    """``(size, size, 4)`` RGBA of the product (RGB white, alpha 0 where nothing is drawn)."""
    product = catalog.get(product_id)
    parts = product.parts()
    if not parts:
        item = worn_item(product, catalog.asset_for(product_id), 1.0)
        return renderer.render_thumbnail(item, size)
    half = size // 2
    out = np.zeros((size, size, 4), np.uint8)
    out[..., :3] = 255
    for i, (pid, _) in enumerate(parts[:4]):
        y, x = divmod(i, 2)
        tile = product_thumbnail(renderer, catalog, pid, half)
        out[y * half : (y + 1) * half, x * half : (x + 1) * half] = tile
    return out
