"""The ``tryon`` command line: one module per subcommand, each with ``register(subparsers)``."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

__all__ = ["main"]

#: Subcommand modules under ``tryon.cli``; each defines ``register(subparsers)`` which adds
#: its parser and sets ``func`` (taking the parsed namespace, returning an exit code).
COMMANDS: tuple[str, ...] = ("serve", "products", "track", "doctor", "render", "measure")


class CliError(Exception):
    """A user-facing failure: printed as one line on stderr, exit code 2, no traceback."""


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
