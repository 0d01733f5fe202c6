"""Why a product or an asset was rejected: each error names the file and the reason."""

from __future__ import annotations

from pathlib import Path

__all__ = ["AssetError", "CatalogError", "ProductError", "UnknownProductError"]


class CatalogError(Exception):
    """Base class of the catalog's errors."""


class _PathReasonError(CatalogError):
    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class AssetError(_PathReasonError):
    """A glTF/GLB file is unsafe, malformed or over a cap; nothing of it was used."""


class ProductError(_PathReasonError):
    """A product folder (its manifest or its files) is malformed."""


class UnknownProductError(CatalogError, KeyError):
    """No product with this id in the catalog."""

    def __init__(self, product_id: str, known: int) -> None:
        self.product_id = product_id
        super().__init__(f"no product {product_id!r} in the catalog ({known} products)")

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0])
