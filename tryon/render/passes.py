"""Render passes: what a product kind draws, and when, in the renderer's one frame.

The renderer runs an ordered list of passes over each frame, stage by stage (:class:`Stage`):
the camera frame; passes on the face image (makeup, hair colour); the head occluder (depth
only), drawn when a pass has 3D parts that the head must hide; 3D products' opaque parts,
then their blended parts (hair cards), then see-through parts (lenses). Each pass says which
box of the frame it covers (:meth:`RenderPass.prepare`); only the union of those boxes is
uploaded, drawn, smoothed and read back.

A product kind is a worn-item dataclass (built from its manifest by
:mod:`tryon.render.kinds`) and a :class:`RenderPass` that draws those items. The renderer
knows no kind by name.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING, ClassVar, Generic, Protocol, TypeVar

import moderngl
import numpy as np
from numpy.typing import NDArray

from tryon.render.asset_cache import GpuAssetCache
from tryon.render.background import BackgroundPass
from tryon.render.fit import HeadProxy
from tryon.render.programs import ProgramCache
from tryon.render.target import Box, RenderTarget
from tryon.tracking.camera import CameraIntrinsics
from tryon.tracking.geometry import FaceGeometry

if TYPE_CHECKING:
    from tryon.segmentation.hair_matte import FaceMatte

__all__ = [
    "HANDEDNESS",
    "DrawContext",
    "FaceWear",
    "PassFace",
    "PassResources",
    "RenderPass",
    "Stage",
    "Worn",
    "check_intensity",
    "union_box",
]

#: Handedness of screen space under the renderer's flipped projection (for derivative
#: tangent frames).
HANDEDNESS = -1.0


class Stage(IntEnum):
    """When a pass draws, in this order."""

    #: On the camera image, before anything 3D (makeup, hair colour); no depth test.
    FACE_IMAGE = 1
    #: 3D products' opaque parts, depth-tested against the head occluder.
    OPAQUE = 2
    #: 3D products' alpha-blended parts (hair cards), over the opaque ones.
    BLENDED = 3
    #: See-through parts (lenses) that sample a copy of what is behind them.
    LENS = 4


class Worn(Protocol):
    """A product as one face wears it: each kind has its own dataclass with an intensity."""

    @property
    def intensity(self) -> float: ...


def check_intensity(owner: str, intensity: float) -> None:
    """``ValueError`` naming ``owner`` unless ``intensity`` is in [0, 1]."""
    if not 0.0 <= intensity <= 1.0:
        raise ValueError(f"{owner}.intensity must be in [0, 1], got {intensity!r}")


@dataclass(frozen=True, slots=True)
class FaceWear:
    """One face and what it wears, in look order (later items drawn over earlier ones)."""

    face: FaceGeometry
    items: tuple[Worn, ...]
    #: The face's hair matte this frame, when an item's kind needs one (``Kind.needs_matte``).
    matte: FaceMatte | None = None

    @classmethod
    def each(cls, faces: Sequence[FaceGeometry], items: Sequence[Worn]) -> list[FaceWear]:
        """Every face wearing the same ``items``."""
        return [cls(face, tuple(items)) for face in faces]


W = TypeVar("W", bound=Worn)


@dataclass(frozen=True, slots=True)
class PassFace(Generic[W]):
    """A face, its head proxy and the items of one pass's kind that it wears, in order."""

    face: FaceGeometry
    head: HeadProxy
    items: tuple[W, ...]
    matte: FaceMatte | None = None


@dataclass(frozen=True, slots=True)
class DrawContext:
    """What a pass draws with: the bound target, the box being drawn (at the target's
    corner), the camera of that box and its flipped projection, and the camera frame's
    texture (the box's texels are uploaded; texel = box offset + fragment position).
    ``fill``: no background is drawn, and only the pass's :meth:`RenderPass.regions` are
    uploaded: the pass writes every pixel of them itself (the frame's where it changes
    nothing). ``full_detail``: product meshes are drawn whole, not at the level of detail
    their size on screen needs (thumbnails: drawn once and kept, looked at closely)."""

    ctx: moderngl.Context
    target: RenderTarget
    box: Box
    camera: CameraIntrinsics
    projection: NDArray[np.float32]
    frame: BackgroundPass
    fill: bool = False
    full_detail: bool = False

    @property
    def detail_focal_px(self) -> float | None:
        """The focal length that levels of detail are chosen for (None: full detail)."""
        return None if self.full_detail else self.camera.fx


def union_box(boxes: Sequence[Box | None]) -> Box | None:
    """The smallest box holding every given box (None if none is given)."""
    real = [b for b in boxes if b is not None]
    if not real:
        return None
    x0 = min(b[0] for b in real)
    y0 = min(b[1] for b in real)
    x1 = max(b[0] + b[2] for b in real)
    y1 = max(b[1] + b[3] for b in real)
    return (x0, y0, x1 - x0, y1 - y0)


@dataclass(frozen=True, slots=True)
class PassResources:
    """What the renderer shares with its passes: the GL context, the program cache and the
    GPU copies of 3D assets."""

    ctx: moderngl.Context
    programs: ProgramCache
    assets: GpuAssetCache


class RenderPass(ABC, Generic[W]):
    """Draws the worn items of one product kind. Made once per renderer, on first use (its
    GL objects are created then or on first need and released by :meth:`release`)."""

    #: The stages this pass draws in.
    stages: ClassVar[tuple[Stage, ...]]
    #: Its items are 3D parts that the head occluder must hide.
    needs_occluder: ClassVar[bool] = False

    def __init__(self, resources: PassResources) -> None:
        self.resources = resources
        self.ctx = resources.ctx
        self.programs = resources.programs

    @abstractmethod
    def prepare(self, faces: Sequence[PassFace[W]], camera: CameraIntrinsics) -> Box | None:
        """Get this frame's drawing ready (fits, uploads of per-face data) and return the
        box of frame pixels it may change, clipped to the frame (None: nothing in view)."""

    def regions(self) -> tuple[Box, ...] | None:
        """Boxes inside :meth:`prepare`'s box holding every pixel this frame's drawing
        changes, when the pass can fill them by itself (:attr:`DrawContext.fill`): drawn
        alone on the face image, it then gets no background, and only these boxes are
        uploaded and read back. None (the default): it needs the background under its box."""
        return None

    @abstractmethod
    def draw(self, stage: Stage, dc: DrawContext) -> None:
        """Draw what :meth:`prepare` readied, for ``stage``, into ``dc``'s bound target.
        The pass sets the GL state it needs (blending, culling, depth mask) and leaves depth
        testing as it found it; the renderer resets the rest after the frame."""

    @abstractmethod
    def thumbnail(self, item: W, dc: DrawContext) -> None:
        """Draw ``item`` alone into ``dc`` (a square on white paper whose alpha is 0 where
        nothing is drawn; ``dc.camera`` is a narrow-angle camera at the origin)."""

    def objects(self) -> tuple[object, ...]:
        """Every GL object the pass owns now (programs and assets belong to the caches)."""
        return ()

    def release(self) -> None:
        """Free every GL object the pass owns. Idempotent."""
