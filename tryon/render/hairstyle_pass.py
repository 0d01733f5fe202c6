"""The hairstyle pass: 3D hairstyles (strand cards over a scalp cap) on the head.

Per frame each worn style is placed on its face: the model's origin (the top of its design
head's forehead) goes to the face mesh's forehead top (landmark 10), turned with the head, and
the model is scaled by the wearer's ear-to-ear width (the
:class:`~tryon.render.fit.HeadProxy`'s) over the design head's (``design_head_width_mm`` in
the manifest). The opaque cap is drawn in
:attr:`Stage.OPAQUE` (PBR), the cards in :attr:`Stage.BLENDED` with the ``hair`` program
(Kajiya-Kay highlights), in the model's order (inner layers first, back to front), depth
tested against the head occluder and the cap but not writing depth.

Before them, in :attr:`Stage.FACE_IMAGE`, the wearer's own hair (the face's hair matte) is
dyed the style's colour in shadow with the hair dye (:mod:`tryon.render.hair_dye`): at most
``own_hair_shade`` of that colour's brightness and never brighter than it was, at the style's
intensity. Where it shows outside the cards (long hair under a bob) it reads as the style's
hair in shadow, so the new outline reads; under the cards nothing changes. Without a matte of
hair alone (none made, or the model-free fallback's, which takes the neck and collar too) the
own hair is left as it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import moderngl
import numpy as np
from numpy.typing import NDArray

from tryon.catalog.asset import Asset
from tryon.catalog.hairstyle import OWN_HAIR_SHADE
from tryon.render.fit import HeadProxy, Part, head_frame_vertices
from tryon.render.gl_state import Culling
from tryon.render.gpu_asset import GpuAsset, GpuPrimitive
from tryon.render.hair_dye import Dye, HairDye
from tryon.render.model_view import projected_box, three_quarter_view
from tryon.render.passes import (
    HANDEDNESS,
    DrawContext,
    PassFace,
    PassResources,
    RenderPass,
    Stage,
    check_intensity,
    union_box,
)
from tryon.render.product_pass import draw_opaque
from tryon.render.target import Box
from tryon.render.uniforms import set_matrix, set_uniform
from tryon.tracking.camera import CameraIntrinsics
from tryon.tracking.geometry import FaceGeometry

__all__ = ["HairstylePass", "WornHairstyle", "hair_model_matrix"]

#: The face mesh landmark at the top of the forehead: where a style's origin goes.
FOREHEAD_TOP = 10
#: Thumbnails: three-quarter view angles, degrees (the face's side toward the camera).
_THUMB_YAW, _THUMB_PITCH = 35.0, 12.0


@dataclass(frozen=True, slots=True)
class WornHairstyle:
    """A hairstyle as worn: the asset (uploaded once), the strands' linear RGB colour, the
    design head's ear-to-ear width in metres, ``intensity`` (the strands' opacity, and how
    much the wearer's own hair is dyed) and ``own_hair_shade`` (the own hair's brightness at
    most, over the strands' colour's, where it shows outside them)."""

    asset: Asset
    color: tuple[float, float, float]
    design_head_width_m: float
    intensity: float = 1.0
    own_hair_shade: float = OWN_HAIR_SHADE

    def __post_init__(self) -> None:
        check_intensity("WornHairstyle", self.intensity)
        if not 0.0 <= self.own_hair_shade <= 1.0:
            raise ValueError(
                f"WornHairstyle.own_hair_shade must be in [0, 1], got {self.own_hair_shade!r}"
            )
        if not 0.05 <= self.design_head_width_m <= 0.3:
            raise ValueError(
                "WornHairstyle.design_head_width_m must be in [0.05, 0.3] metres,"
                f" got {self.design_head_width_m!r}"
            )
        if len(self.color) != 3 or not all(0.0 <= c <= 1.0 for c in self.color):
            raise ValueError(f"WornHairstyle.color must be 3 floats in [0, 1], got {self.color!r}")


def hair_model_matrix(
    face: FaceGeometry, head: HeadProxy, design_head_width_m: float
) -> NDArray[np.float64]:
    """Camera-from-asset: the style's origin on the top of the forehead (landmark 10),
    turned with the head, scaled by the head's width over the design head's."""
    scale = 2.0 * head.radii[0] / design_head_width_m
    anchor = head_frame_vertices(face)[FOREHEAD_TOP]
    model = np.eye(4)
    model[:3, :3] = face.rotation * scale
    model[:3, 3] = face.rotation @ anchor + face.translation
    return model


def _part(node_path: tuple[str, ...]) -> Part:
    """A hairstyle is one rigid part."""
    return "front"


@dataclass(frozen=True, slots=True)
class _Draw:
    """One hairstyle on one face."""

    item: WornHairstyle
    gpu: GpuAsset
    model: NDArray[np.float32]


class HairstylePass(RenderPass[WornHairstyle]):
    """Draws :class:`WornHairstyle` (assets uploaded once, through the shared cache)."""

    stages = (Stage.FACE_IMAGE, Stage.OPAQUE, Stage.BLENDED)
    needs_occluder = True

    def __init__(self, resources: PassResources) -> None:
        super().__init__(resources)
        self._draws: list[_Draw] = []
        self._own_hair = HairDye(self.ctx, self.programs, shading=True)

    def prepare(
        self, faces: Sequence[PassFace[WornHairstyle]], camera: CameraIntrinsics
    ) -> Box | None:
        self._draws = [
            _Draw(
                item,
                self._gpu_asset(item.asset),
                hair_model_matrix(f.face, f.head, item.design_head_width_m).astype(np.float32),
            )
            for f in faces
            for item in f.items
            if item.intensity > 0.0
        ]
        cards = projected_box(((d.item.asset.bounds, d.model) for d in self._draws), camera)
        parsed = [f for f in faces if f.matte is not None and f.matte.hair_only]
        own_hair = self._own_hair.prepare([(f, _own_hair_dye(f.items[-1])) for f in parsed])
        return union_box([cards, own_hair])

    def draw(self, stage: Stage, dc: DrawContext) -> None:
        if stage == Stage.FACE_IMAGE:
            self._own_hair.draw(dc)
        elif stage == Stage.OPAQUE:
            self._draw_caps(self._draws, dc)
        elif stage == Stage.BLENDED:
            self._draw_cards(self._draws, dc)

    def thumbnail(self, item: WornHairstyle, dc: DrawContext) -> None:
        """A three-quarter view of the style from the front, filling most of the square."""
        model = three_quarter_view(item.asset.bounds, dc.camera, _THUMB_YAW, _THUMB_PITCH, 0.9)
        draws = [_Draw(item, self._gpu_asset(item.asset), model.astype(np.float32))]
        dc.ctx.enable(moderngl.DEPTH_TEST)
        try:
            self._draw_caps(draws, dc)
            self._draw_cards(draws, dc)
        finally:
            dc.ctx.disable(moderngl.DEPTH_TEST)

    def objects(self) -> tuple[object, ...]:
        return self._own_hair.objects()

    def release(self) -> None:
        self._own_hair.release()
        self._draws = []

    # ------------------------------------------------------------------ internals

    def _gpu_asset(self, asset: Asset) -> GpuAsset:
        return self.resources.assets.get(asset, part_of=_part, blended_program="hair")

    def _draw_caps(self, draws: Sequence[_Draw], dc: DrawContext) -> None:
        culling = Culling(dc.ctx)
        for d in draws:
            for prim in d.gpu.opaque:
                culling.set(not prim.material.double_sided)
                draw_opaque(prim, d.model, dc.projection, HANDEDNESS, dc.detail_focal_px)

    def _draw_cards(self, draws: Sequence[_Draw], dc: DrawContext) -> None:
        """Cards over what is drawn, depth tested, not writing depth, in the model's order."""
        cards = [(d, prim) for d in draws for prim in d.gpu.blended]
        if not cards:
            return
        ctx, target = dc.ctx, dc.target
        target.fbo.depth_mask = False
        target.fbo.use()  # moderngl applies a framebuffer's masks when it is bound
        culling = Culling(ctx)
        ctx.enable(moderngl.BLEND)
        ctx.blend_func = (  # type: ignore[assignment]
            moderngl.SRC_ALPHA,
            moderngl.ONE_MINUS_SRC_ALPHA,
            moderngl.ONE,
            moderngl.ONE_MINUS_SRC_ALPHA,
        )
        try:
            for d, prim in cards:
                culling.set(not prim.material.double_sided)
                _draw_card_primitive(prim, d, dc.projection)
        finally:
            target.fbo.depth_mask = True
            target.fbo.use()


def _own_hair_dye(item: WornHairstyle) -> Dye:
    """The dye for the wearer's own hair under ``item`` (the face's last style): the
    strands' colour, shaded, at the style's intensity."""
    return Dye(item.color, item.color, intensity=item.intensity, shade=item.own_hair_shade)


def _draw_card_primitive(prim: GpuPrimitive, d: _Draw, projection: NDArray[np.float32]) -> None:
    program = prim.program
    set_matrix(program, "u_projection", projection)
    set_matrix(program, "u_model", d.model)
    set_uniform(program, "u_base_color", (*d.item.color, prim.material.base_color[3]))
    set_uniform(program, "u_intensity", d.item.intensity)
    for unit, (uniform, texture) in enumerate(prim.textures.items()):
        texture.use(unit)
        program[uniform] = unit
    prim.render()
