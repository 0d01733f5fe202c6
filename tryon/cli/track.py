"""``tryon track``: draw the tracked face mesh, irises and head pose on an image or a video,
optionally writing the landmarks, iris and pose of every face in every frame as JSON."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

from tryon.cli import CliError, add_face_source_arguments, engine_options
from tryon.cli.filerun import check_output_kind, process_file
from tryon.engine import Engine, EngineResult
from tryon.media import atomic_path
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
    check_output_kind(src, out)
    options = engine_options(args, debug_overlay=True)
    records: list[dict[str, Any]] = []

    def record(index: int, ts: int, result: EngineResult | None) -> None:
        faces = result.faces if result is not None else ()
        records.append(
            {"index": index, "timestamp_ms": ts, "faces": [face_record(f) for f in faces]}
        )

    with Engine(options) as engine:
        process_file(engine, src, out, on_frame=record)
        camera = engine.camera
    if args.json is not None:
        size = (0, 0) if camera is None else (camera.width, camera.height)
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
