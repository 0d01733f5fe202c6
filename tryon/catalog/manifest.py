"""The product manifest (``product.json`` in each product folder): pydantic v2 models.

A manifest is a discriminated union on ``category``; each category carries its parameters in
a field of the same name (``"category": "eyewear"`` with ``"eyewear": {...}``). The kinds:
``eyewear`` (a 3D model with size markings, here), ``makeup`` (:mod:`tryon.catalog.makeup`)
and ``look`` (a named, ordered stack of other products, here). A new kind is a model built on
:class:`~tryon.catalog.manifest_base.ProductBase` added to :data:`ProductManifest`.
``products/product.schema.json`` is generated from these models by
``scripts/make_products.py``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, TypeAdapter, ValidationError

from tryon import safe_json
from tryon.catalog.errors import ProductError
from tryon.catalog.hair_color import HairColorProduct
from tryon.catalog.hairstyle import HairstyleProduct
from tryon.catalog.makeup import MakeupProduct
from tryon.catalog.manifest_base import (
    PRODUCT_ID_PATTERN,
    GltfFile,
    HexColor,
    Model,
    ProductBase,
)

__all__ = [
    "MANIFEST_NAME",
    "SCHEMA_VERSION",
    "EyewearAnchors",
    "EyewearParams",
    "EyewearProduct",
    "LensMaterial",
    "LookEntry",
    "LookParams",
    "LookProduct",
    "Product",
    "ProductManifest",
    "SizeMarkings",
    "load_manifest",
    "manifest_json_schema",
    "parse_manifest",
]

MANIFEST_NAME = "product.json"
#: A manifest is a few kB; anything past this is refused unread.
MAX_MANIFEST_BYTES = 256 * 1024
SCHEMA_VERSION: Literal[1] = 1
_MARKING = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*[□xX-]\s*(\d+(?:\.\d+)?)\s*-\s*(\d+(?:\.\d+)?)\s*$")


class SizeMarkings(Model):
    """The frame's standard size markings, in millimetres (``52□18-140``)."""

    lens_width_mm: float = Field(gt=0, le=90, description="Boxed horizontal lens width.")
    bridge_mm: float = Field(gt=0, le=40, description="Distance between the lenses.")
    temple_length_mm: float = Field(gt=0, le=200, description="Hinge to tip, along the temple.")
    lens_height_mm: float = Field(gt=0, le=80, description="Boxed vertical lens height.")

    @property
    def marking(self) -> str:
        return f"{self.lens_width_mm:g}□{self.bridge_mm:g}-{self.temple_length_mm:g}"

    @classmethod
    def parse(cls, marking: str, lens_height_mm: float) -> SizeMarkings:
        """``"52□18-140"`` (or ``52x18-140``, ``52-18-140``) plus the lens height."""
        m = _MARKING.match(marking)
        if m is None:
            raise ValueError(f"size marking must look like '52□18-140', got {marking!r}")
        w, b, t = (float(g) for g in m.groups())
        return cls(lens_width_mm=w, bridge_mm=b, temple_length_mm=t, lens_height_mm=lens_height_mm)


class EyewearAnchors(Model):
    """Names of the (empty) nodes in the model that mark where the frame meets the head."""

    bridge: str = "bridge"
    hinge_left: str = "hinge_left"
    hinge_right: str = "hinge_right"
    temple_end_left: str = "temple_end_left"
    temple_end_right: str = "temple_end_right"

    def names(self) -> tuple[str, ...]:
        return (
            self.bridge,
            self.hinge_left,
            self.hinge_right,
            self.temple_end_left,
            self.temple_end_right,
        )


class LensMaterial(Model):
    """How the lenses look; the model's lens material is authoritative for the renderer."""

    tint: HexColor = Field(description="sRGB tint colour.")
    gradient: bool = False
    mirror: bool = False
    transmission: float = Field(ge=0.0, le=1.0)


class EyewearParams(Model):
    model: GltfFile = Field(description="The glTF/GLB file, relative to the product folder.")
    size: SizeMarkings
    anchors: EyewearAnchors = EyewearAnchors()
    lens: LensMaterial
    style: str | None = None


class EyewearProduct(ProductBase):
    category: Literal["eyewear"]
    eyewear: EyewearParams

    @property
    def model_file(self) -> str:
        return self.eyewear.model

    def summary(self) -> str:
        return self.eyewear.size.marking

    def required_nodes(self) -> tuple[str, ...]:
        return self.eyewear.anchors.names()


class LookEntry(Model):
    """One product of a look and how strongly it is worn."""

    product: str = Field(pattern=PRODUCT_ID_PATTERN, description="A product id (not a look).")
    intensity: float = Field(default=1.0, ge=0.0, le=1.0)


class LookParams(Model):
    #: Applied in this order: later items are drawn over earlier ones.
    items: tuple[LookEntry, ...] = Field(min_length=1, max_length=16)


class LookProduct(ProductBase):
    """A named stack of products (e.g. foundation, blush, eyeshadow, lipstick) worn together."""

    category: Literal["look"]
    look: LookParams

    def summary(self) -> str:
        return f"{len(self.look.items)} products"

    def parts(self) -> tuple[tuple[str, float], ...]:
        return tuple((item.product, item.intensity) for item in self.look.items)


#: Any product manifest.
Product = EyewearProduct | MakeupProduct | LookProduct | HairstyleProduct | HairColorProduct
ProductManifest = Annotated[Product, Field(discriminator="category")]
_ADAPTER: TypeAdapter[Product] = TypeAdapter(ProductManifest)


def parse_manifest(data: Any, source: Path | str = "<manifest>") -> Product:
    """Validate decoded JSON; ``ProductError`` lists every bad field by its dotted path."""
    try:
        return _ADAPTER.validate_python(data)
    except ValidationError as exc:
        tag = data.get("category") if isinstance(data, dict) else None
        problems = "; ".join(
            f"{_field_path(err['loc'], tag)}: {err['msg']}" for err in exc.errors()
        )
        raise ProductError(source, f"invalid manifest: {problems}") from None


def _field_path(loc: tuple[int | str, ...], tag: Any) -> str:
    """Dotted field path of a validation error, without the union's tag in front."""
    if loc and loc[0] == tag:
        loc = loc[1:]
    return ".".join(str(p) for p in loc) or "category"


def load_manifest(path: Path) -> Product:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ProductError(path, f"cannot read the manifest ({exc.strerror})") from None
    try:
        data = safe_json.loads(raw, max_bytes=MAX_MANIFEST_BYTES, max_depth=16, what="manifest")
    except safe_json.JsonLimitError as exc:
        raise ProductError(path, str(exc)) from None
    return parse_manifest(data, path)


def manifest_json_schema() -> dict[str, Any]:
    """The JSON Schema of a manifest (what ``products/product.schema.json`` holds)."""
    schema = _ADAPTER.json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "tryon product manifest"
    return schema
