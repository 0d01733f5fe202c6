"""``tryon render``: put products from the catalog on the faces in a photo or a video.

    tryon render photo.jpg --product classic-rectangle-black -o tried-on.png
    tryon render clip.mp4 --product aviator-gold-58 --intensity 0.6 -o clip-tried-on.mp4
    tryon render photo.jpg --look evening-glam --product round-tortoise -o glam.png

Products of every kind (glasses, makeup) and looks (named stacks of products) can be worn
together: the look's products first, then each ``--product`` in the order given. Frames
without a face are written unchanged. Ids come from ``tryon products list``.
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
        default=[],
        metavar="ID",
        help="a catalog product id (glasses, makeup, a look); repeat to wear several",
    )
    p.add_argument(
        "--look",
        action="append",
        default=[],
        metavar="ID",
        help="a look from the catalog (a named stack of products), worn under the products",
    )
    p.add_argument("-o", "--output", type=Path, required=True, help="the image/video to write")
    p.add_argument(
        "--intensity",
        type=float,
        default=1.0,
        metavar="F",
        help="strength in [0, 1]: lens tint, makeup opacity (default: %(default)s)",
    )
    p.set_defaults(func=run)


def _look(looks: list[str], products: list[str], intensity: float, catalog: Catalog) -> Look:
    if not looks and not products:
        raise CliError("nothing to wear: give --product ID and/or --look ID")
    unknown = [pid for pid in (*looks, *products) if pid not in catalog]
    if unknown:
        known = ", ".join(p.id for p in catalog.products())
        raise CliError(f"unknown product {unknown[0]!r} (the catalog has: {known})")
    not_looks = [pid for pid in looks if not catalog.get(pid).parts()]
    if not_looks:
        kind = catalog.get(not_looks[0]).category
        raise CliError(f"--look {not_looks[0]!r} is not a look but {kind}; use --product")
    try:
        return Look(tuple(LookItem(pid, intensity) for pid in (*looks, *products)))
    except ValueError as exc:
        raise CliError(str(exc)) from None


def run(args: argparse.Namespace) -> int:
    src: Path = args.input
    out: Path = args.output
    check_output_kind(src, out)
    catalog = Catalog.default()
    look = _look(args.look, args.product, args.intensity, catalog)
    options = engine_options(args)
    with_faces = 0

    def count_faces(_index: int, _ts: int, result: EngineResult | None) -> None:
        nonlocal with_faces
        with_faces += bool(result is not None and result.faces)

    with Engine(options, catalog=catalog) as engine:
        frames = process_file(engine, src, out, look, count_faces)
    print(f"{out}: {frames} frame(s), a face in {with_faces}")
    return 0
