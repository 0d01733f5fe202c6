"""Running a batch on a pool of local processes, one `BatchWorker` (one engine) in each."""

from __future__ import annotations

import multiprocessing
import signal
from collections.abc import Iterator, Sequence
from multiprocessing.util import Finalize
from pathlib import Path
from types import FrameType, TracebackType

from tryon.batch.plan import Job
from tryon.batch.worker import BatchWorker, JobResult, WorkerSettings

__all__ = ["LocalRunner"]

#: This process's worker and output folder (set once by `_start_worker`).
_worker: BatchWorker | None = None
_out_dir: Path | None = None


def _stop(_signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(1)  # unwinds the job: its temporary output is removed on the way


def _start_worker(settings: WorkerSettings, out_dir: Path) -> None:
    """Process start-up: make the engine. Ctrl-C is the parent's to handle; the parent stops
    the workers with SIGTERM, which unwinds the job in hand."""
    global _worker, _out_dir
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop)
    _worker = BatchWorker(settings)
    _out_dir = out_dir
    Finalize(_worker, _worker.close, exitpriority=10)


def _render(job: Job) -> JobResult:
    assert _worker is not None and _out_dir is not None, "worker not started"
    return _worker.render(job, _out_dir)


class LocalRunner:
    """``workers`` processes (started with ``spawn``: nothing of the parent's GL or MediaPipe
    state is inherited) rendering jobs in the order given, results as they come."""

    def __init__(self, settings: WorkerSettings, out_dir: Path, workers: int) -> None:
        context = multiprocessing.get_context("spawn")
        self._pool = context.Pool(workers, _start_worker, (settings, out_dir))

    def results(self, jobs: Sequence[Job]) -> Iterator[JobResult]:
        return self._pool.imap_unordered(_render, jobs)

    def __enter__(self) -> LocalRunner:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is None:
            self._pool.close()  # workers finish, release their engines and exit
        else:
            self._pool.terminate()  # workers stop now; partial outputs are removed
        self._pool.join()
