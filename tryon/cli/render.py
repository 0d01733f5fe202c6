"""``tryon render``: put products from the catalog on the faces in a photo or a video.

    tryon render photo.jpg --product classic-rectangle-black -o tried-on.png
    tryon render clip.mp4 --product aviator-gold-58 --intensity 0.6 -o clip-tried-on.mp4

Frames without a face are written unchanged. Product ids come from ``tryon products list``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from tryon.catalog.catalog import Catalog
from tryon.catalog.look import Look, LookItem
from tryon.cli import CliError, add_face_source_arguments, engine_options
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
    check_output_kind(src, out)
    catalog = Catalog.default()
    look = _look(args.product, args.intensity, catalog)
    options = engine_options(args)
    with_faces = 0

    def count_faces(_index: int, _ts: int, result: EngineResult | None) -> None:
        nonlocal with_faces
        with_faces += bool(result is not None and result.faces)

    with Engine(options, catalog=catalog) as engine:
        frames = process_file(engine, src, out, look, count_faces)
    print(f"{out}: {frames} frame(s), a face in {with_faces}")
    return 0
