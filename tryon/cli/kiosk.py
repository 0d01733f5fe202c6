"""``tryon kiosk``: a magic mirror for a shop floor (a screen and a webcam by the shelf).

    tryon kiosk                                   # full screen, webcam 0, every product
    tryon kiosk --config shop.toml --camera 1
    tryon kiosk --video demo.mp4 --windowed 1280x720

Keys: Left/Right product, Up/Down category, Space snapshot, B before/after, M measurements,
Esc quits; a click on a thumbnail wears it, a drag on the picture moves the before/after
split. The configuration (TOML) is described in docs/kiosk.md.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from tryon.cli import CliError

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "kiosk",
        help="a full-screen try-on mirror for a shop (webcam or looping video)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--config", type=Path, metavar="TOML", help="the kiosk's configuration")
    source = p.add_mutually_exclusive_group()
    source.add_argument("--camera", type=int, metavar="N", help="webcam index (config: 0)")
    source.add_argument("--video", type=Path, metavar="FILE", help="loop a video file instead")
    p.add_argument("--windowed", metavar="WxH", help="a window of this size instead of full screen")
    p.set_defaults(func=run)


def _size(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d{3,4})x(\d{3,4})", text)
    if match is None:
        raise CliError(f"--windowed must be WIDTHxHEIGHT such as 1280x720, got {text!r}")
    w, h = int(match[1]), int(match[2])
    if not (320 <= w <= 7680 and 240 <= h <= 4320):
        raise CliError(f"--windowed must be within 320x240 .. 7680x4320, got {text}")
    return w, h


def run(args: argparse.Namespace) -> int:
    from tryon.catalog.catalog import Catalog
    from tryon.kiosk.app import KioskError, make_shelves, run_kiosk
    from tryon.kiosk.config import ConfigError, load_config
    from tryon.kiosk.source import CameraSource, FrameSource, SourceError, VideoSource
    from tryon.media import MediaError

    try:
        config = load_config(args.config)
    except ConfigError as exc:
        raise CliError(str(exc)) from None
    if args.windowed is not None:
        config = replace(config, fullscreen=False, window_size=_size(args.windowed))
    if args.camera is not None:
        if not 0 <= args.camera <= 63:
            raise CliError(f"--camera must be in [0, 63], got {args.camera}")
        config = replace(config, camera=args.camera)
    try:
        catalog = Catalog.default()
        shelves = make_shelves(catalog, config)  # the config's products, before the camera
        source: FrameSource = (
            VideoSource(args.video)
            if args.video is not None
            else CameraSource(config.camera, config.camera_size)
        )
        return run_kiosk(config, catalog, shelves, source)
    except (KioskError, SourceError, MediaError) as exc:
        raise CliError(str(exc)) from None
