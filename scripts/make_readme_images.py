"""Render the README's try-on pictures from the astronaut photo (scikit-image's data, no
download): ``docs/images/before.png``, ``after.png``, ``turned.png`` and ``makeup.png``.

    .venv/bin/python scripts/make_readme_images.py [--product ID] [--turned-product ID]
        [--look ID]

The photo is upscaled 2x before tracking and rendering, so the glasses' edges are drawn at
the output's detail, then the face is cropped and resized to ``--size`` pixels. The turned
view is the same photo under a perspective warp (the face turned about 25 degrees), tracked
like any other picture.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from PIL import Image
from skimage import data
from skimage.transform import ProjectiveTransform, warp

from tryon.catalog.catalog import Catalog
from tryon.catalog.look import Look
from tryon.render.kinds import worn_items
from tryon.render.passes import FaceWear
from tryon.render.renderer import Renderer
from tryon.tracking.geometry import FaceGeometry
from tryon.tracking.still import faces_in_still

OUT = Path(__file__).resolve().parent.parent / "docs" / "images"
SCALE = 2
#: Face crop in the original 512 px photo: (left, top, right, bottom).
CROP = (56, 8, 376, 328)


def upscaled_photo() -> NDArray[np.uint8]:
    photo = Image.fromarray(data.astronaut())
    big = photo.resize((512 * SCALE, 512 * SCALE), Image.BICUBIC)
    return np.asarray(big)


def turned(photo: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """The photo seen from the side: the image's right half recedes (a yaw of the plane)."""
    h, w = photo.shape[:2]
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=float)
    dst = np.array([[0.0, 0.0], [0.62 * w, 0.16 * h], [0.62 * w, 0.84 * h], [0.0, h]])
    transform = ProjectiveTransform.from_estimate(src, dst)
    warped = warp(photo, transform.inverse, output_shape=(h, w), mode="edge", preserve_range=True)
    return np.ascontiguousarray(warped.round().astype(np.uint8))


def face_in(frame: NDArray[np.uint8]) -> FaceGeometry:
    faces = faces_in_still(frame)
    if not faces:
        raise SystemExit("make_readme_images: no face found")
    return faces[0]


def save(frame: NDArray[np.uint8], name: str, size: int) -> None:
    left, top, right, bottom = (SCALE * v for v in CROP)
    image = Image.fromarray(frame[top:bottom, left:right]).resize((size, size), Image.LANCZOS)
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / name
    image.save(path, optimize=True)
    print(f"{path}: {size}x{size}, {path.stat().st_size // 1024} KiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--product", default="aviator-silver-55", help="for after.png")
    parser.add_argument("--turned-product", default="classic-rectangle-black")
    parser.add_argument("--look", default="look-evening-glam", help="for makeup.png")
    parser.add_argument("--size", type=int, default=400, help="output width and height")
    args = parser.parse_args()
    catalog = Catalog.default()
    photo = upscaled_photo()
    side = turned(photo)
    shots = [
        (photo, args.product, "after.png"),
        (side, args.turned_product, "turned.png"),
        (photo, args.look, "makeup.png"),
    ]
    save(photo, "before.png", args.size)
    with Renderer() as renderer:
        for frame, product, name in shots:
            items = worn_items(catalog, Look.of(product))
            save(renderer.render(frame, FaceWear.each([face_in(frame)], items)), name, args.size)


if __name__ == "__main__":
    main()
