"""Product kinds on the render side: how a catalog product becomes a worn item, and which
pass draws it. Adding a kind is one entry here (plus its manifest model, its pass and its
place in the widget); the engine and the renderer dispatch through this table."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tryon.catalog.asset import Asset
from tryon.catalog.catalog import Catalog
from tryon.catalog.eyewear_gen import srgb_to_linear
from tryon.catalog.hair_color import HairColorProduct
from tryon.catalog.hairstyle import HairstyleProduct
from tryon.catalog.look import Look
from tryon.catalog.makeup import MakeupProduct
from tryon.catalog.manifest import EyewearProduct, Product
from tryon.render.eyewear_pass import EyewearPass, WornEyewear
from tryon.render.hair_color_pass import HairColorPass, WornHairColor, wear_hair_color
from tryon.render.hairstyle_pass import HairstylePass, WornHairstyle
from tryon.render.makeup_pass import MakeupPass, WornMakeup
from tryon.render.passes import RenderPass, Worn

__all__ = ["Kind", "kind_of_item", "worn_item", "worn_items"]


@dataclass(frozen=True, slots=True)
class Kind:
    """One product kind: its manifest type, its worn-item type, how to make one, its pass."""

    manifest: type[Any]
    worn: type[Any]
    wear: Callable[[Any, Asset | None, float], Worn]
    render_pass: type[RenderPass[Any]]
    #: The engine gives its pass each face's hair matte (:mod:`tryon.segmentation`).
    needs_matte: bool = False
    #: ... but only a matte of hair alone (:attr:`FaceMatte.hair_only`): its pass ignores
    #: the model-free fallback's, so the engine makes none with it.
    needs_hair_only: bool = False


def _wear_eyewear(product: EyewearProduct, asset: Asset | None, intensity: float) -> Worn:
    if asset is None:
        raise ValueError(f"eyewear product {product.id!r} needs its model to be worn")
    return WornEyewear(asset, intensity=intensity, anchors=product.eyewear.anchors)


def _wear_makeup(product: MakeupProduct, asset: Asset | None, intensity: float) -> Worn:
    return WornMakeup(product.makeup, intensity=intensity)


def _wear_hairstyle(product: HairstyleProduct, asset: Asset | None, intensity: float) -> Worn:
    if asset is None:
        raise ValueError(f"hairstyle product {product.id!r} needs its model to be worn")
    style = product.hairstyle
    width_m = style.design_head_width_mm / 1000.0
    color = srgb_to_linear(style.color)
    return WornHairstyle(asset, color, width_m, intensity, style.own_hair_shade)


#: Every kind the renderer draws, in no particular order (passes run by stage).
KINDS: tuple[Kind, ...] = (
    Kind(EyewearProduct, WornEyewear, _wear_eyewear, EyewearPass),
    Kind(MakeupProduct, WornMakeup, _wear_makeup, MakeupPass),
    Kind(
        HairstyleProduct,
        WornHairstyle,
        _wear_hairstyle,
        HairstylePass,
        needs_matte=True,
        needs_hair_only=True,
    ),
    Kind(
        HairColorProduct,
        WornHairColor,
        lambda p, _a, i: wear_hair_color(p, i),
        HairColorPass,
        needs_matte=True,
    ),
)


def worn_item(product: Product, asset: Asset | None, intensity: float) -> Worn:
    """The worn item for ``product`` at ``intensity`` (``asset``: its model, if it has one).
    ``ValueError`` for a product no pass draws (a look must be expanded first)."""
    for kind in KINDS:
        if isinstance(product, kind.manifest):
            return kind.wear(product, asset, intensity)
    raise ValueError(
        f"product {product.id!r} is a {product.category!r}, which is not drawn directly"
        " (expand looks with Catalog.expand first)"
    )


def worn_items(catalog: Catalog, look: Look) -> tuple[Worn, ...]:
    """``look``'s products as worn items, in order: looks expanded, models loaded."""
    return tuple(
        worn_item(catalog.get(i.product_id), catalog.asset_for(i.product_id), i.intensity)
        for i in catalog.expand(look).items
    )


def kind_of_item(item: Worn) -> Kind:
    """The kind whose pass draws ``item``; ``TypeError`` for an unknown item type."""
    for kind in KINDS:
        if isinstance(item, kind.worn):
            return kind
    raise TypeError(f"no render pass draws a {type(item).__name__}")
