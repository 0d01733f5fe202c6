"""The contact sheet: a PNG grid of a batch's outputs, a row per product and a column per
input, each cell captioned with the product's name and the input's name (a failed cell says
why). A video's cell shows its first frame with a face. Long batches get several sheets."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFont

from tryon.batch.worker import Status
from tryon.media import MediaError, is_image_path, read_image, read_video, write_image

__all__ = ["SHEET_NAME", "write_contact_sheets"]

SHEET_NAME = "contact-sheet"
#: Rows (products) per sheet.
ROWS_PER_SHEET = 40
_THUMB = 224
_PAD = 8
_FONT_SIZE = 13
_LINE = _FONT_SIZE + 4
_BACKGROUND = (255, 255, 255)
_EMPTY = (228, 228, 228)
_TEXT = (30, 30, 30)
_FAILED = (170, 20, 20)

_Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


def write_contact_sheets(rows: Sequence[dict[str, Any]], out_dir: Path) -> list[Path]:
    """Draw the manifest ``rows`` into ``contact-sheet.png`` (``-2.png``, ... for more than
    `ROWS_PER_SHEET` products) in ``out_dir``; the files written. Earlier sheets are removed."""
    for old in out_dir.glob(f"{SHEET_NAME}*.png"):
        old.unlink()
    products = list(dict.fromkeys(r["product_id"] for r in rows))
    inputs = list(dict.fromkeys(r["input"] for r in rows))
    cells = {(r["product_id"], r["input"]): r for r in rows}
    font = _font()
    paths: list[Path] = []
    it = iter(products)
    while page := list(islice(it, ROWS_PER_SHEET)):
        n = len(paths) + 1
        path = out_dir / (f"{SHEET_NAME}.png" if n == 1 else f"{SHEET_NAME}-{n}.png")
        write_image(path, _sheet(page, inputs, cells, out_dir, font))
        paths.append(path)
    return paths


def _sheet(
    products: list[str],
    inputs: list[str],
    cells: dict[tuple[str, str], dict[str, Any]],
    out_dir: Path,
    font: _Font,
) -> NDArray[np.uint8]:
    cell_w, cell_h = _THUMB + _PAD, _THUMB + 2 * _LINE + 2 * _PAD
    sheet = Image.new("RGB", (_PAD + cell_w * len(inputs), _PAD + cell_h * len(products)))
    sheet.paste(_BACKGROUND, (0, 0, *sheet.size))
    draw = ImageDraw.Draw(sheet)
    for row, pid in enumerate(products):
        for col, source in enumerate(inputs):
            cell = cells[(pid, source)]
            x, y = _PAD + col * cell_w, _PAD + row * cell_h
            thumb = _thumbnail(cell, out_dir)
            if thumb is None:
                draw.rectangle((x, y, x + _THUMB - 1, y + _THUMB - 1), fill=_EMPTY)
            else:
                sheet.paste(
                    thumb, (x + (_THUMB - thumb.width) // 2, y + (_THUMB - thumb.height) // 2)
                )
            ok = cell["status"] == Status.OK
            second = Path(source).name if ok else f"{Path(source).name}: {cell['status']}"
            draw.text((x, y + _THUMB + 4), _fit(cell["product_name"], font), _TEXT, font)
            draw.text(
                (x, y + _THUMB + 4 + _LINE), _fit(second, font), _TEXT if ok else _FAILED, font
            )
    return np.asarray(sheet)


def _thumbnail(cell: dict[str, Any], out_dir: Path) -> Image.Image | None:
    """The cell's output shrunk to fit the cell, None when there is none."""
    if cell["status"] != Status.OK or cell["output"] is None:
        return None
    path = out_dir / cell["output"]
    try:
        rgb = read_image(path) if is_image_path(path) else _frame(path, cell["poster_frame"])
    except MediaError:
        return None
    image = Image.fromarray(rgb)
    image.thumbnail((_THUMB, _THUMB))
    return image


def _frame(path: Path, index: int) -> NDArray[np.uint8]:
    _, _, frames = read_video(path)
    for frame in frames:
        if frame.index == index:
            return frame.image
    raise MediaError(f"{path} has no frame {index}")


def _font() -> _Font:
    try:
        return ImageFont.truetype("DejaVuSans.ttf", _FONT_SIZE)
    except OSError:  # fonts-dejavu-core missing: Pillow's own font
        return ImageFont.load_default(_FONT_SIZE)


def _fit(text: str, font: _Font) -> str:
    """``text``, cut with an ellipsis to the cell's width."""
    if font.getlength(text) <= _THUMB:
        return text
    while text and font.getlength(text + "…") > _THUMB:
        text = text[:-1]
    return text + "…"
