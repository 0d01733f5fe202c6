"""Framing presets: where the head sits in the picture, and the crop that puts it there.

The head's height runs from the chin (landmark 152) to the crown, the top of the skull
without hair. The mesh stops at the forehead, so the crown is estimated from the classic
proportion that the eyes sit halfway between chin and crown (adults, to a few percent).
Figures and their sources: docs/headshot.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from tryon.tracking.landmarks import IRIS_CENTERS

__all__ = ["PRESETS", "Crop", "FramingSpec", "HeadGeometry", "apply_crop", "frame", "head_geometry"]

CHIN = 152


@dataclass(frozen=True, slots=True)
class FramingSpec:
    """A framing: the picture's aspect (width / height), the head's height as a share of
    the picture's, and the eye line's distance from the top as a share of the height."""

    name: str
    aspect: float
    head_share: float
    eye_from_top: float


PRESETS = {
    # profile photos: eyes near the upper third, head a bit under half the height
    "head-and-shoulders": FramingSpec("head-and-shoulders", 1.0, 0.42, 0.36),
    # ICAO 9303 / ISO/IEC 19794-5: 35x45 mm, chin to crown 70-80 %, eyes 50-70 % from the
    # bottom; aimed at the middle of each range
    "passport": FramingSpec("passport", 35 / 45, 0.75, 0.42),
}


@dataclass(frozen=True, slots=True)
class HeadGeometry:
    """The head's key points in image pixels."""

    chin: NDArray[np.float64]
    eyes: NDArray[np.float64]
    crown: NDArray[np.float64]

    @property
    def height(self) -> float:
        return float(np.linalg.norm(self.crown - self.chin))

    @property
    def center_x(self) -> float:
        return float((self.chin[0] + self.eyes[0] + self.crown[0]) / 3)


def head_geometry(landmarks: NDArray[np.float32]) -> HeadGeometry:
    """Chin, eye-line centre and estimated crown of a face's ``(478, >=2)`` pixel landmarks."""
    xy = np.asarray(landmarks[:, :2], dtype=np.float64)
    eyes = xy[list(IRIS_CENTERS)].mean(axis=0)
    chin = xy[CHIN]
    return HeadGeometry(chin, eyes, eyes + (eyes - chin))


@dataclass(frozen=True, slots=True)
class Crop:
    """A crop box in image pixels and the output size it is scaled to."""

    x0: int
    y0: int
    width: int
    height: int
    out_size: tuple[int, int]

    def map_points(self, xy: NDArray[np.float64]) -> NDArray[np.float64]:
        """Image pixels to output pixels."""
        scale = np.array([self.out_size[0] / self.width, self.out_size[1] / self.height])
        out: NDArray[np.float64] = (xy - np.array([self.x0, self.y0])) * scale
        return out


def frame(
    image_size: tuple[int, int],
    head: HeadGeometry,
    spec: FramingSpec,
    out_size: tuple[int, int] | None = None,
) -> Crop:
    """The crop that frames ``head`` by ``spec``; when the photo is too small for it, the
    largest crop of the right aspect that fits, moved as near the ideal as the photo allows
    (the head then fills more of the picture than asked, which the passport checks report)."""
    w, h = image_size
    ch = head.height / spec.head_share
    cw = ch * spec.aspect
    fit = min(1.0, w / cw, h / ch)
    cw, ch = cw * fit, ch * fit
    x0 = min(max(head.center_x - cw / 2, 0.0), w - cw)
    y0 = min(max(head.eyes[1] - spec.eye_from_top * ch, 0.0), h - ch)
    box_w, box_h = max(1, int(cw)), max(1, int(ch))
    size = out_size or (box_w, box_h)
    return Crop(round(x0), round(y0), box_w, box_h, size)


def apply_crop(image: NDArray[np.uint8], crop: Crop) -> NDArray[np.uint8]:
    """The crop's pixels, scaled to its output size (area-averaged when shrinking)."""
    part = image[crop.y0 : crop.y0 + crop.height, crop.x0 : crop.x0 + crop.width]
    if crop.out_size == (crop.width, crop.height):
        return np.ascontiguousarray(part)
    shrink = crop.out_size[0] < crop.width
    interp = cv2.INTER_AREA if shrink else cv2.INTER_CUBIC
    return np.asarray(cv2.resize(part, crop.out_size, interpolation=interp), dtype=np.uint8)
