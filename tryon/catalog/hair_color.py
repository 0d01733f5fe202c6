"""Hair-colour products: a dye shade and how it is laid on the hair.

``"category": "hair_color"`` with ``"hair_color": {"color": "#6b3e26", "style": "ombre",
"tip_color": "#d9b27c"}``. Styles: ``solid`` (one colour), ``highlights`` (streaks of
``tip_color`` from root to tip over ``color``), ``ombre`` (``color`` at the roots fading to
``tip_color`` at the tips) and ``balayage`` (an ombré painted in streaks). ``blend`` places the
fade along the hair (0: near the roots, 1: near the tips) or sets how much of the hair the
streaks cover. How strongly it is worn (0..1) is the look's ``intensity``. The renderer's
hair-colour pass (:mod:`tryon.render.hair_color_pass`) draws it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from tryon.catalog.manifest_base import HexColor, Model, ProductBase

__all__ = ["HairColorParams", "HairColorProduct", "HairStyle"]

HairStyle = Literal["solid", "highlights", "ombre", "balayage"]


class HairColorParams(Model):
    color: HexColor = Field(description="sRGB colour of the dye (at the roots), #rrggbb.")
    style: HairStyle = "solid"
    tip_color: HexColor | None = Field(
        default=None, description="Second colour (tips or streaks); not for solid."
    )
    blend: float = Field(default=0.5, ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _tip_color_fits_style(self) -> HairColorParams:
        if self.style == "solid" and self.tip_color is not None:
            raise ValueError("tip_color does not apply to the solid style; leave it out")
        if self.style != "solid" and self.tip_color is None:
            raise ValueError(f"the {self.style} style needs a tip_color")
        return self


class HairColorProduct(ProductBase):
    category: Literal["hair_color"]
    hair_color: HairColorParams

    def summary(self) -> str:
        p = self.hair_color
        return f"{p.style} {p.color}" + ("" if p.tip_color is None else f" to {p.tip_color}")
