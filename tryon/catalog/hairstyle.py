"""Hairstyle products: a 3D hairstyle (strand cards over a scalp cap) worn on the head.

``"category": "hairstyle"`` with ``"hairstyle": {"model": "model.glb", "length": "bob",
"color": "#3b2a20", "design_head_width_mm": 139.4}``. The model is in the head frame of the
style's design head (metres, origin at the top of the forehead, face mesh landmark 10, where
the renderer anchors it; +X the wearer's left, +Y up, +Z out of the face);
``design_head_width_mm`` is that head's ear-to-ear width, and the renderer scales the style
by the wearer's (its :class:`~tryon.render.fit.HeadProxy`'s) over it. ``color`` is the
strands' sRGB colour (the model's cards are drawn in it). Where the wearer's own hair shows
outside the style it is dyed ``color`` in shadow: at most ``own_hair_shade`` (optional, 0..1)
of that colour's brightness, never brighter than it was. How strongly the style is worn
(0..1: the cards' opacity and how much of the dye the own hair takes) is the look's
``intensity``.
The renderer's hairstyle pass (:mod:`tryon.render.hairstyle_pass`) draws it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tryon.catalog.manifest_base import GltfFile, HexColor, Model, ProductBase

__all__ = ["OWN_HAIR_SHADE", "HairLength", "HairstyleParams", "HairstyleProduct"]

HairLength = Literal["fringe", "short", "bob", "long", "updo"]
#: The own hair's brightness outside a style at most, over the style colour's, unless its
#: manifest says otherwise.
OWN_HAIR_SHADE = 0.3


class HairstyleParams(Model):
    model: GltfFile = Field(description="The glTF/GLB file, relative to the product folder.")
    length: HairLength = Field(description="Length class, for listings and filters.")
    color: HexColor = Field(description="sRGB colour of the strands as #rrggbb.")
    design_head_width_mm: float = Field(
        ge=100.0,
        le=200.0,
        description="Ear-to-ear width of the head the model was made for, millimetres.",
    )
    own_hair_shade: float = Field(
        default=OWN_HAIR_SHADE,
        ge=0.0,
        le=1.0,
        description="The wearer's own hair where it shows outside the style is dyed its colour"
        " in shadow: at most this share of the colour's brightness (0 black), never brighter"
        " than it was.",
    )


class HairstyleProduct(ProductBase):
    category: Literal["hairstyle"]
    hairstyle: HairstyleParams

    @property
    def model_file(self) -> str:
        return self.hairstyle.model

    def summary(self) -> str:
        return f"{self.hairstyle.length} {self.hairstyle.color}"
