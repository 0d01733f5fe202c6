"""The hair-colour pass: recolours each face's hair on the camera image with the hair dye
(:mod:`tryon.render.hair_dye`: in linear light, under the face's hair matte, strands and
highlights kept; ombré and balayage from root to tip along the head's vertical axis).

Per face, the last hair colour it wears is drawn (a look's later items win); an item at
intensity 0 draws nothing, so the frame comes back byte for byte.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tryon.catalog.eyewear_gen import srgb_to_linear
from tryon.catalog.hair_color import HairColorProduct
from tryon.render.hair_dye import Dye, HairDye
from tryon.render.passes import DrawContext, PassFace, PassResources, RenderPass, Stage
from tryon.render.target import Box
from tryon.tracking.camera import CameraIntrinsics

__all__ = ["HairColorPass", "WornHairColor", "wear_hair_color"]


@dataclass(frozen=True, slots=True)
class WornHairColor(Dye):
    """A hair colour as worn: linear root and tip colours, style, blend, intensity (at the
    dye's own brightness, ``shade`` 1)."""


def wear_hair_color(product: HairColorProduct, intensity: float) -> WornHairColor:
    p = product.hair_color
    root = srgb_to_linear(p.color)
    tip = root if p.tip_color is None else srgb_to_linear(p.tip_color)
    return WornHairColor(root, tip, p.style, p.blend, intensity)


class HairColorPass(RenderPass[WornHairColor]):
    """Recolours hair under each face's matte, on the face image."""

    stages = (Stage.FACE_IMAGE,)

    def __init__(self, resources: PassResources) -> None:
        super().__init__(resources)
        self.dye = HairDye(self.ctx, self.programs)

    def prepare(
        self, faces: Sequence[PassFace[WornHairColor]], camera: CameraIntrinsics
    ) -> Box | None:
        return self.dye.prepare([(face, face.items[-1]) for face in faces])

    def regions(self) -> tuple[Box, ...] | None:
        return self.dye.regions()

    def draw(self, stage: Stage, dc: DrawContext) -> None:
        self.dye.draw(dc)

    def thumbnail(self, item: WornHairColor, dc: DrawContext) -> None:
        """A swatch: the dye over the whole square, root at the top, tip at the bottom."""
        self.dye.swatch(item, dc)

    def objects(self) -> tuple[object, ...]:
        return self.dye.objects()

    def release(self) -> None:
        self.dye.release()
