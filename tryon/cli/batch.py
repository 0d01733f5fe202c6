"""``tryon batch``: catalog imagery without a photoshoot. Every product (or those chosen) on
every model photo or video, by a pool of processes or on a Ray cluster.

    tryon batch models/ -o shots/                          # every product on every photo
    tryon batch a.jpg b.jpg --product round-tortoise --product aviator-gold-58 -o shots/
    tryon batch models/ --category eyewear --workers 2 -o shots/
    tryon batch models/ -o shots/ --ray auto               # on the Ray cluster of this machine

Writes ``<product>/<photo>.png`` (a video: ``<product>/<video>.mp4``, rendered whole), the
contact sheet ``contact-sheet.png`` and the manifests ``manifest.json`` and ``manifest.csv``
(product, input, output, status, error, ms). A photo without a face, or a file that cannot be
read, is recorded as such and the batch goes on; the exit code is 1 if any job failed.
Run it again to resume: what is done is skipped, the rest (failed jobs too) is rendered.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from tryon.batch.plan import PlanError
from tryon.batch.run import BatchRequest, run_batch
from tryon.cli import CliError, add_face_source_arguments, engine_options

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "batch",
        help="render products on many photos and videos (catalog imagery), resumable",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_face_source_arguments(p, "dress")
    p.add_argument(
        "more_inputs",
        nargs="*",
        type=Path,
        metavar="MORE",
        help="more photos and videos; any input may be a folder of them",
    )
    p.add_argument("-o", "--output", type=Path, required=True, help="the folder to write")
    p.add_argument(
        "--product", action="append", default=[], metavar="ID", help="a product id; repeatable"
    )
    p.add_argument(
        "--category", action="append", default=[], metavar="NAME", help="only this category"
    )
    p.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="local processes (default: the CPU count), or Ray actors (default: the cluster's"
        " CPU count)",
    )
    p.add_argument(
        "--ray",
        metavar="ADDRESS",
        help="run on the Ray cluster at ADDRESS (auto: the one this machine is in; local: a new"
        " one on this machine, for this batch)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    workers: int | None = args.workers
    if workers is not None and workers < 1:
        raise CliError(f"--workers must be at least 1, got {workers}")
    if workers is None and args.ray is None:
        workers = os.cpu_count() or 1
    request = BatchRequest(
        inputs=(args.input, *args.more_inputs),
        out_dir=args.output,
        product_ids=tuple(args.product),
        categories=tuple(args.category),
        engine=engine_options(args),
        workers=workers,
        ray_address=args.ray,
    )
    try:
        summary = run_batch(request)
    except PlanError as exc:
        raise CliError(str(exc)) from None
    counts = ", ".join(f"{n} {status}" for status, n in sorted(summary.counts.items()))
    print(f"{args.output}: {counts} ({summary.skipped} done before)")
    if summary.interrupted:
        print("interrupted: run the same command again to resume")
        return 130
    return 1 if summary.failed else 0
