"""The kiosk's on-screen controls, drawn with PIL into an RGBA image the size of the window.

:class:`UiState` holds everything the overlay shows; the window redraws the overlay only when
the state changes (equality), never per frame. :class:`Layout` places the carousel (category
tabs and product thumbnails) and answers which control a click hit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFont

from tryon.kiosk.config import Texts

__all__ = ["Layout", "Rect", "Shelf", "UiState", "draw_ui"]

Rect = tuple[int, int, int, int]  # x0, y0, x1, y1 in window pixels, top-left origin

_BAND = (16, 16, 20, 200)
_ACCENT = (255, 196, 0, 255)
_WHITE = (255, 255, 255, 255)
_DIM = (200, 200, 200, 255)


@dataclass(frozen=True, slots=True)
class Shelf:
    """One carousel row: a category and its product ids."""

    category: str
    product_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class UiState:
    """Everything the overlay shows (compared to decide whether to redraw)."""

    category: int = 0
    product: int = 0
    #: Name and price line of the worn product ("" for none).
    title: str = ""
    #: The shopper's fit for the worn eyewear ("" when not eyewear).
    fit: str = ""
    #: Before/after split position as a fraction of the picture's width; None: off.
    split: float | None = None
    #: Measurement panel lines; None: panel hidden.
    panel: tuple[str, ...] | None = None
    attract: bool = False
    #: A short notice (snapshot saved), "" for none.
    notice: str = ""


@dataclass(frozen=True, slots=True)
class Layout:
    """Where the controls are in a ``size`` window for ``shelves``."""

    size: tuple[int, int]
    shelves: tuple[Shelf, ...]

    @property
    def band(self) -> Rect:
        w, h = self.size
        return (0, h - self.band_height, w, h)

    @property
    def band_height(self) -> int:
        return max(120, int(self.size[1] * 0.26))

    @property
    def tab_height(self) -> int:
        return max(28, self.band_height // 5)

    @property
    def thumb_size(self) -> int:
        return self.band_height - self.tab_height - self.help_height - 16

    @property
    def help_height(self) -> int:
        return max(14, self.band_height // 10)

    def tabs(self) -> list[tuple[int, Rect]]:
        x0, y0, x1, _ = self.band
        n = max(len(self.shelves), 1)
        width = min(220, (x1 - x0 - 16) // n)
        return [
            (i, (8 + i * width, y0 + 4, 8 + (i + 1) * width - 6, y0 + 4 + self.tab_height))
            for i in range(len(self.shelves))
        ]

    def thumbs(self, category: int, selected: int) -> list[tuple[int, Rect]]:
        """The visible thumbnails of ``category`` (index, rect), keeping ``selected`` in view."""
        if not 0 <= category < len(self.shelves):
            return []
        n = len(self.shelves[category].product_ids)
        t, gap = self.thumb_size, 10
        visible = max(1, (self.size[0] - 16) // (t + gap))
        first = min(max(selected - visible // 2, 0), max(n - visible, 0))
        y0 = self.band[1] + self.tab_height + 10
        return [
            (i, (8 + k * (t + gap), y0, 8 + k * (t + gap) + t, y0 + t))
            for k, i in enumerate(range(first, min(n, first + visible)))
        ]

    def hit(self, x: float, y: float, state: UiState) -> tuple[str, int] | None:
        """``("category", i)`` or ``("product", i)`` for a click at window pixel (x, y)."""
        for kind, rects in (
            ("category", self.tabs()),
            ("product", self.thumbs(state.category, state.product)),
        ):
            for i, (x0, y0, x1, y1) in rects:
                if x0 <= x < x1 and y0 <= y < y1:
                    return kind, i
        return None


Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


def _font(size: int) -> Font:
    """Pillow's bundled font (no system fonts needed)."""
    return ImageFont.load_default(size=size)


def draw_ui(
    state: UiState,
    layout: Layout,
    picture: Rect,
    thumbnails: Mapping[str, Image.Image],
    texts: Texts,
) -> NDArray[np.uint8]:
    """The overlay, ``(H, W, 4)`` RGBA (not premultiplied), top row first. ``picture`` is the
    camera picture's rect in the window (for the split line)."""
    w, h = layout.size
    image = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    big_px, mid_px = max(18, h // 20), max(14, h // 32)
    big, mid, small = _font(big_px), _font(mid_px), _font(max(11, h // 48))
    if state.attract:
        draw.rectangle((0, 0, w, h), fill=(0, 0, 0, 150))
        draw.rounded_rectangle((w * 0.1, h * 0.34, w * 0.9, h * 0.6), 24, fill=(0, 0, 0, 200))
        draw.text((w / 2, h * 0.42), texts.attract_title, font=big, fill=_WHITE, anchor="mm")
        draw.text((w / 2, h * 0.52), texts.attract_hint, font=mid, fill=_DIM, anchor="mm")
        return np.asarray(image, dtype=np.uint8)
    if state.title:
        fits = [f"{texts.fit_label}: {state.fit}"] if state.fit else []
        bottom = 12 + int(big_px * 1.3) + len(fits) * int(mid_px * 1.4)
        draw.rectangle((0, 0, w, bottom + 8), fill=_BAND)
        draw.text((16, 12), state.title, font=big, fill=_WHITE)
        for k, line in enumerate(fits):
            draw.text(
                (16, 12 + int(big_px * 1.3) + k * int(mid_px * 1.4)),
                line,
                font=mid,
                fill=_ACCENT,
            )
    if state.split is not None:
        px0, py0, px1, py1 = picture
        x = px0 + round(state.split * (px1 - px0))
        draw.rectangle((x - 2, py0, x + 1, py1), fill=_WHITE)
        mid_y = (py0 + py1) // 2
        draw.text((x - 12, mid_y), texts.before, font=mid, fill=_WHITE, anchor="rm")
        draw.text((x + 12, mid_y), texts.after, font=mid, fill=_WHITE, anchor="lm")
    if state.panel is not None:
        line_h = int(mid_px * 1.5)
        x0, y0 = w - int(w * 0.3), int(h * 0.15)
        rows = (texts.measurements_title, *state.panel)
        draw.rectangle((x0, y0, w - 12, y0 + 16 + line_h * len(rows)), fill=_BAND)
        for k, line in enumerate(rows):
            draw.text(
                (x0 + 12, y0 + 8 + k * line_h), line, font=mid, fill=_ACCENT if k == 0 else _WHITE
            )
    _draw_carousel(draw, image, state, layout, thumbnails, texts, mid, small)
    if state.notice:
        draw.text(
            (w / 2, h * 0.3),
            state.notice,
            font=big,
            fill=_WHITE,
            anchor="mm",
            stroke_width=3,
            stroke_fill=(0, 0, 0, 255),
        )
    return np.asarray(image, dtype=np.uint8)


def _draw_carousel(
    draw: ImageDraw.ImageDraw,
    image: Image.Image,
    state: UiState,
    layout: Layout,
    thumbnails: Mapping[str, Image.Image],
    texts: Texts,
    font: Font,
    small: Font,
) -> None:
    draw.rectangle(layout.band, fill=_BAND)
    for i, (x0, y0, x1, y1) in layout.tabs():
        label = getattr(texts, f"category_{layout.shelves[i].category}", None)
        selected = i == state.category
        draw.rounded_rectangle((x0, y0, x1, y1), 8, fill=_ACCENT if selected else (60, 60, 66, 230))
        color = (0, 0, 0, 255) if selected else _WHITE
        name = label if isinstance(label, str) else layout.shelves[i].category
        draw.text(((x0 + x1) / 2, (y0 + y1) / 2), name, font=font, fill=color, anchor="mm")
    if 0 <= state.category < len(layout.shelves):
        ids = layout.shelves[state.category].product_ids
        for i, (x0, y0, x1, y1) in layout.thumbs(state.category, state.product):
            selected = i == state.product
            if selected:
                draw.rounded_rectangle((x0 - 4, y0 - 4, x1 + 4, y1 + 4), 10, fill=_ACCENT)
            draw.rounded_rectangle((x0, y0, x1, y1), 8, fill=(245, 245, 245, 255))
            thumb = thumbnails.get(ids[i])
            if thumb is not None:
                image.alpha_composite(thumb, (x0, y0))
    _, _, x1, y1 = layout.band
    draw.text((x1 / 2, y1 - 4), texts.help_line, font=small, fill=_DIM, anchor="md")
