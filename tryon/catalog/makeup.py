"""Makeup products: a colour put on one area of the face, with a finish.

A makeup manifest has no files: ``"category": "makeup"`` with ``"makeup": {"area": "lips",
"color": "#a8324a", "finish": "satin"}``. How strongly it is worn (0..1) is the look's
``intensity``. The renderer's makeup pass (:mod:`tryon.render.makeup_pass`) draws it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from tryon.catalog.manifest_base import HexColor, Model, ProductBase

__all__ = ["FINISHES", "MakeupArea", "MakeupFinish", "MakeupParams", "MakeupProduct"]

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

    @model_validator(mode="after")
    def _finish_fits_area(self) -> MakeupParams:
        allowed = FINISHES[self.area]
        if self.finish is not None and self.finish not in allowed:
            raise ValueError(
                f"finish {self.finish!r} does not apply to {self.area}; use one of {list(allowed)}"
            )
        return self

    @property
    def effective_finish(self) -> str:
        return self.finish or FINISHES[self.area][0]


class MakeupProduct(ProductBase):
    category: Literal["makeup"]
    makeup: MakeupParams

    def summary(self) -> str:
        return f"{self.makeup.area} {self.makeup.color} {self.makeup.effective_finish}"
