"""``tryon measure``: PD, face measurements (with ±), face shape and frame fit from a photo
or a video.

    tryon measure photo.jpg
    tryon measure clip.mp4 --json
    tryon measure photo-with-card.jpg --card --product classic-rectangle-black

A video averages the frames where the head is steady and frontal (a few seconds looking at
the camera is plenty). ``--card``: hold a bank/ID card (ISO/IEC 7810 ID-1) flat against the
forehead, long side level; when it is found it replaces the iris as the ruler. Exit status:
0 when at least one face was measured, 1 when none was (the report says why).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from tryon.catalog.catalog import Catalog
from tryon.cli import CliError, add_face_source_arguments, engine_options
from tryon.engine import Engine, EngineOptions
from tryon.measure.frame_fit import FrameSize, frame_sizes
from tryon.measure.measurements import MeasureOptions
from tryon.measure.report import MeasurementReport
from tryon.media import MediaError, is_image_path, read_frames

__all__ = ["register", "run"]

#: Frames that must agree before a video's measurements are reported.
VIDEO_MIN_FRAMES = 5


def register(subparsers: Any) -> None:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "measure",
        help="measure PD, face widths and shape, and frame fit from an image or video",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_face_source_arguments(p, "measure")
    p.add_argument("--json", action="store_true", help="print the report as JSON on stdout")
    p.add_argument("--card", action="store_true", help="look for an ID-1 card on the forehead")
    p.add_argument(
        "--product",
        action="append",
        metavar="ID",
        help="judge the fit of this catalog frame (repeat; default: every eyewear product)",
    )
    p.add_argument(
        "--min-frames",
        type=int,
        default=None,
        metavar="N",
        help=f"frames that must agree (default: 1 for a photo, {VIDEO_MIN_FRAMES} for a video)",
    )
    p.set_defaults(func=run)


def _sizes(products: list[str] | None, catalog: Catalog) -> list[tuple[str, FrameSize]]:
    if products is None:
        return frame_sizes(catalog.products())
    unknown = [pid for pid in products if pid not in catalog]
    if unknown:
        known = ", ".join(p.id for p in catalog.products())
        raise CliError(f"unknown product {unknown[0]!r} (the catalog has: {known})")
    return frame_sizes(catalog.get(pid) for pid in products)


def measure_file(path: Path, options: EngineOptions) -> MeasurementReport:
    """The measurements over every frame of ``path``."""
    with Engine(options) as engine:
        _, _, frames = read_frames(path)
        for ts, rgb in frames:
            engine.process(rgb, timestamp_ms=ts)
        report = engine.measurements() if engine.last_result is not None else None
    if report is None:
        raise CliError(f"{path} has no frames")
    return report


def run(args: argparse.Namespace) -> int:
    src: Path = args.input
    min_frames = args.min_frames
    if min_frames is None:
        min_frames = 1 if is_image_path(src) else VIDEO_MIN_FRAMES
    try:
        measure = MeasureOptions(min_frames=min_frames, card=args.card)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    options = engine_options(args, measure=measure)
    sizes = _sizes(args.product, Catalog.default())
    try:
        report = measure_file(src, options)
    except MediaError as exc:
        raise CliError(str(exc)) from None
    report = MeasurementReport(tuple(f.with_fit(sizes) for f in report.faces))
    print(json.dumps(report.to_dict(), indent=2) if args.json else report.to_text())
    return 0 if any(f.status == "ok" for f in report.faces) else 1
