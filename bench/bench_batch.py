"""``tryon batch`` throughput: images per second with 1 and 2 local processes and on Ray.

    .venv/bin/python bench/bench_batch.py [--photos 4] [--products 9] [--no-ray]

The astronaut photo in ``--photos`` variants (mirrored, shifted, on 640x480 and 1280x720
canvases) times the first ``--products`` products of the shipped catalog, rendered into a new
folder by each runner in turn: a local pool of 1 process, of 2 processes, and Ray actors (one
per CPU) on a Ray instance started here with 2 CPUs (its start-up is not counted; the actors'
is). Prints, per runner, the wall time including worker start-up (one engine, hence one GL
context, per worker), the images per second over the whole run, and the steady rate (from
the time each worker has written its first image to the last image: start-up excluded), with
ratios to the 1-process run. Every output of every runner must be byte-identical.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from PIL import Image
from skimage import data

from tryon.batch.run import BatchRequest, run_batch
from tryon.catalog.catalog import Catalog


def photos(count: int) -> list[NDArray[np.uint8]]:
    """``count`` different photos of one face (mirrored, shifted, on larger canvases)."""
    face = data.astronaut()
    variants = [face, face[:, ::-1], np.roll(face, 40, axis=1)]
    for w, h in ((640, 480), (1280, 720)):
        canvas = np.full((h, w, 3), 90, np.uint8)
        scaled = np.asarray(Image.fromarray(face).resize((h, h), Image.Resampling.LANCZOS))
        canvas[:, (w - h) // 2 : (w - h) // 2 + h] = scaled
        variants.append(canvas)
    return [np.ascontiguousarray(variants[i % len(variants)]) for i in range(count)]


def timed(request: BatchRequest, workers: int) -> tuple[float, float, int]:
    """Wall seconds, the steady images/s, and the number of images of one run."""
    t0 = time.perf_counter()
    summary = run_batch(request)
    wall = time.perf_counter() - t0
    assert summary.failed == 0 and not summary.interrupted, summary
    written = sorted(p.stat().st_mtime for p in request.out_dir.glob("*/*.png"))
    steady = written[workers - 1 :]
    rate = (len(steady) - 1) / (steady[-1] - steady[0]) if len(steady) > 1 else float("nan")
    return wall, rate, len(written)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=4)
    parser.add_argument("--products", type=int, default=9)
    parser.add_argument("--no-ray", action="store_true", help="only the local pools")
    args = parser.parse_args()
    products = tuple(p.id for p in Catalog.default().products()[: args.products])
    root = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    models = root / "models"
    models.mkdir()
    for i, photo in enumerate(photos(args.photos)):
        Image.fromarray(photo).save(models / f"model{i}.png")
    runs: list[tuple[str, BatchRequest, int]] = [
        (
            f"local, {n} process{'es' if n > 1 else ''}",
            _request(models, root / f"local{n}", products, n),
            n,
        )
        for n in (1, 2)
    ]
    if not args.no_ray:
        import ray

        os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
        ray.init(
            num_cpus=2, include_dashboard=False, log_to_driver=False, _node_ip_address="127.0.0.1"
        )
        runs.append(("Ray, 2 actors", _request(models, root / "ray", products, 2, "auto"), 2))
    print(
        f"tryon batch: {args.photos} photos x {len(products)} products; {os.cpu_count()} CPUs,"
        f" load average {os.getloadavg()[0]:.2f}"
    )
    print(
        f"{'runner':<20} | {'images':>6} | {'wall s':>7} | {'images/s':>8} | {'steady/s':>8} | "
        f"{'x 1 proc':>8} | {'steady x':>8}"
    )
    print("-" * 82)
    base: tuple[float, float] | None = None
    for label, request, workers in runs:
        wall, rate, n = timed(request, workers)
        base = base or (n / wall, rate)
        print(
            f"{label:<20} | {n:>6} | {wall:7.1f} | {n / wall:8.2f} | {rate:8.2f} | "
            f"{n / wall / base[0]:8.2f} | {rate / base[1]:8.2f}"
        )
    reference = runs[0][1].out_dir
    for _, request, _ in runs[1:]:
        for path in reference.glob("*/*.png"):
            other = request.out_dir / path.relative_to(reference)
            assert other.read_bytes() == path.read_bytes(), f"{other} differs from {path}"
    print("outputs byte-identical across runners")
    shutil.rmtree(root)


def _request(
    models: Path, out: Path, products: tuple[str, ...], workers: int, ray: str | None = None
) -> BatchRequest:
    return BatchRequest(
        (models,), out, product_ids=products, workers=workers, ray_address=ray, progress=False
    )


if __name__ == "__main__":
    main()
