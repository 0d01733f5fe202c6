"""``tryon track``: draw the tracked face mesh, irises and head pose on an image or a video,
optionally writing the landmarks, iris and pose of every face in every frame as JSON."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from tryon.cli import CliError, add_face_source_arguments, engine_options
from tryon.engine import Engine
from tryon.media import (
    VIDEO_SUFFIXES,
    MediaError,
    VideoWriter,
    atomic_path,
    is_image_path,
    read_frames,
    write_image,
)
from tryon.tracking.geometry import FaceGeometry

__all__ = ["face_record", "register"]


def register(subparsers: Any) -> None:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "track",
        help="draw the tracked face mesh and pose on an image or video",
        description=__doc__,
    )
    add_face_source_arguments(p, "track")
    p.add_argument(
        "-o", "--output", type=Path, required=True, help="where to write the overlay image/video"
    )
    p.add_argument("--json", type=Path, metavar="FILE", help="also write landmarks/iris/pose")
    p.set_defaults(func=run)


def face_record(face: FaceGeometry) -> dict[str, Any]:
    """One face of one frame as JSON-ready data (pixels, millimetres, metres)."""
    obs = face.observation
    return {
        "index": obs.index,
        "bbox": [round(v, 2) for v in obs.bbox],
        "presence": round(obs.presence, 4),
        "landmarks": np.round(obs.landmarks.astype(np.float64), 2).tolist(),
        "iris": {
            "centers": np.round(obs.iris_centers.astype(np.float64), 2).tolist(),
            "diameters_px": np.round(obs.iris_diameters_px.astype(np.float64), 3).tolist(),
        },
        "pose": {
            "rotation": np.round(face.rotation, 6).tolist(),
            "translation_m": np.round(face.translation, 5).tolist(),
            "mm_per_px": round(face.mm_per_px, 5),
        },
    }


def run(args: argparse.Namespace) -> int:
    src: Path = args.input
    out: Path = args.output
    is_image = is_image_path(src)
    expected = "an image (.png, .jpg, ...)" if is_image else "a video (.mp4, .mkv, ...)"
    if (is_image and not is_image_path(out)) or (
        not is_image and out.suffix.lower() not in VIDEO_SUFFIXES
    ):
        raise CliError(
            f"{src} is {'an image' if is_image else 'a video'}, so -o must be {expected}, got {out}"
        )
    options = engine_options(args, debug_overlay=True)
    records: list[dict[str, Any]] = []
    size = (0, 0)
    try:
        with Engine(options) as engine:
            count, fps, frames = read_frames(src)
            writer: VideoWriter | None = None
            try:
                progress = tqdm(
                    frames, total=count or None, unit="frame", disable=None, leave=False
                )
                for i, (ts, rgb) in enumerate(progress):
                    size = (rgb.shape[1], rgb.shape[0])
                    drawn = engine.process(rgb, timestamp_ms=None if is_image else ts)
                    result = engine.last_result
                    faces = result.faces if result is not None else ()
                    records.append(
                        {"index": i, "timestamp_ms": ts, "faces": [face_record(f) for f in faces]}
                    )
                    if is_image:
                        write_image(out, drawn)
                    else:
                        if writer is None:
                            writer = VideoWriter(out, fps, size)
                        writer.write(drawn)
            except BaseException as exc:
                if writer is not None:
                    writer.close(exc)
                raise
            if writer is not None:
                writer.close()
            elif not is_image:
                raise CliError(f"{src} has no video frames")
    except MediaError as exc:
        raise CliError(str(exc)) from None
    if args.json is not None:
        _write_json(
            args.json,
            {"source": str(src), "width": size[0], "height": size[1], "frames": records},
        )
    found = sum(len(r["faces"]) for r in records)
    print(f"{out}: {len(records)} frame(s), {found} face observation(s)")
    return 0


def _write_json(path: Path, data: dict[str, Any]) -> None:
    try:
        with atomic_path(path) as tmp:
            tmp.write_text(json.dumps(data, separators=(",", ":")))
    except OSError as exc:
        raise CliError(f"cannot write {path}: {exc}") from None
