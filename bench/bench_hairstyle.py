"""Hairstyle benchmark: what each shipped hairstyle costs a rendered frame.

    .venv/bin/python bench/bench_hairstyle.py [--frames 100]

The astronaut in a 640x480 frame, tracked once; one renderer (the default antialiasing),
RGB readback into a preallocated buffer. Rows: the shipped ``classic-rectangle-black``
glasses alone (a 3D product for scale), then each hairstyle alone; the ratio column is the
row's median over the glasses'. The machine is shared: the minimum is the best estimate of
the cost when nothing else runs, the median and p95 show the contention.
"""

from __future__ import annotations

import argparse

import numpy as np
from bench_render import scene_frame, stats, timed, track

from tryon.catalog.catalog import Catalog
from tryon.catalog.hairstyle import HairstyleProduct
from tryon.render.context import describe
from tryon.render.kinds import worn_item
from tryon.render.passes import FaceWear, Worn
from tryon.render.renderer import Renderer

GLASSES = "classic-rectangle-black"
SIZE = (640, 480)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=100, help="timed frames per row")
    args = parser.parse_args()
    catalog = Catalog.default()
    rows: list[tuple[str, Worn]] = [
        (GLASSES, worn_item(catalog.get(GLASSES), catalog.load_asset(GLASSES), 1.0))
    ]
    for p in catalog.products():
        if isinstance(p, HairstyleProduct):
            rows.append((p.id, worn_item(p, catalog.load_asset(p.id), 1.0)))
    frame = scene_frame(*SIZE)
    face = track(frame)
    out = np.empty_like(frame)
    with Renderer() as renderer:
        print(f"renderer: {describe(renderer.ctx)}, antialias {renderer.antialias}")
        print(f"{SIZE[0]}x{SIZE[1]}, {args.frames} frames per row")
        print(f"{'product':<26}{'min ms':>8}{'median':>8}{'p95':>8}{'ratio':>8}")
        base = None
        for name, item in rows:
            wear = FaceWear.each([face], [item])
            ms = timed(lambda w=wear: renderer.render(frame, w, out), args.frames)
            median, p95 = stats(ms)
            base = median if base is None else base
            print(f"{name:<26}{min(ms):>8.2f}{median:>8.2f}{p95:>8.2f}{median / base:>8.2f}")


if __name__ == "__main__":
    main()
