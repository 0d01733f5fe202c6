"""Makeup products: a colour put on one area of the face, with a finish.

A makeup manifest has no files: ``"category": "makeup"`` with ``"makeup": {"area": "lips",
"color": "#a8324a", "finish": "satin"}``. Eyeshadow may colour its crease and outer corner
apart from the lid (``crease_color``, ``outer_color``); eyeliner has a wing style (``wing``).
How strongly it is worn (0..1) is the look's ``intensity``. The renderer's makeup pass
(:mod:`tryon.render.makeup_pass`) draws it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from tryon.catalog.manifest_base import HexColor, Model, ProductBase

__all__ = [
    "FINISHES",
    "MakeupArea",
    "MakeupFinish",
    "MakeupParams",
    "MakeupProduct",
    "WingStyle",
]

MakeupArea = Literal[
    "lips",
    "lip-liner",
    "eyeshadow",
    "eyeliner",
    "mascara",
    "contacts",
    "brows",
    "blush",
    "contour",
    "highlighter",
    "foundation",
    "concealer",
]
MakeupFinish = Literal["matte", "satin", "gloss", "metallic", "shimmer"]
#: Eyeliner wing styles: a line along the lashes only, a short flick, a long lifted wing.
WingStyle = Literal["none", "classic", "dramatic"]

#: The finishes each area takes (the first is the default).
FINISHES: dict[str, tuple[str, ...]] = {
    "lips": ("satin", "matte", "gloss", "metallic", "shimmer"),
    "lip-liner": ("matte",),
    "eyeshadow": ("matte", "satin", "metallic", "shimmer"),
    "eyeliner": ("matte", "gloss"),
    "mascara": ("matte",),
    "contacts": ("matte",),
    "brows": ("matte",),
    "blush": ("matte", "satin", "shimmer"),
    "contour": ("matte",),
    "highlighter": ("satin", "shimmer", "metallic"),
    "foundation": ("satin", "matte"),
    "concealer": ("satin", "matte"),
}


class MakeupParams(Model):
    area: MakeupArea
    color: HexColor = Field(description="sRGB colour as #rrggbb.")
    finish: MakeupFinish | None = Field(
        default=None, description="One of the area's finishes; the area's default if omitted."
    )
    crease_color: HexColor | None = Field(
        default=None, description="Eyeshadow only: the crease's sRGB colour (none: no crease)."
    )
    outer_color: HexColor | None = Field(
        default=None,
        description="Eyeshadow only: the outer corner's sRGB colour (none: no outer corner).",
    )
    wing: WingStyle | None = Field(
        default=None, description="Eyeliner only: the wing style; 'classic' if omitted."
    )

    @model_validator(mode="after")
    def _fields_fit_area(self) -> MakeupParams:
        allowed = FINISHES[self.area]
        if self.finish is not None and self.finish not in allowed:
            raise ValueError(
                f"finish {self.finish!r} does not apply to {self.area}; use one of {list(allowed)}"
            )
        only = {"crease_color": "eyeshadow", "outer_color": "eyeshadow", "wing": "eyeliner"}
        for name, area in only.items():
            if getattr(self, name) is not None and self.area != area:
                raise ValueError(f"{name} applies to {area} only, not to {self.area}")
        return self

    @property
    def effective_wing(self) -> WingStyle:
        return self.wing or "classic"

    @property
    def effective_finish(self) -> str:
        return self.finish or FINISHES[self.area][0]


class MakeupProduct(ProductBase):
    category: Literal["makeup"]
    makeup: MakeupParams

    def summary(self) -> str:
        return f"{self.makeup.area} {self.makeup.color} {self.makeup.effective_finish}"
