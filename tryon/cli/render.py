"""``tryon render``: put products from the catalog on the faces in a photo or a video.

    tryon render photo.jpg --product classic-rectangle-black -o tried-on.png
    tryon render clip.mp4 --product aviator-gold-58 --intensity 0.6 -o clip-tried-on.mp4

Frames without a face are written unchanged. Product ids come from ``tryon products list``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from tqdm import tqdm

from tryon.catalog.catalog import Catalog
from tryon.catalog.look import Look, LookItem
from tryon.cli import CliError, add_face_source_arguments, engine_options
from tryon.engine import Engine
from tryon.media import (
    VIDEO_SUFFIXES,
    MediaError,
    VideoWriter,
    is_image_path,
    read_frames,
    write_image,
)

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "render",
        help="try products on the faces in an image or video",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_face_source_arguments(p, "dress")
    p.add_argument(
        "--product",
        action="append",
        required=True,
        metavar="ID",
        help="a catalog product id; repeat to wear several",
    )
    p.add_argument("-o", "--output", type=Path, required=True, help="the image/video to write")
    p.add_argument(
        "--intensity",
        type=float,
        default=1.0,
        metavar="F",
        help="lens tint strength in [0, 1] (default: %(default)s)",
    )
    p.set_defaults(func=run)


def _look(products: list[str], intensity: float, catalog: Catalog) -> Look:
    unknown = [pid for pid in products if pid not in catalog]
    if unknown:
        known = ", ".join(p.id for p in catalog.products())
        raise CliError(f"unknown product {unknown[0]!r} (the catalog has: {known})")
    try:
        return Look(tuple(LookItem(pid, intensity) for pid in products))
    except ValueError as exc:
        raise CliError(str(exc)) from None


def run(args: argparse.Namespace) -> int:
    src: Path = args.input
    out: Path = args.output
    is_image = is_image_path(src)
    if is_image != is_image_path(out) or (
        not is_image and out.suffix.lower() not in VIDEO_SUFFIXES
    ):
        kind = "an image (.png, .jpg, ...)" if is_image else "a video (.mp4, .mkv, ...)"
        raise CliError(
            f"{src} is {'an image' if is_image else 'a video'}, so -o must be {kind}, got {out}"
        )
    catalog = Catalog.default()
    look = _look(args.product, args.intensity, catalog)
    options = engine_options(args)
    frames_done = frames_with_faces = 0
    try:
        with Engine(options, catalog=catalog) as engine:
            count, fps, frames = read_frames(src)
            writer: VideoWriter | None = None
            try:
                for ts, rgb in tqdm(frames, total=count or None, unit="frame", disable=None):
                    dressed = engine.process(rgb, look, timestamp_ms=None if is_image else ts)
                    result = engine.last_result
                    frames_with_faces += bool(result is not None and result.faces)
                    frames_done += 1
                    if is_image:
                        write_image(out, dressed)
                        continue
                    if writer is None:
                        writer = VideoWriter(out, fps, (rgb.shape[1], rgb.shape[0]))
                    writer.write(dressed)
            except BaseException as exc:
                if writer is not None:
                    writer.close(exc)
                raise
            if writer is not None:
                writer.close()
            elif not is_image:
                raise CliError(f"{src} has no video frames")
    except MediaError as exc:
        raise CliError(str(exc)) from None
    print(f"{out}: {frames_done} frame(s), a face in {frames_with_faces}")
    return 0
