"""What a batch renders: its inputs, its products, and one job per (product, input)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tryon.catalog.catalog import Catalog
from tryon.media import IMAGE_SUFFIXES, VIDEO_SUFFIXES, is_image_path

__all__ = ["Job", "PlanError", "collect_inputs", "output_path", "plan_jobs", "select_products"]

#: What a photo is rendered to (lossless, so a rerun or another machine gives the same bytes).
IMAGE_OUTPUT_SUFFIX = ".png"
#: What a video is rendered to.
VIDEO_OUTPUT_SUFFIX = ".mp4"


class PlanError(Exception):
    """The batch cannot start (no input, an unknown product, two inputs with one name)."""


@dataclass(frozen=True, slots=True)
class Job:
    """Render ``product_id`` on ``source`` into ``output`` (relative to the output folder)."""

    product_id: str
    source: Path
    output: Path

    @property
    def key(self) -> tuple[str, str]:
        """What identifies the job across runs."""
        return (self.product_id, str(self.source))


def collect_inputs(paths: Sequence[Path]) -> list[Path]:
    """The files named, and the photos and videos directly inside the folders named (sorted),
    as absolute paths. A missing path, or nothing to render at all, is a `PlanError`; a named
    file is taken whatever it holds (an unreadable one is a failed job, not a refusal)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            media = IMAGE_SUFFIXES | VIDEO_SUFFIXES
            found += sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in media)
        elif path.is_file():
            found.append(path)
        else:
            raise PlanError(f"no such file or folder: {path}")
    unique = list(dict.fromkeys(p.resolve() for p in found))
    if not unique:
        raise PlanError(f"no photos or videos in {', '.join(str(p) for p in paths)}")
    by_stem: dict[str, Path] = {}
    for path in unique:
        other = by_stem.setdefault(path.stem, path)
        if other != path:
            raise PlanError(
                f"{other} and {path} would both be rendered to {path.stem}.*: rename one"
            )
    return unique


def select_products(
    catalog: Catalog, ids: Sequence[str] = (), categories: Sequence[str] = ()
) -> list[str]:
    """The product ids to render: ``ids`` (in that order) if given, else every product of the
    catalog, in both cases only those of ``categories`` when given. An unknown id or category,
    or an empty selection, is a `PlanError` that lists what the catalog has."""
    unknown = [pid for pid in ids if pid not in catalog]
    if unknown:
        known = ", ".join(p.id for p in catalog.products())
        raise PlanError(f"unknown product {unknown[0]!r} (the catalog has: {known})")
    have = sorted({p.category for p in catalog.products()})
    bad = [c for c in categories if c not in have]
    if bad:
        raise PlanError(f"unknown category {bad[0]!r} (the catalog has: {', '.join(have)})")
    chosen = list(dict.fromkeys(ids)) or [p.id for p in catalog.products()]
    if categories:
        chosen = [pid for pid in chosen if catalog.get(pid).category in categories]
    if not chosen:
        raise PlanError(f"no product of category {', '.join(categories)} among {', '.join(ids)}")
    return chosen


def output_path(product_id: str, source: Path) -> Path:
    """Where the job's output goes, relative to the output folder: ``<product>/<stem>.png``
    for a photo, ``.mp4`` for anything else (a video)."""
    suffix = IMAGE_OUTPUT_SUFFIX if is_image_path(source) else VIDEO_OUTPUT_SUFFIX
    return Path(product_id) / f"{source.stem}{suffix}"


def plan_jobs(product_ids: Sequence[str], sources: Sequence[Path]) -> list[Job]:
    """One job per (product, input), input by input: a worker given consecutive jobs mostly
    sees the same photo again, whose faces it has already found."""
    return [Job(pid, src, output_path(pid, src)) for src in sources for pid in product_ids]
