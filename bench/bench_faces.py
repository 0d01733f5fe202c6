"""Fairness benchmark: tracking and measuring quality per face of the real-face test set, and
per skin-tone group (light MST 1-3, medium 4-6, dark 7-10; labels are our own, in
tests/data/faces.toml).

For every labelled face:

- **found**: the face is detected in the photo (as labelled);
- **jitter**: the photo repeated as a still video with Gaussian sensor noise (sigma 4 of 255):
  RMS landmark motion between frames over the face's width, in percent;
- **low light**: the same with the photo darkened to 30 % (noise sigma 6) and to 12 % (sigma 8):
  the share of frames the face is found in, and its jitter (``--no-denoise`` turns off the
  tracker's low-light denoising, `tryon.tracking.low_light`, to compare);
- **PD**, **face width** (bizygomatic) and **temple width** (hinge level), averaged over the
  noisy frames, each with its ± or "withheld" and the reason;
- **shape**, and the frame-fit verdicts against the catalog's eyewear (count of good /
  too narrow / too wide / uncertain over the catalog);
- **lips**: makeup lip-mask coverage ("n/a: makeup not merged" until a makeup module exists).

Then a per-group summary, and the calibration check: the median calibrated face width / PD
over the adults measured, against the published ratio.

Usage: .venv/bin/python bench/bench_faces.py [--frames 8] [--no-denoise]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))

from face_set import FacePhoto, LabeledFace, load_face_set

from tests.measure.face_clips import measure_observations, noisy_frames, track_labelled
from tryon.catalog.catalog import Catalog
from tryon.measure.calibration import ADULT_RANGES_MM, PUBLISHED_MEANS_MM
from tryon.measure.frame_fit import frame_sizes
from tryon.measure.report import FaceReport
from tryon.tracking.observation import FaceObservation
from tryon.tracking.tracker import TrackerOptions

GROUPS = ("light", "medium", "dark")
NOISE = 4.0  # sensor noise sigma, of 255
#: Low-light cases: name, light level, noise sigma.
LIGHTS = (("dim", 0.3, 6.0), ("dark", 0.12, 8.0))


@dataclass
class FaceRow:
    photo: str
    label: LabeledFace
    found_still: bool = False
    noisy: list[FaceObservation] = field(default_factory=list)
    low: dict[str, list[FaceObservation]] = field(default_factory=dict)
    report: FaceReport | None = None


def track_clip(
    photo: FacePhoto, frames: list[NDArray[np.uint8]], options: TrackerOptions
) -> dict[int, list[FaceObservation]]:
    """Label index -> that face's observations over the clip."""
    return track_labelled(frames, [f.center for f in photo.faces], options)


def jitter(observations: list[FaceObservation]) -> float | None:
    """RMS landmark displacement from the mean over frames, per face width, percent."""
    if len(observations) < 2:
        return None
    lm = np.array([o.landmarks[:, :2] for o in observations], dtype=np.float64)
    width = float(np.median([o.bbox[2] - o.bbox[0] for o in observations]))
    rms = float(np.sqrt(((lm - lm.mean(axis=0)) ** 2).sum(axis=2).mean()))
    return 100.0 * rms / width


def value_text(report: FaceReport | None, name: str) -> str:
    if report is None:
        return "not found"
    if report.status == "withheld":
        return f"withheld: {report.reason}"
    if name in report.values:
        m = report.values[name]
        return f"{m.value_mm:.1f}±{m.uncertainty_mm:.1f}"
    return "withheld: " + report.withheld.get(name, "?")


def fit_text(report: FaceReport | None) -> str:
    if report is None or not report.fit:
        return "-"
    counts: dict[str, int] = defaultdict(int)
    for f in report.fit:
        counts[f.verdict] += 1
    short = {"good": "good", "too narrow": "narrow", "too wide": "wide", "uncertain": "unsure"}
    return " ".join(f"{short[k]} {v}" for k, v in counts.items())


def makeup_column() -> str:
    return "lip %" if importlib.util.find_spec("tryon.makeup") else "n/a: makeup not merged"


def fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def pct(values: list[float]) -> str:
    return "-" if not values else f"{100.0 * float(np.mean(values)):.0f}%"


def med(values: list[float], unit: str = "") -> str:
    return "-" if not values else f"{float(np.median(values)):.2f}{unit}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=8, help="frames per still video")
    parser.add_argument(
        "--no-denoise", action="store_true", help="turn off the tracker's low-light denoising"
    )
    args = parser.parse_args()
    sizes = frame_sizes(Catalog.default().products())
    rows: list[FaceRow] = []
    for p_index, photo in enumerate(load_face_set()):
        if photo.grid:
            continue  # one person's expressions: no per-face labels to follow across frames
        options = TrackerOptions(
            max_faces=min(16, len(photo.faces) + 2), low_light_denoise=not args.no_denoise
        )
        found = set(track_clip(photo, [photo.rgb], options))
        noisy = track_clip(
            photo, noisy_frames(photo.rgb, args.frames, 1.0, NOISE, p_index), options
        )
        low = {
            name: track_clip(
                photo, noisy_frames(photo.rgb, args.frames, gain, sigma, p_index), options
            )
            for name, gain, sigma in LIGHTS
        }
        for i, label in enumerate(photo.faces):
            row = FaceRow(
                photo.id,
                label,
                i in found,
                noisy.get(i, []),
                {name: clip.get(i, []) for name, clip in low.items()},
            )
            if row.noisy:
                row.report = measure_observations(row.noisy, sizes)
            rows.append(row)

    makeup = makeup_column()
    lights = "".join(f" {name + ' found':>10} {name + ' jit%':>9}" for name, _, _ in LIGHTS)
    header = (
        f"{'face':<34} {'tone':<11} {'age':<6} {'found':<5} {'jitter%':>7}{lights}  "
        f"{'PD':<16} {'face width':<16} {'temple width':<16} {'shape':<8} "
        f"{'fit (catalog)':<22} lips"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        j = jitter(r.noisy)
        low_cells = "".join(
            f" {f'{len(r.low[name])}/{args.frames}':>10} {fmt(jitter(r.low[name])):>9}"
            for name, _, _ in LIGHTS
        )
        shape = (
            "-" if r.report is None or r.report.face_shape is None else r.report.face_shape.shape
        )
        cells = [value_text(r.report, n)[:16] for n in ("pd", "face_width", "temple_width")]
        print(
            f"{r.photo + '@' + str(tuple(int(c) for c in r.label.center)):<34} {r.label.tag():<11} "
            f"{r.label.age:<6} {'yes' if r.found_still else 'NO':<5} {fmt(j):>7}{low_cells}  "
            f"{cells[0]:<16} {cells[1]:<16} {cells[2]:<16} {shape:<8} "
            f"{fit_text(r.report):<22} {makeup}"
        )
    for r in rows:
        if r.report is not None:
            reasons = {**r.report.withheld}
            if r.report.status == "withheld":
                reasons = {"all": str(r.report.reason)}
            for name, why in reasons.items():
                print(f"  {r.photo} {r.label.tag()}: {name} withheld: {why}")

    print()
    print(
        f"{'group':<7} {'faces':>5} {'found':>6} {'jitter%':>8}{lights} {'PD given':>8} "
        f"{'widths given':>12} {'adult widths in range':>21} {'withheld for pose':>17}"
    )
    ratio_all: list[float] = []
    for group in GROUPS:
        g = [r for r in rows if r.label.group == group]
        found = [float(r.found_still) for r in g]
        jit = [j for r in g if (j := jitter(r.noisy)) is not None]
        low_cells = ""
        for name, _, _ in LIGHTS:
            low_found = [len(r.low[name]) / args.frames for r in g]
            low_jit = [j for r in g if (j := jitter(r.low[name])) is not None]
            low_cells += f" {pct(low_found):>10} {med(low_jit):>9}"
        posed = sum(
            r.report is not None
            and any("head" in why for why in (str(r.report.reason), *r.report.withheld.values()))
            for r in g
        )
        pd_given = [float(r.report is not None and "pd" in r.report.values) for r in g]
        widths = [r for r in g if r.report is not None and "face_width" in r.report.values]
        in_range = []
        for r in widths:
            assert r.report is not None
            fw = r.report.values["face_width"]
            if r.label.age != "child":
                lo, hi = ADULT_RANGES_MM["face_width"]
                margin = 2.0 * fw.uncertainty_mm
                in_range.append(float(lo <= fw.value_mm + margin and fw.value_mm - margin <= hi))
                if "pd" in r.report.values:
                    ratio_all.append(fw.value_mm / r.report.values["pd"].value_mm)
        print(
            f"{group:<7} {len(g):>5} {pct(found):>6} {med(jit):>8}{low_cells} {pct(pd_given):>8} "
            f"{len(widths):>5} of {len(g):<4} {pct(in_range):>21} {posed:>10} of {len(g):<3}"
        )
    published = PUBLISHED_MEANS_MM["face_width"] / PUBLISHED_MEANS_MM["pd"]
    print()
    print(
        f"calibration check: median face width / PD over {len(ratio_all)} adults measured "
        f"{med(ratio_all)} against the published {published:.3f}"
    )


if __name__ == "__main__":
    main()
