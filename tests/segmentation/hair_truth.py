"""Frames whose hair is known, for the hair matte's benchmark (``bench/bench_hair.py``) and
its test: a real photo with one of the shipped 3D hairstyles drawn on its face.

The photo is scaled into a 640x480 frame and its face tracked; the renderer draws the style
on that face as a shopper sees it (head occluder on, the default antialiasing, the photo's
own hair dyed in the style's shadow under BiSeNet's matte when the network is here). Its
exact coverage comes from drawing the style alone on the same face over an all-black and an
all-white frame: ``alpha = 1 - (white - black) / 255`` per pixel. The truth on the
composite is then

* hair: the style's coverage over 0.5 (``TruthFrame.hair``);
* unknown, left out of every score (``TruthFrame.unknown``): where the photo's own hair may
  still show beside the style. That is BiSeNet's hair matte at 512 px on the photo (when
  torch and the checkpoint are here; all of it, faint edges too: the own-hair dye uses it)
  united with the model-free matte over 0.5 (selfie segmentation minus the face mesh) above
  the jaw's corners, dilated by ``UNKNOWN_MARGIN`` pixels, minus the style's coverage. Lower
  down the model-free matte takes the neck and collar, which are not hair and stay scored;
  long hair there is the network's to find.
* not hair: every other pixel (the face, the background, the style's faint fringes).

The photo's own hair under the style counts as the style's: the composite shows the style
there. The truth is as good as the unknown zone is wide: own hair that neither BiSeNet nor
the selfie matte sees beside the style is scored as "not hair". A matte reaches no further
than its parsing crop (two face sizes): a style's strands beyond it are missed by every
source alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import cv2
import numpy as np
from numpy.typing import NDArray

from tryon.catalog.catalog import Catalog
from tryon.catalog.hairstyle import HairstyleProduct
from tryon.render.kinds import worn_item
from tryon.render.passes import FaceWear, Worn
from tryon.render.renderer import Renderer
from tryon.segmentation.hair_matte import FaceMatte, HairMatteStage
from tryon.segmentation.parsing import BiSeNetParser, SelfieParser
from tryon.tracking.geometry import FaceGeometry

__all__ = [
    "FRAME_SIZE",
    "UNKNOWN_MARGIN",
    "OwnHair",
    "Score",
    "TruthComposer",
    "TruthFrame",
    "first_matte",
    "fit_frame",
    "hairstyles",
    "in_frame",
    "matte_mask",
]

#: The benchmark frame, ``(width, height)``.
FRAME_SIZE = (640, 480)
#: The photo's own hair is widened by this many pixels (its soft edge, stray strands).
UNKNOWN_MARGIN = 8
#: The own-hair parse of the network, pixels a side (its best).
OWN_HAIR_SIZE = 512
#: The face mesh's landmarks at the jaw's corners.
_JAW_CORNERS = [172, 397]


def fit_frame(rgb: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """``rgb`` scaled to fit the 640x480 frame and padded with its edge pixels."""
    w, h = FRAME_SIZE
    scale = min(w / rgb.shape[1], h / rgb.shape[0])
    size = (round(rgb.shape[1] * scale), round(rgb.shape[0] * scale))
    small = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
    top, left = (h - size[1]) // 2, (w - size[0]) // 2
    out = cv2.copyMakeBorder(
        small, top, h - size[1] - top, left, w - size[0] - left, cv2.BORDER_REPLICATE
    )
    return np.ascontiguousarray(out)


def hairstyles(catalog: Catalog) -> dict[str, Worn]:
    """Every hairstyle of ``catalog`` as a worn item, by product id."""
    return {
        p.id: worn_item(p, catalog.load_asset(p.id), 1.0)
        for p in catalog.products()
        if isinstance(p, HairstyleProduct)
    }


def first_matte(
    stage: HairMatteStage, frame: NDArray[np.uint8], face: FaceGeometry
) -> FaceMatte | None:
    """The hair matte of ``face`` in ``frame`` as a first sight (the stage forgets earlier
    frames: no blend with another photo's matte)."""
    stage.reset()
    return stage.update(frame, [face]).get(face.observation.face_id)


def matte_mask(
    stage: HairMatteStage, frame: NDArray[np.uint8], face: FaceGeometry
) -> NDArray[np.bool_]:
    """:func:`first_matte` over 0.5, in frame pixels."""
    return in_frame(first_matte(stage, frame, face), frame.shape) > 0.5


def in_frame(matte: FaceMatte | None, shape: tuple[int, ...]) -> NDArray[np.float32]:
    """``matte``'s hair in [0, 1] over a whole frame of ``shape`` (0 without a matte)."""
    full = np.zeros(shape[:2], np.float32)
    if matte is not None:
        x, y, w, h = matte.box
        full[y : y + h, x : x + w] = matte.in_box()
    return full


@dataclass(frozen=True, slots=True)
class OwnHair:
    """Where a photo's own hair may be, dilated (``zone``), and the network's matte of it
    that the style's own-hair dye uses (None without the network)."""

    zone: NDArray[np.bool_]
    matte: FaceMatte | None


@dataclass(frozen=True, slots=True)
class Score:
    """A matte against the truth, over the scored pixels."""

    iou: float
    precision: float
    recall: float


@dataclass(frozen=True, slots=True)
class TruthFrame:
    """A composite and its truth (see the module's docstring)."""

    #: The photo with the style drawn, as the renderer gives it.
    frame: NDArray[np.uint8]
    #: The style's coverage in [0, 1].
    alpha: NDArray[np.float32]
    hair: NDArray[np.bool_]
    unknown: NDArray[np.bool_]

    @property
    def excluded(self) -> float:
        """The share of the frame left out of the scores."""
        return float(self.unknown.mean())

    def score(self, mask: NDArray[np.bool_]) -> Score:
        """``mask`` (frame pixels) against the hair, the unknown zone left out."""
        scored = ~self.unknown
        found, truth = mask & scored, self.hair
        hit = int((found & truth).sum())
        union = int((found | truth).sum())
        return Score(
            1.0 if union == 0 else hit / union,
            1.0 if not found.any() else hit / int(found.sum()),
            1.0 if not truth.any() else hit / int(truth.sum()),
        )


class TruthComposer:
    """Draws hairstyles on photos with ``renderer`` (not released here) and says where
    their truth is known. ``checkpoint``: the face-parsing network's weights for the own-hair
    zone (None: the model-free matte alone)."""

    def __init__(self, renderer: Renderer, checkpoint: Path | None) -> None:
        self._renderer = renderer
        self._network = (
            None
            if checkpoint is None
            else HairMatteStage(BiSeNetParser(checkpoint), OWN_HAIR_SIZE, background=False)
        )
        self._fallback = HairMatteStage(SelfieParser(), background=False)
        w, h = FRAME_SIZE
        self._black = np.zeros((h, w, 3), np.uint8)
        self._white = np.full((h, w, 3), 255, np.uint8)

    def own_hair(self, photo: NDArray[np.uint8], face: FaceGeometry) -> OwnHair:
        """Where the photo's own hair may be (before any style is drawn)."""
        hair = matte_mask(self._fallback, photo, face)
        jaw = int(face.observation.landmarks[_JAW_CORNERS, 1].max())
        hair[max(0, jaw) :] = False
        matte = None if self._network is None else first_matte(self._network, photo, face)
        hair |= in_frame(matte, photo.shape) > 0.0  # all the dye may touch
        side = 2 * UNKNOWN_MARGIN + 1
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (side, side))
        return OwnHair(cv2.dilate(hair.astype(np.uint8), kernel) > 0, matte)

    def compose(
        self,
        photo: NDArray[np.uint8],
        face: FaceGeometry,
        style: Worn,
        own_hair: OwnHair,
    ) -> TruthFrame:
        """``style`` drawn on ``face`` of ``photo`` (a 640x480 frame), with its truth;
        ``own_hair`` from :meth:`own_hair` on the same photo and face. ``ValueError`` for a
        frame of another size or a face tracked on one."""
        if photo.shape[:2] != self._black.shape[:2]:
            w, h = FRAME_SIZE
            raise ValueError(f"photo must be a {w}x{h} frame, got shape {photo.shape}")
        shown = [FaceWear(face, (style,), own_hair.matte)]
        frame = self._renderer.render(photo, shown, out=np.empty_like(photo))
        alone = [FaceWear(face, (style,))]  # no dye: the style's own coverage
        black = self._renderer.render(self._black, alone, out=np.empty_like(photo))
        white = self._renderer.render(self._white, alone, out=np.empty_like(photo))
        through = (white.astype(np.float32) - black.astype(np.float32)).mean(axis=2) / 255.0
        alpha = np.clip(1.0 - through, 0.0, 1.0).astype(np.float32)
        hair = alpha > 0.5
        return TruthFrame(frame, alpha, hair, own_hair.zone & ~hair)

    def close(self) -> None:
        if self._network is not None:
            self._network.close()
        self._fallback.close()

    def __enter__(self) -> TruthComposer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
