"""The ``tryon`` command line: one module per subcommand, each with ``register(subparsers)``."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tryon.engine import EngineOptions

__all__ = ["CliError", "add_face_source_arguments", "engine_options", "main"]

#: Subcommand modules under ``tryon.cli``; each defines ``register(subparsers)`` which adds
#: its parser and sets ``func`` (taking the parsed namespace, returning an exit code).
COMMANDS: tuple[str, ...] = ("serve", "products", "track", "doctor", "render", "measure", "kiosk")


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
