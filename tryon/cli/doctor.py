"""``tryon doctor``: check that the engine can run here (MediaPipe models, GL, canonical face)
and print what was found; exits 1 when something the engine needs is missing."""

from __future__ import annotations

import argparse
import glob
import platform
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["REQUIRED_MODELS", "register"]

#: Model files of the mediapipe wheel the tracker needs.
REQUIRED_MODELS = (
    "face_landmark/face_landmark_with_attention.tflite",
    "face_detection/face_detection_short_range.tflite",
    "face_detection/face_detection_full_range_sparse.tflite",
)


def register(subparsers: Any) -> None:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "doctor", help="check that the engine can run on this machine", description=__doc__
    )
    p.set_defaults(func=run)


def _mediapipe() -> str:
    import mediapipe as mp

    root = Path(mp.__file__).resolve().parent / "modules"
    missing = [m for m in REQUIRED_MODELS if not (root / m).is_file()]
    found = sorted(p.relative_to(root).as_posix() for p in root.glob("**/*.tflite"))
    lines = [f"mediapipe {mp.__version__} at {root.parent}", *(f"  model {m}" for m in found)]
    if missing:
        raise RuntimeError("\n".join([*lines, f"missing models: {', '.join(missing)}"]))
    return "\n".join(lines)


def _tracker() -> str:
    import numpy as np

    from tryon.tracking.mediapipe_tracker import MediaPipeFaceTracker

    with MediaPipeFaceTracker() as tracker:
        result = tracker.track(np.zeros((240, 320, 3), np.uint8), 1)
    return f"face mesh graph runs ({len(result.faces)} faces in a blank frame)"


def _gl() -> str:
    from tryon.render.context import create_context, describe

    ctx = create_context()
    try:
        return describe(ctx)
    finally:
        ctx.release()


def _canonical() -> str:
    from tryon.tracking.canonical import load_canonical_face

    face = load_canonical_face()
    return f"{len(face.vertices)} vertices, {len(face.triangles)} triangles"


def _hair_matte() -> str:
    from tryon.segmentation.parsing import open_parser

    choice = open_parser()
    choice.parser.close()
    return choice.status


def _video_encoders() -> str:
    """Which ``tryon serve --video-encoder`` choices open here (each encodes one frame)."""
    from tryon.server.video_encoder import VIDEO_ENCODERS, EncoderUnavailable, check_encoder

    lines = []
    for name in VIDEO_ENCODERS:
        try:
            lines.append(f"  {name}: opens ({check_encoder(name)})")
        except EncoderUnavailable as exc:
            lines.append(f"  {name}: does not open ({exc.reason})")
    return "\n".join(["for tryon serve --video-encoder", *lines])


def _webcams() -> str:
    cams = sorted(glob.glob("/dev/video*"))
    return (
        ", ".join(cams) if cams else "none found (/dev/video*); video files and WebRTC still work"
    )


def run(args: argparse.Namespace) -> int:
    print(f"python {platform.python_version()} ({sys.executable})")
    checks: list[tuple[str, Callable[[], str], bool]] = [
        ("mediapipe", _mediapipe, True),
        ("tracker", _tracker, True),
        ("canonical face", _canonical, True),
        ("OpenGL (EGL)", _gl, True),
        ("hair matte", _hair_matte, False),
        ("video encoders", _video_encoders, False),
        ("webcam", _webcams, False),
    ]
    failed = []
    for name, check, required in checks:
        try:
            print(f"{name}: {check()}")
        except Exception as exc:  # report every failure, then exit non-zero
            print(f"{name}: FAILED: {exc}")
            if required:
                failed.append(name)
    if failed:
        print(f"the engine cannot run here: {', '.join(failed)} failed", file=sys.stderr)
        return 1
    print("ok: the engine can run here")
    return 0
