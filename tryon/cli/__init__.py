"""The ``tryon`` command line: one module per subcommand, each with ``register(subparsers)``."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tryon.catalog.catalog import Catalog
    from tryon.catalog.look import Look
    from tryon.engine import EngineOptions

__all__ = [
    "CliError",
    "add_face_source_arguments",
    "add_look_arguments",
    "engine_options",
    "look_from_args",
    "main",
]

#: Subcommand modules under ``tryon.cli``; each defines ``register(subparsers)`` which adds
#: its parser and sets ``func`` (taking the parsed namespace, returning an exit code).
COMMANDS: tuple[str, ...] = (
    "serve",
    "products",
    "track",
    "doctor",
    "render",
    "measure",
    "headshot",
    "batch",
    "kiosk",
)


class CliError(Exception):
    """A user-facing failure: printed as one line on stderr, exit code 2, no traceback."""


def add_face_source_arguments(parser: argparse.ArgumentParser, verb: str) -> None:
    """The input photo/video, ``--max-faces`` and ``--hfov``, shared by the commands that
    run the engine over a file (``verb``: what they do to each face, for the help)."""
    from tryon.tracking.camera import DEFAULT_HFOV_DEG

    parser.add_argument("input", type=Path, metavar="IMAGE|VIDEO", help="a photo or a video file")
    parser.add_argument(
        "--max-faces", type=int, default=1, metavar="N", help=f"faces to {verb} (1)"
    )
    parser.add_argument(
        "--hfov",
        type=float,
        default=DEFAULT_HFOV_DEG,
        metavar="DEG",
        help="assumed horizontal field of view of the camera (default: %(default)s)",
    )


def add_look_arguments(parser: argparse.ArgumentParser, *, intensity: bool = True) -> None:
    """``--product`` and ``--look`` (repeatable, any kind), and ``--intensity``."""
    parser.add_argument(
        "--product",
        action="append",
        default=[],
        metavar="ID",
        help="a catalog product id (glasses, makeup, a look); repeat to wear several",
    )
    parser.add_argument(
        "--look",
        action="append",
        default=[],
        metavar="ID",
        help="a look from the catalog (a named stack of products), worn under the products",
    )
    if intensity:
        parser.add_argument(
            "--intensity",
            type=float,
            default=1.0,
            metavar="F",
            help="strength in [0, 1]: lens tint, makeup opacity (default: %(default)s)",
        )


def look_from_args(args: argparse.Namespace, catalog: Catalog, *, required: bool = True) -> Look:
    """The ``Look`` that `add_look_arguments`'s options name: the looks first, then the
    products in the order given. Unknown ids, a ``--look`` that is not a look, and (when
    ``required``) nothing to wear are `CliError` s."""
    from tryon.catalog.look import Look, LookItem

    looks: list[str] = args.look
    products: list[str] = args.product
    if not looks and not products:
        if required:
            raise CliError("nothing to wear: give --product ID and/or --look ID")
        return Look()
    unknown = [pid for pid in (*looks, *products) if pid not in catalog]
    if unknown:
        known = ", ".join(p.id for p in catalog.products())
        raise CliError(f"unknown product {unknown[0]!r} (the catalog has: {known})")
    not_looks = [pid for pid in looks if not catalog.get(pid).parts()]
    if not_looks:
        kind = catalog.get(not_looks[0]).category
        raise CliError(f"--look {not_looks[0]!r} is not a look but {kind}; use --product")
    intensity = float(getattr(args, "intensity", 1.0))
    try:
        return Look(tuple(LookItem(pid, intensity) for pid in (*looks, *products)))
    except ValueError as exc:
        raise CliError(str(exc)) from None


def engine_options(args: argparse.Namespace, **more: Any) -> EngineOptions:
    """``EngineOptions`` from the arguments `add_face_source_arguments` added (plus ``more``);
    a value the engine refuses is a `CliError` naming the option."""
    from tryon.engine import EngineOptions

    if args.max_faces < 1:
        raise CliError(f"--max-faces must be at least 1, got {args.max_faces}")
    try:
        return EngineOptions(max_faces=args.max_faces, hfov_deg=args.hfov, **more)
    except ValueError as exc:
        raise CliError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tryon",
        description="Real-time virtual try-on and face mapping: serve the browser try-on, render"
        " products onto photos and videos, track and measure faces, manage the catalog.",
    )
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"tryon.cli.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
    except CliError as exc:
        print(f"tryon {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return code


def _version() -> str:
    from tryon import __version__

    return f"tryon {__version__}"
