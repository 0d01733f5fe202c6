"""What every product manifest shares: strict frozen models, the common fields, and the
hooks a product kind overrides (the files it references, its 3D model if it has one, a line
that sums it up). Each kind lives in its own module and joins the union in
:mod:`tryon.catalog.manifest`."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

from tryon.catalog.paths import escape_reason

__all__ = ["PRODUCT_ID_PATTERN", "GltfFile", "HexColor", "Model", "ProductBase", "relative_path"]

#: A product id: lower-case letters, digits and dashes; also the product's folder name.
PRODUCT_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,63}$"

#: An sRGB colour as ``#rrggbb``.
HexColor = Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$")]


class Model(BaseModel):
    """Strict (unknown fields are errors) and frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def relative_path(value: str) -> str:
    """``value`` if it is a relative path that stays inside the product folder."""
    reason = escape_reason(value)
    if reason is not None:
        raise ValueError(reason)
    return value


def _gltf_file(value: str) -> str:
    relative_path(value)
    if not value.lower().endswith((".glb", ".gltf")):
        raise ValueError(f"model must be a .glb or .gltf file, got {value!r}")
    return value


#: A glTF/GLB file, relative to the product folder and staying inside it.
GltfFile = Annotated[str, AfterValidator(_gltf_file)]


class ProductBase(Model):
    """The fields every product has, whatever its kind (``category``)."""

    schema_version: Literal[1] = 1
    id: str = Field(pattern=PRODUCT_ID_PATTERN, description="Also the folder name.")
    name: str = Field(min_length=1, max_length=120)
    brand: str = Field(min_length=1, max_length=80)
    price: float = Field(ge=0)
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code.")
    thumbnails: tuple[str, ...] = ()

    @field_validator("thumbnails")
    @classmethod
    def _thumbnails_relative(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(relative_path(v) for v in value)

    @property
    def model_file(self) -> str | None:
        """The product's 3D model (glTF/GLB, relative to its folder), if its kind has one."""
        return None

    def files(self) -> tuple[str, ...]:
        """Every file the manifest references, relative to the product folder."""
        model = self.model_file
        return (*self.thumbnails, *(() if model is None else (model,)))

    def summary(self) -> str:
        """A few words that tell this product from others of its kind (for listings)."""
        return ""

    def parts(self) -> tuple[tuple[str, float], ...]:
        """The products this one is made of, in order, each with its intensity (a look's
        items); none for most kinds."""
        return ()

    def required_nodes(self) -> tuple[str, ...]:
        """Names of the nodes its model must have (the anchors a fit reads)."""
        return ()
