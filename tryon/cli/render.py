"""``tryon render``: put products from the catalog on the faces in a photo or a video.

    tryon render photo.jpg --product classic-rectangle-black -o tried-on.png
    tryon render clip.mp4 --product aviator-gold-58 --intensity 0.6 -o clip-tried-on.mp4
    tryon render photo.jpg --look look-evening-glam --product round-tortoise -o glam.png

Products of every kind (glasses, makeup) and looks (named stacks of products) can be worn
together: the look's products first, then each ``--product`` in the order given. Frames
without a face are written unchanged. Ids come from ``tryon products list``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from tryon.catalog.catalog import Catalog
from tryon.cli import add_face_source_arguments, add_look_arguments, engine_options, look_from_args
from tryon.cli.filerun import check_output_kind, process_file
from tryon.engine import Engine, EngineResult

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "render",
        help="try products on the faces in an image or video",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_face_source_arguments(p, "dress")
    add_look_arguments(p)
    p.add_argument("-o", "--output", type=Path, required=True, help="the image/video to write")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    src: Path = args.input
    out: Path = args.output
    check_output_kind(src, out)
    catalog = Catalog.default()
    look = look_from_args(args, catalog)
    options = engine_options(args)
    with_faces = 0

    def count_faces(_index: int, _ts: int, result: EngineResult | None) -> None:
        nonlocal with_faces
        with_faces += bool(result is not None and result.faces)

    with Engine(options, catalog=catalog) as engine:
        frames = process_file(engine, src, out, look, count_faces)
    print(f"{out}: {frames} frame(s), a face in {with_faces}")
    return 0
