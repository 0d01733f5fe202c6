"""Headshot time per photo, per stage: the astronaut (512x512) and the same photo scaled to
about 1 MP and 4 MP, with the default options (retouch, soft-key light, vignette, framing).

    .venv/bin/python bench/bench_headshot.py [--runs N]

The first photo of a run also loads the models; the table shows the median of the rest.
"""

from __future__ import annotations

import argparse
import statistics

import cv2
import numpy as np
from skimage import data

from tryon.headshot.pipeline import HeadshotMaker, HeadshotOptions

SIZES = {"512x512": 512, "1024x1024 (1 MP)": 1024, "2048x2048 (4 MP)": 2048}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    base = np.ascontiguousarray(data.astronaut())
    rows: list[tuple[str, dict[str, float]]] = []
    with HeadshotMaker() as maker:
        maker.make(base, HeadshotOptions())  # warm-up: models, caches
        for label, side in SIZES.items():
            photo = np.ascontiguousarray(
                cv2.resize(base, (side, side), interpolation=cv2.INTER_CUBIC)
            )
            runs = [maker.make(photo, HeadshotOptions()).timings_ms for _ in range(args.runs)]
            stages = list(runs[0])
            rows.append(
                (label, {s: statistics.median(r.get(s, 0.0) for r in runs) for s in stages})
            )
    stages = list(rows[0][1])
    print(f"| photo | {' | '.join(stages)} |")
    print(f"|---|{'---|' * len(stages)}")
    for label, ms in rows:
        print(f"| {label} | {' | '.join(f'{ms[s]:.0f}' for s in stages)} |")
    print(f"\nmedian of {args.runs} runs, ms; 'tracking' includes making a fresh engine per photo")


if __name__ == "__main__":
    main()
