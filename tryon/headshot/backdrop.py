"""Studio backdrops, and putting the person in front of one.

Kinds: ``solid`` (one colour), ``gradient`` (lighter at the top), ``vignette`` (a soft pool
of light behind the head), ``blur`` (the photo's own background, blurred, without the person
bleeding into it), ``image`` (a user's picture, scaled to cover) and ``keep`` (no change).
Compositing runs in linear light; where the matte is 1 the person's bytes are kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

import cv2
import numpy as np
from numpy.typing import NDArray

from tryon.headshot.color import linear_to_srgb8, srgb8_to_linear
from tryon.media import read_image

__all__ = ["BACKDROPS", "Backdrop", "BackdropKind", "composite", "parse_color", "render_backdrop"]

BackdropKind = Literal["solid", "gradient", "vignette", "blur", "image", "keep"]
BACKDROPS: tuple[str, ...] = get_args(BackdropKind)
#: Smooth backdrops (vignette, blur) are computed this many pixels across, then scaled up.
_FIELD = 512


def parse_color(text: str) -> tuple[int, int, int]:
    """``#rrggbb`` (or ``rrggbb``) to an RGB triple; anything else is a ValueError."""
    hexa = text.removeprefix("#")
    if len(hexa) != 6 or any(c not in "0123456789abcdefABCDEF" for c in hexa):
        raise ValueError(f"a colour must be #rrggbb, got {text!r}")
    return int(hexa[0:2], 16), int(hexa[2:4], 16), int(hexa[4:6], 16)


@dataclass(frozen=True, slots=True)
class Backdrop:
    kind: BackdropKind = "vignette"
    #: The backdrop's colour (``solid``, and the base of ``gradient`` and ``vignette``).
    color: tuple[int, int, int] = (214, 218, 222)
    #: The picture for ``image``.
    image: Path | None = None

    def __post_init__(self) -> None:
        if self.kind not in BACKDROPS:
            raise ValueError(f"unknown background {self.kind!r}; expected one of {BACKDROPS}")
        if (self.kind == "image") != (self.image is not None):
            raise ValueError("an image backdrop needs a picture, and only it takes one")
        if len(self.color) != 3 or not all(0 <= c <= 255 for c in self.color):
            raise ValueError(f"a backdrop colour is three values in [0, 255], got {self.color}")

    def describe(self) -> str:
        if self.kind == "image":
            return f"image {self.image.name if self.image else ''}"
        if self.kind in ("blur", "keep"):
            return self.kind
        return "{} #{:02x}{:02x}{:02x}".format(self.kind, *self.color)


def render_backdrop(
    backdrop: Backdrop,
    rgb: NDArray[np.uint8],
    alpha: NDArray[np.float32],
    head: tuple[float, float, float],
) -> NDArray[np.float32]:
    """The backdrop in linear light, the photo's size; ``head`` is (x, y, radius) in pixels,
    where a vignette's light falls."""
    h, w = alpha.shape
    base = srgb8_to_linear(np.array(backdrop.color, dtype=np.uint8))
    if backdrop.kind == "solid":
        return np.broadcast_to(base, (h, w, 3)).astype(np.float32)
    if backdrop.kind == "gradient":
        t = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None, None]
        return np.broadcast_to(base * (1.15 - 0.45 * t), (h, w, 3)).astype(np.float32)
    # both smooth: made at most _FIELD pixels across, then scaled up
    scale = min(1.0, _FIELD / max(h, w))
    sw, sh = max(2, round(w * scale)), max(2, round(h * scale))
    if backdrop.kind == "vignette":
        x, y, r = (v * scale for v in head)
        yy, xx = np.mgrid[0:sh, 0:sw].astype(np.float32)
        d2 = ((xx - x) ** 2 + (yy - y) ** 2) / (3.2 * r) ** 2
        small = (base * (0.45 + 0.7 * np.exp(-d2))[..., None]).astype(np.float32)
        return _upscale(small, w, h)
    if backdrop.kind == "blur":
        lin = cv2.resize(srgb8_to_linear(rgb), (sw, sh), interpolation=cv2.INTER_AREA)
        back = cv2.resize((1.0 - alpha).astype(np.float32), (sw, sh), interpolation=cv2.INTER_AREA)
        sigma = max(sw, sh) / 60
        num = cv2.GaussianBlur(lin * back[..., None], (0, 0), sigma)
        den = cv2.GaussianBlur(back, (0, 0), sigma)[..., None]
        mean = lin.reshape(-1, 3).mean(axis=0)
        small = np.where(den > 1e-3, num / np.maximum(den, 1e-3), mean).astype(np.float32)
        return _upscale(small, w, h)
    if backdrop.kind == "image" and backdrop.image is not None:
        return srgb8_to_linear(_cover(read_image(backdrop.image), w, h))
    return srgb8_to_linear(rgb)


def _upscale(small: NDArray[np.float32], w: int, h: int) -> NDArray[np.float32]:
    if small.shape[:2] == (h, w):
        return small
    return np.asarray(cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR), np.float32)


def _cover(img: NDArray[np.uint8], w: int, h: int) -> NDArray[np.uint8]:
    """``img`` scaled to cover ``w`` x ``h`` and centre-cropped."""
    ih, iw = img.shape[:2]
    s = max(w / iw, h / ih)
    sw, sh = max(w, round(iw * s)), max(h, round(ih * s))
    scaled = cv2.resize(img, (sw, sh), interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR)
    x0, y0 = (sw - w) // 2, (sh - h) // 2
    return np.ascontiguousarray(scaled[y0 : y0 + h, x0 : x0 + w])


def composite(
    rgb: NDArray[np.uint8], alpha: NDArray[np.float32], backdrop: NDArray[np.float32]
) -> NDArray[np.uint8]:
    """The person (``alpha``) over ``backdrop`` (linear), in linear light; pixels with alpha
    1 keep their bytes."""
    out = rgb.copy()
    mixed = alpha < 1.0
    a = alpha[mixed][:, None]
    fg, bg = srgb8_to_linear(rgb[mixed]), backdrop[mixed]
    out[mixed] = linear_to_srgb8((fg * a + bg * (1.0 - a)).astype(np.float32))
    return out
