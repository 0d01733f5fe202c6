"""The product manifest (``product.json`` in each product folder): pydantic v2 models.

A manifest is a discriminated union on ``category``; each category carries its parameters in
a field of the same name (``"category": "eyewear"`` with ``"eyewear": {...}``), so makeup and
hair slot in as new members. ``products/product.schema.json`` is generated from these models
by ``scripts/make_products.py``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

from tryon.catalog.errors import ProductError
from tryon.catalog.paths import escape_reason

__all__ = [
    "MANIFEST_NAME",
    "SCHEMA_VERSION",
    "EyewearAnchors",
    "EyewearParams",
    "EyewearProduct",
    "LensMaterial",
    "ProductManifest",
    "SizeMarkings",
    "load_manifest",
    "manifest_json_schema",
    "parse_manifest",
]

MANIFEST_NAME = "product.json"
SCHEMA_VERSION: Literal[1] = 1
_MARKING = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*[□xX-]\s*(\d+(?:\.\d+)?)\s*-\s*(\d+(?:\.\d+)?)\s*$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _relative(value: str) -> str:
    reason = escape_reason(value)
    if reason is not None:
        raise ValueError(reason)
    return value


class SizeMarkings(_Model):
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


class EyewearAnchors(_Model):
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


class LensMaterial(_Model):
    """How the lenses look; the model's lens material is authoritative for the renderer."""

    tint: str = Field(pattern=r"^#[0-9a-fA-F]{6}$", description="sRGB tint colour.")
    gradient: bool = False
    mirror: bool = False
    transmission: float = Field(ge=0.0, le=1.0)


class EyewearParams(_Model):
    model: str = Field(description="The glTF/GLB file, relative to the product folder.")
    size: SizeMarkings
    anchors: EyewearAnchors = EyewearAnchors()
    lens: LensMaterial
    style: str | None = None

    @field_validator("model")
    @classmethod
    def _model_is_gltf(cls, value: str) -> str:
        _relative(value)
        if not value.lower().endswith((".glb", ".gltf")):
            raise ValueError(f"model must be a .glb or .gltf file, got {value!r}")
        return value


class _ProductBase(_Model):
    schema_version: Literal[1] = 1
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$", description="Also the folder name.")
    name: str = Field(min_length=1, max_length=120)
    brand: str = Field(min_length=1, max_length=80)
    price: float = Field(ge=0)
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code.")
    thumbnails: tuple[str, ...] = ()

    @field_validator("thumbnails")
    @classmethod
    def _thumbnails_relative(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_relative(v) for v in value)


class EyewearProduct(_ProductBase):
    category: Literal["eyewear"]
    eyewear: EyewearParams


ProductManifest = Annotated[Union[EyewearProduct], Field(discriminator="category")]  # noqa: UP007
_ADAPTER: TypeAdapter[EyewearProduct] = TypeAdapter(ProductManifest)


def parse_manifest(data: Any, source: Path | str = "<manifest>") -> EyewearProduct:
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


def load_manifest(path: Path) -> EyewearProduct:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ProductError(path, f"cannot read the manifest ({exc.strerror})") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ProductError(path, f"manifest is not JSON: {exc}") from None
    return parse_manifest(data, path)


def manifest_json_schema() -> dict[str, Any]:
    """The JSON Schema of a manifest (what ``products/product.schema.json`` holds)."""
    schema = _ADAPTER.json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "tryon product manifest"
    return schema
