"""``tryon headshot``: a studio headshot from a selfie, with the person's own face.

    tryon headshot selfie.jpg -o headshot.png
    tryon headshot selfie.jpg -o id.png --preset passport --smooth 0 --blemishes 0
    tryon headshot selfie.jpg -o hs.png --background solid --color '#20303f' --light rembrandt
    tryon headshot selfie.jpg -o hs.png --product round-tortoise --explain
    tryon headshot hs.png --explain            # what tryon recorded in a file

Blemishes removed, skin evened (pores kept), light fixed, a clean background, framed. Nothing
generative: every pixel of the face is the photo's own, adjusted. Each adjustment has a
strength (0 leaves it out) and every output records what was done (PNG text and XMP;
optionally a signed C2PA manifest). The passport preset checks the ICAO 9303 geometry, the
pose, the eyes, the mouth and the background, and says what fails (exit code 3).
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path
from typing import Any

from tryon.catalog.catalog import Catalog
from tryon.catalog.look import Look
from tryon.cli import CliError, add_look_arguments, look_from_args
from tryon.headshot.backdrop import BACKDROPS, Backdrop, parse_color
from tryon.headshot.framing import PRESETS
from tryon.headshot.lighting import LIGHTS
from tryon.headshot.metadata import (
    METADATA_SUFFIXES,
    describe,
    edit_record,
    read_edits,
    sign_c2pa,
    write_headshot,
)
from tryon.headshot.pipeline import Headshot, HeadshotError, HeadshotMaker, HeadshotOptions
from tryon.media import MediaError, read_image
from tryon.tracking.camera import DEFAULT_HFOV_DEG

__all__ = ["register", "run"]

ASPECTS = {"1:1": 1.0, "4:5": 0.8}
#: Exit code when the passport preset's checks fail (the picture is still written).
CHECKS_FAILED = 3


def register(subparsers: Any) -> None:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "headshot",
        help="a studio headshot (or an ID photo) from a selfie, honestly edited",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("input", type=Path, metavar="PHOTO", help="the photo")
    p.add_argument("-o", "--output", type=Path, help="the headshot to write (.png or .jpg)")
    p.add_argument(
        "--preset",
        choices=[*PRESETS, "none"],
        default="head-and-shoulders",
        help="framing (default: %(default)s); passport also checks the photo",
    )
    p.add_argument("--aspect", choices=list(ASPECTS), help="head-and-shoulders: 1:1 or 4:5")
    p.add_argument("--size", metavar="WxH", help="scale the framed picture to this many pixels")
    p.add_argument(
        "--background",
        default=None,
        metavar="KIND|IMAGE",
        help=f"one of {', '.join(k for k in BACKDROPS if k != 'image')}, or a picture's path"
        " (default: vignette; passport: solid light grey)",
    )
    p.add_argument("--color", metavar="#RRGGBB", help="the backdrop's colour")
    p.add_argument("--light", choices=LIGHTS, default=None, help="studio light (soft-key)")
    p.add_argument("--light-strength", type=float, default=None, metavar="F", help="0..1 (0.5)")
    p.add_argument("--smooth", type=float, default=None, metavar="F", help="skin 0..1 (0.5)")
    p.add_argument("--blemishes", type=float, default=None, metavar="F", help="0..1 (1)")
    p.add_argument("--under-eyes", type=float, default=0.0, metavar="F", help="0..1 (0)")
    add_look_arguments(p, intensity=False)
    p.add_argument("--explain", action="store_true", help="print what was done")
    p.add_argument("--c2pa-cert", type=Path, metavar="PEM", help="sign a C2PA manifest: chain")
    p.add_argument("--c2pa-key", type=Path, metavar="PEM", help="... and its private key")
    p.add_argument(
        "--hfov",
        type=float,
        default=DEFAULT_HFOV_DEG,
        metavar="DEG",
        help="assumed horizontal field of view of the camera (default: %(default)s)",
    )
    p.set_defaults(func=run)


def _size(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    parts = text.lower().split("x")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise CliError(f"--size must be WIDTHxHEIGHT in pixels, e.g. 600x750, got {text!r}")
    return int(parts[0]), int(parts[1])


def _backdrop(args: argparse.Namespace, passport: bool) -> Backdrop:
    kind = args.background or ("solid" if passport else "vignette")
    try:
        color = parse_color(args.color) if args.color else None
        if kind in BACKDROPS and kind != "image":
            default = (238, 238, 236) if passport else Backdrop().color
            return Backdrop(kind, color or default)  # type: ignore[arg-type]
        path = Path(kind)
        if not path.is_file():
            raise CliError(
                f"--background must be one of {', '.join(k for k in BACKDROPS if k != 'image')}"
                f" or an image file, got {kind!r}"
            )
        return Backdrop("image", color or Backdrop().color, path)
    except ValueError as exc:
        raise CliError(f"--color: {exc}") from None


def options_from(args: argparse.Namespace, look: Look) -> HeadshotOptions:
    """The headshot options the arguments ask for (passport: no retouching by default)."""
    passport = args.preset == "passport"
    framing = None if args.preset == "none" else PRESETS[args.preset]
    if args.aspect is not None:
        if framing is None or passport:
            raise CliError(f"--aspect is for the head-and-shoulders preset, not {args.preset}")
        framing = replace(framing, aspect=ASPECTS[args.aspect])

    def given(value: float | None, default: float) -> float:
        return default if value is None else value

    try:
        return HeadshotOptions(
            framing=framing,
            out_size=_size(args.size),
            backdrop=_backdrop(args, passport),
            light=args.light or ("even" if passport else "soft-key"),
            light_strength=given(args.light_strength, 0.5),
            smooth=given(args.smooth, 0.0 if passport else 0.5),
            blemishes=given(args.blemishes, 0.0 if passport else 1.0),
            under_eyes=args.under_eyes,
            look=look,
        )
    except ValueError as exc:
        raise CliError(str(exc)) from None


def run(args: argparse.Namespace) -> int:
    src: Path = args.input
    if args.output is None:
        if not args.explain:
            raise CliError("give -o OUT to make a headshot, or --explain to read one")
        return _explain_file(src)
    if args.output.suffix.lower() not in METADATA_SUFFIXES:
        raise CliError(
            f"-o must be a .png or .jpg (they carry the record of edits), got {args.output}"
        )
    if (args.c2pa_cert is None) != (args.c2pa_key is None):
        raise CliError("--c2pa-cert and --c2pa-key go together")
    catalog = Catalog.default() if args.product or args.look else None
    look = look_from_args(args, catalog) if catalog is not None else Look()
    options = options_from(args, look)
    try:
        rgb = read_image(src)
    except MediaError as exc:
        raise CliError(str(exc)) from None
    try:
        maker = HeadshotMaker(hfov_deg=args.hfov, catalog=catalog)
    except ValueError as exc:
        raise CliError(f"--hfov: {exc}") from None
    try:
        with maker:
            shot = maker.make(rgb, options)
    except HeadshotError as exc:
        raise CliError(f"{src}: {exc}") from None
    try:
        write_headshot(args.output, shot.image, shot.operations)
        if args.c2pa_cert is not None:
            sign_c2pa(
                args.output,
                src,
                shot.operations,
                _read_pem(args.c2pa_cert),
                _read_pem(args.c2pa_key),
            )
    except MediaError as exc:
        raise CliError(str(exc)) from None
    _report(args, shot)
    failed = [c for c in shot.checks if not c.passed]
    return CHECKS_FAILED if failed else 0


def _read_pem(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}") from None


def _report(args: argparse.Namespace, shot: Headshot) -> None:
    h, w = shot.image.shape[:2]
    print(f"{args.output}: {w}x{h} headshot, {len(shot.operations)} edit(s)")
    if args.explain:
        print(describe(edit_record(shot.operations)))
        stages = ", ".join(f"{k} {v:.0f} ms" for k, v in shot.timings_ms.items())
        print(f"time: {stages}")
    for check in shot.checks:
        print(f"{'ok  ' if check.passed else 'FAIL'} {check.name}: {check.detail}")


def _explain_file(path: Path) -> int:
    try:
        record = read_edits(path)
    except MediaError as exc:
        raise CliError(str(exc)) from None
    if record is None:
        print(f"{path}: no tryon edits recorded")
        return 1
    print(f"{path}:")
    print(describe(record))
    return 0
