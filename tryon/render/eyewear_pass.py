"""The eyewear pass: 3D frames fitted to the face, PBR frame parts, see-through lenses.

Per frame each worn frame is fitted to its face (:mod:`tryon.render.fit`: on the nose bridge,
lens centres at pupil height, temples turned to the ears; true to size, never scaled to the
face). Opaque parts are shaded with metallic-roughness PBR; the box drawn so far is copied
and the lenses (the asset's blended or transmissive materials) are drawn last, seeing that
copy (frame and temples) through their tint.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import moderngl
import numpy as np
from numpy.typing import NDArray

from tryon.catalog.asset import Asset
from tryon.catalog.manifest import EyewearAnchors
from tryon.render.fit import EyewearFit, EyewearPose, Part, eyewear_part, fit_eyewear
from tryon.render.gl_state import Culling
from tryon.render.gpu_asset import GpuAsset
from tryon.render.model_view import projected_box, three_quarter_view
from tryon.render.passes import (
    HANDEDNESS,
    DrawContext,
    PassFace,
    PassResources,
    RenderPass,
    Stage,
    check_intensity,
)
from tryon.render.product_pass import draw_lens, draw_opaque
from tryon.render.target import Box
from tryon.tracking.camera import CameraIntrinsics

__all__ = ["EyewearPass", "WornEyewear"]

#: Thumbnails: three-quarter view angles, degrees.
_THUMB_YAW, _THUMB_PITCH = -32.0, 12.0


@dataclass(frozen=True, slots=True)
class WornEyewear:
    """A pair of glasses as worn: the asset (uploaded once), its fit, ``intensity`` (0 =
    clear lenses, 1 = the material's full tint) and the names of its anchor nodes (the
    manifest's ``eyewear.anchors``)."""

    asset: Asset
    fit: EyewearFit = field(default_factory=EyewearFit)
    intensity: float = 1.0
    anchors: EyewearAnchors = field(default_factory=EyewearAnchors)

    def __post_init__(self) -> None:
        check_intensity("WornEyewear", self.intensity)


@dataclass(frozen=True, slots=True)
class _Draw:
    """One pair of glasses on one face, with each part's camera-from-asset matrix."""

    item: WornEyewear
    gpu: GpuAsset
    matrices: dict[Part, NDArray[np.float32]]

    @classmethod
    def posed(cls, item: WornEyewear, gpu: GpuAsset, pose: EyewearPose) -> _Draw:
        return cls(item, gpu, {part: pose.part_matrix(part) for part in gpu.part_bounds})


class EyewearPass(RenderPass[WornEyewear]):
    """Draws :class:`WornEyewear` (assets uploaded once, through the shared cache)."""

    stages = (Stage.OPAQUE, Stage.LENS)
    needs_occluder = True

    def __init__(self, resources: PassResources) -> None:
        super().__init__(resources)
        self._draws: list[_Draw] = []

    def prepare(
        self, faces: Sequence[PassFace[WornEyewear]], camera: CameraIntrinsics
    ) -> Box | None:
        self._draws = [
            _Draw.posed(
                item,
                self._gpu_asset(item.asset),
                fit_eyewear(f.face, item.asset, item.fit, anchors=item.anchors, proxy=f.head),
            )
            for f in faces
            for item in f.items
        ]
        placed = (
            (bounds, d.matrices[part])
            for d in self._draws
            for part, bounds in d.gpu.part_bounds.items()
        )
        return projected_box(placed, camera)

    def draw(self, stage: Stage, dc: DrawContext) -> None:
        if stage == Stage.OPAQUE:
            self._draw_opaque(self._draws, dc)
        elif stage == Stage.LENS:
            self._draw_lenses(self._draws, dc)

    def thumbnail(self, item: WornEyewear, dc: DrawContext) -> None:
        """A three-quarter view filling most of the square."""
        model = three_quarter_view(item.asset.bounds, dc.camera, _THUMB_YAW, _THUMB_PITCH, 1.02)
        pose = EyewearPose(model=model, temple_left=np.eye(4), temple_right=np.eye(4))
        draws = [_Draw.posed(item, self._gpu_asset(item.asset), pose)]
        dc.ctx.enable(moderngl.DEPTH_TEST)
        try:
            self._draw_opaque(draws, dc)
            self._draw_lenses(draws, dc)
        finally:
            dc.ctx.disable(moderngl.DEPTH_TEST)

    # ------------------------------------------------------------------ internals

    def _gpu_asset(self, asset: Asset) -> GpuAsset:
        return self.resources.assets.get(asset, part_of=eyewear_part, blended_program="lens")

    def _draw_opaque(self, draws: Sequence[_Draw], dc: DrawContext) -> None:
        culling = Culling(dc.ctx)
        for d in draws:
            for prim in d.gpu.opaque:
                culling.set(not prim.material.double_sided)
                draw_opaque(
                    prim, d.matrices[prim.part], dc.projection, HANDEDNESS, dc.detail_focal_px
                )

    def _draw_lenses(self, draws: Sequence[_Draw], dc: DrawContext) -> None:
        """Lenses over a copy of what is behind them, without writing depth."""
        lenses = [(d, prim) for d in draws for prim in d.gpu.blended]
        if not lenses:
            return
        ctx, target = dc.ctx, dc.target
        _, _, w, h = dc.box
        transmissive = any(prim.material.transmission > 0.0 for _, prim in lenses)
        backdrop = target.backdrop(w, h) if transmissive else None
        target.fbo.depth_mask = False
        target.fbo.use()  # moderngl applies a framebuffer's masks when it is bound
        culling = Culling(ctx)
        blending: bool | None = None
        try:
            for d, prim in lenses:
                culling.set(not prim.material.double_sided)
                blend = prim.material.transmission <= 0.0
                if blend != blending:
                    blending = blend
                    if blend:
                        ctx.enable(moderngl.BLEND)
                        ctx.blend_func = moderngl.SRC_ALPHA, moderngl.ONE_MINUS_SRC_ALPHA
                    else:
                        ctx.disable(moderngl.BLEND)
                draw_lens(prim, d.matrices[prim.part], dc.projection, d.item.intensity, backdrop)
        finally:
            target.fbo.depth_mask = True
            target.fbo.use()
