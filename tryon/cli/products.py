"""``tryon products``: list the catalog, validate product folders and glTF files, generate
parametric glasses."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from tryon.cli import CliError

__all__ = ["register"]


def register(subparsers: Any) -> None:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "products",
        help="list, validate and generate products",
        description="The product catalog: list it, validate products, generate glasses.",
    )
    sub = p.add_subparsers(dest="action", required=True, metavar="ACTION")

    ls = sub.add_parser("list", help="print the catalog (id, category, size, name)")
    ls.add_argument("--root", type=Path, help="catalog folder (default: the shipped products)")
    ls.set_defaults(func=_list)

    val = sub.add_parser(
        "validate",
        help="check product folders or .gltf/.glb files; exit 1 on any rejection",
        description=(
            "Apply the run-time loader's rules (schema, URIs, caps on size, triangles, texture "
            "pixels and node depth, no cycles) and, when Node and node_modules/gltf-validator "
            "are present, the Khronos glTF validator."
        ),
    )
    val.add_argument("paths", type=Path, nargs="+", metavar="PATH")
    val.add_argument("--no-khronos", action="store_true", help="skip the Khronos validator")
    val.set_defaults(func=_validate)

    from tryon.catalog.eyewear_gen import FINISHES, STYLES, TINTS

    gen = sub.add_parser(
        "make-glasses",
        help="generate a GLB from size markings and a style",
        description="Generate true-to-size glasses, e.g. --size 52□18-140 --style aviator.",
    )
    gen.add_argument("-o", "--output", type=Path, required=True, help="the .glb to write")
    gen.add_argument("--size", default="52□18-140", help="lens□bridge-temple in mm")
    gen.add_argument("--lens-height", type=float, default=40.0, help="lens height in mm")
    gen.add_argument("--style", choices=STYLES, default="rectangle")
    gen.add_argument("--finish", choices=FINISHES, default="acetate")
    gen.add_argument("--colour", default="#1b1b1d", help="frame colour, sRGB #rrggbb")
    gen.add_argument("--metal-colour", default="#c9c9cc", help="hinges and wires, #rrggbb")
    gen.add_argument("--tint", choices=tuple(TINTS), default="grey")
    gen.set_defaults(func=_make_glasses)


def _list(args: argparse.Namespace) -> int:
    from tryon.catalog.catalog import Catalog
    from tryon.catalog.errors import ProductError

    try:
        catalog = Catalog(args.root) if args.root else Catalog.default()
    except (ProductError, FileNotFoundError) as exc:
        raise CliError(str(exc)) from None
    for product in catalog.products():
        summary = product.summary()
        print(f"{product.id:28} {product.category:8} {summary:24} {product.brand} / {product.name}")
    for problem in catalog.problems:
        print(f"skipped: {problem}")
    print(f"{len(catalog)} products")
    return 0


def _validate(args: argparse.Namespace) -> int:
    from tryon.catalog.validate import validate_path

    failed = 0
    for path in args.paths:
        report = validate_path(path, khronos=not args.no_khronos)
        for problem in report.problems:
            print(f"REJECTED {problem}")
        for note in report.notes:
            print(f"  {note}")
        if report.ok:
            print(f"OK {path}")
        failed += not report.ok
    return 1 if failed else 0


def _make_glasses(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from tryon.catalog.eyewear_gen import GlassesSpec, build_glasses
    from tryon.catalog.manifest import SizeMarkings

    if args.output.suffix.lower() != ".glb":
        raise CliError(f"--output must end in .glb, got {str(args.output)!r}")
    try:
        size = SizeMarkings.parse(args.size, args.lens_height)
        spec = GlassesSpec(
            style=args.style,
            lens_width_mm=size.lens_width_mm,
            bridge_mm=size.bridge_mm,
            temple_length_mm=size.temple_length_mm,
            lens_height_mm=size.lens_height_mm,
            finish=args.finish,
            colour=args.colour,
            metal_colour=args.metal_colour,
            tint=args.tint,
        )
    except ValidationError as exc:
        err = exc.errors()[0]
        raise CliError(f"bad size: {err['loc'][0]}: {err['msg']}") from None
    except ValueError as exc:
        raise CliError(str(exc)) from None
    data = build_glasses(spec)
    try:
        args.output.write_bytes(data)
    except OSError as exc:
        raise CliError(f"cannot write {args.output}: {exc.strerror}") from None
    print(f"wrote {args.output} ({spec.style} {spec.marking}, {len(data)} bytes)")
    return 0
