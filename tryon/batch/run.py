"""A batch from start to end: plan, skip what an earlier run did, render the rest (locally or
on Ray), record each result as it comes, then write the manifests and the contact sheet.

Ctrl-C or SIGTERM stops it cleanly: workers stop at once (the job in hand leaves no file),
finished outputs stay, the manifests list the jobs not done as ``pending``; a rerun resumes.
"""

from __future__ import annotations

import signal
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

from tqdm import tqdm

from tryon.batch.contact_sheet import write_contact_sheets
from tryon.batch.journal import Journal, manifest_rows, write_manifests
from tryon.batch.local import LocalRunner
from tryon.batch.plan import collect_inputs, output_path, plan_jobs, select_products
from tryon.batch.ray_runner import RayRunner
from tryon.batch.worker import JobResult, Status, WorkerSettings
from tryon.catalog.catalog import Catalog
from tryon.engine import EngineOptions

__all__ = ["BatchRequest", "BatchSummary", "run_batch"]


@dataclass(frozen=True, slots=True)
class BatchRequest:
    """What to render, where, and how."""

    inputs: tuple[Path, ...]
    out_dir: Path
    #: Products to render (all when empty), narrowed to ``categories`` when given.
    product_ids: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    engine: EngineOptions = field(default_factory=EngineOptions)
    catalog_root: Path | None = None
    #: Local worker processes, or Ray actors (None with Ray: one per CPU of the cluster).
    workers: int | None = 1
    #: A Ray cluster's address (or ``auto``) to run on; None: local processes.
    ray_address: str | None = None
    progress: bool = True


@dataclass(frozen=True, slots=True)
class BatchSummary:
    """How the batch went: jobs by status, how many were done before, the sheets drawn."""

    counts: Counter[str]
    skipped: int
    interrupted: bool
    sheets: tuple[Path, ...]

    @property
    def failed(self) -> int:
        return self.counts[Status.NO_FACE] + self.counts[Status.ERROR]


def run_batch(request: BatchRequest) -> BatchSummary:
    """Run ``request``; `PlanError` when it cannot start (nothing is written then)."""
    catalog = Catalog.default() if request.catalog_root is None else Catalog(request.catalog_root)
    products = select_products(catalog, request.product_ids, request.categories)
    jobs = plan_jobs(products, collect_inputs(request.inputs))
    out_dir = request.out_dir
    journal = Journal(out_dir)
    todo = [job for job in jobs if not journal.is_done(job)]
    settings = WorkerSettings(request.engine, catalog.root)
    runner = _runner(request, settings, len(todo)) if todo else None
    out_dir.mkdir(parents=True, exist_ok=True)
    interrupted = False
    try:
        with _interrupt_on_sigterm(), runner or nullcontext():
            if runner is not None:
                for result in _progress(runner.results(todo), len(todo), request.progress):
                    journal.record(result)
                    if result.status != Status.OK:  # an earlier output of the job is stale
                        stale = output_path(result.product_id, Path(result.source))
                        (out_dir / stale).unlink(missing_ok=True)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        journal.close()
        rows = manifest_rows(jobs, journal, catalog)
        counts = write_manifests(rows, out_dir)
    sheets = () if interrupted else tuple(write_contact_sheets(rows, out_dir))
    return BatchSummary(counts, len(jobs) - len(todo), interrupted, sheets)


def _runner(request: BatchRequest, settings: WorkerSettings, jobs: int) -> LocalRunner | RayRunner:
    """The runner for ``jobs`` jobs: no more workers than jobs (each makes an engine)."""
    if request.ray_address is not None:
        return RayRunner(settings, request.out_dir, request.ray_address, request.workers, jobs)
    return LocalRunner(settings, request.out_dir, min(request.workers or 1, jobs))


def _progress(results: Iterator[JobResult], total: int, show: bool) -> Iterator[JobResult]:
    """``results`` with a progress bar (on a terminal) counting the failed ones."""
    failed = 0
    with tqdm(total=total, unit="image", disable=None if show else True) as bar:
        for result in results:
            failed += result.status != Status.OK
            bar.set_postfix(failed=failed, refresh=False)
            bar.update()
            yield result


@contextmanager
def _interrupt_on_sigterm() -> Iterator[None]:
    """SIGTERM stops the batch as Ctrl-C does."""

    def interrupt(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
