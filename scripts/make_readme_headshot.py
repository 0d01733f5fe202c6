"""Make the README's headshot pictures from the scikit-image astronaut photo.

    .venv/bin/python scripts/make_readme_headshot.py

Writes docs/images/headshot-before.png (the photo, framed like the headshot) and
docs/images/headshot-after.png (``tryon headshot`` with its default options, plus under-eye
softening), both 360x360, each with the record of its edits.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image
from skimage import data

from tryon.headshot.framing import apply_crop
from tryon.headshot.metadata import Operation, write_headshot
from tryon.headshot.pipeline import HeadshotMaker, HeadshotOptions

OUT = Path(__file__).resolve().parent.parent / "docs" / "images"
SIZE = (360, 360)


def main() -> None:
    photo = np.ascontiguousarray(data.astronaut())
    with HeadshotMaker() as maker:
        shot = maker.make(photo, HeadshotOptions(out_size=SIZE, under_eyes=0.5))
    before = apply_crop(photo, shot.crop)
    OUT.mkdir(parents=True, exist_ok=True)
    crop_only = [op for op in shot.operations if op.name == "frame"]
    write_headshot(OUT / "headshot-before.png", before, crop_only or [Operation("frame", None, "")])
    write_headshot(OUT / "headshot-after.png", shot.image, shot.operations)
    for name in ("headshot-before.png", "headshot-after.png"):
        path = OUT / name
        with Image.open(path) as im:
            print(f"{path}: {im.size[0]}x{im.size[1]}, {path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
