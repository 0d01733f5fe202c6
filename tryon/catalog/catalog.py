"""The product catalog: a folder of product folders, each a ``product.json`` plus its files.

Malformed product folders are reported (``Catalog.problems``, a log warning) and skipped;
the rest of the catalog loads; so is a look that names a product the catalog lacks, or
another look. Assets (3D models) load on first use and stay cached. The catalog knows no
product kind by name: it asks each manifest for its files, its model and its parts.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from tryon.catalog.asset import Asset
from tryon.catalog.errors import AssetError, ProductError, UnknownProductError
from tryon.catalog.gltf_loader import DEFAULT_LIMITS, LoadLimits, load_asset
from tryon.catalog.look import Look, LookItem
from tryon.catalog.manifest import MANIFEST_NAME, Product, load_manifest
from tryon.catalog.paths import resolve_inside
from tryon.resources import data_dir

__all__ = ["Catalog", "check_asset_anchors", "load_product_asset", "read_product"]

log = logging.getLogger(__name__)


class Catalog:
    """Products under ``root`` (one sub-folder per product, named by its id)."""

    def __init__(self, root: Path | str, limits: LoadLimits = DEFAULT_LIMITS) -> None:
        self.root = Path(root)
        self.limits = limits
        if not self.root.is_dir():
            raise ProductError(self.root, "catalog folder does not exist")
        self._products: dict[str, Product] = {}
        self._assets: dict[str, Asset] = {}
        self._lock = threading.Lock()
        problems: list[ProductError] = []
        for folder in sorted(p for p in self.root.iterdir() if p.is_dir()):
            try:
                product = read_product(folder)
            except ProductError as exc:
                problems.append(exc)
                log.warning("skipping product folder: %s", exc)
                continue
            self._products[product.id] = product
        for product in list(self._products.values()):
            reason = self._composition_problem(product)
            if reason is not None:
                problem = ProductError(self.root / product.id, reason)
                problems.append(problem)
                log.warning("skipping product folder: %s", problem)
                del self._products[product.id]
        self.problems: tuple[ProductError, ...] = tuple(problems)

    @classmethod
    def default(cls) -> Catalog:
        """The products shipped with tryon."""
        return cls(data_dir("products"))

    def products(self) -> list[Product]:
        return list(self._products.values())

    def __contains__(self, product_id: object) -> bool:
        return product_id in self._products

    def __len__(self) -> int:
        return len(self._products)

    def get(self, product_id: str) -> Product:
        try:
            return self._products[product_id]
        except KeyError:
            raise UnknownProductError(product_id, len(self._products)) from None

    def folder(self, product_id: str) -> Path:
        """The product's folder (thumbnails and model paths are relative to it)."""
        return self.root / self.get(product_id).id

    def thumbnail_paths(self, product_id: str) -> list[Path]:
        folder = self.folder(product_id)
        return [resolve_inside(folder, t) for t in self.get(product_id).thumbnails]

    def expand(self, look: Look) -> Look:
        """``look`` with every look product replaced by its items, in order (their intensity
        scaled by the look item's); ``UnknownProductError`` for an id the catalog lacks."""
        items: list[LookItem] = []
        for item in look.items:
            parts = self.get(item.product_id).parts()
            if not parts:
                items.append(item)
            items += [LookItem(pid, item.intensity * weight) for pid, weight in parts]
        return Look(tuple(items))

    def asset_for(self, product_id: str) -> Asset | None:
        """The product's 3D model (see :meth:`load_asset`), or None for a kind without one."""
        return None if self.get(product_id).model_file is None else self.load_asset(product_id)

    def load_asset(self, product_id: str) -> Asset:
        """The product's 3D model, loaded safely once and cached; ``AssetError`` if unusable
        (or if the product's kind has no model)."""
        product = self.get(product_id)
        with self._lock:
            cached = self._assets.get(product_id)
            if cached is None:
                cached = load_product_asset(self.folder(product_id), product, self.limits)
                self._assets[product_id] = cached
        return cached

    def _composition_problem(self, product: Product) -> str | None:
        """Why a product made of others cannot be worn (a part missing, or itself made of
        others), or None."""
        for pid, _ in product.parts():
            part = self._products.get(pid)
            if part is None:
                return f"names product {pid!r}, which the catalog lacks"
            if part.parts():
                return f"names {pid!r}, which is itself made of products (looks do not nest)"
        return None


def read_product(folder: Path) -> Product:
    """The manifest of the product in ``folder``, checked against its folder."""
    product = load_manifest(folder / MANIFEST_NAME)
    if product.id != folder.name:
        raise ProductError(folder, f"manifest id {product.id!r} differs from the folder name")
    for ref in product.files():
        try:
            target = resolve_inside(folder, ref)
        except ValueError as exc:
            raise ProductError(folder, str(exc)) from None
        if not target.is_file():
            raise ProductError(folder, f"missing file {ref!r}")
    return product


def load_product_asset(folder: Path, product: Product, limits: LoadLimits) -> Asset:
    """The product's model loaded safely, with the nodes its kind needs checked."""
    model = product.model_file
    if model is None:
        raise AssetError(folder, f"a {product.category} product has no model")
    asset = load_asset(resolve_inside(folder, model), limits)
    check_asset_anchors(folder / model, asset, product.required_nodes())
    return asset


def check_asset_anchors(path: Path, asset: Asset, names: tuple[str, ...]) -> None:
    """``AssetError`` when the model lacks an anchor node the manifest names."""
    missing = [n for n in names if n not in asset.anchors]
    if missing:
        raise AssetError(path, f"missing anchor nodes {missing}")
