"""Rendering one job: a worker holds one `Engine` for its whole life and renders job after
job with it, each as if the engine were new."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from tryon.batch.plan import Job
from tryon.batch.tracker import InputTracker
from tryon.catalog.catalog import Catalog
from tryon.catalog.errors import CatalogError
from tryon.catalog.look import Look
from tryon.cli import CliError
from tryon.cli.filerun import process_file
from tryon.engine import Engine, EngineOptions, EngineResult
from tryon.media import atomic_path, is_image_path

__all__ = ["BatchWorker", "JobResult", "Status", "WorkerSettings"]

log = logging.getLogger(__name__)


class _NoFace(Exception):
    def __init__(self, frames: int) -> None:
        super().__init__(frames)
        self.frames = frames


class Status:
    """A job's outcome, as written in the manifests."""

    OK = "ok"
    NO_FACE = "no-face"
    ERROR = "error"
    PENDING = "pending"  # not done yet (the batch was interrupted before it)


@dataclass(frozen=True, slots=True)
class WorkerSettings:
    """What every worker of a batch is made with (sent to each process or actor)."""

    engine: EngineOptions
    catalog_root: Path


@dataclass(frozen=True, slots=True)
class JobResult:
    """What became of one job; ``output`` is set (relative to the output folder) when ok."""

    product_id: str
    source: str
    output: str | None
    status: str
    error: str | None
    ms: float
    frames: int = 0
    #: The first frame with a face (the contact sheet shows it for a video).
    poster_frame: int = 0
    #: The output's size in bytes (a rerun checks it before skipping the job).
    size: int = 0

    @property
    def key(self) -> tuple[str, str]:
        return (self.product_id, self.source)


class BatchWorker:
    """One engine (made here, once) rendering jobs into ``out_dir``."""

    def __init__(self, settings: WorkerSettings) -> None:
        self._tracker = InputTracker(settings.engine.tracker_options())
        self._engine = Engine(
            settings.engine, tracker=self._tracker, catalog=Catalog(settings.catalog_root)
        )

    def render(self, job: Job, out_dir: Path, source: Path | None = None) -> JobResult:
        """Render ``job`` (reading ``source``, by default ``job.source``) into ``out_dir``;
        the output appears only when complete, and only if a face was found. Failures are
        returned as results, never raised."""
        source = job.source if source is None else source
        t0 = time.perf_counter()
        poster: int | None = None

        def first_face(index: int, _ts: int, result: EngineResult | None) -> None:
            nonlocal poster
            if poster is None and result is not None and result.faces:
                poster = index

        def result(status: str, error: str | None, frames: int = 0, size: int = 0) -> JobResult:
            ms = (time.perf_counter() - t0) * 1000.0
            output = str(job.output) if status == Status.OK else None
            return JobResult(
                job.product_id,
                str(job.source),
                output,
                status,
                error,
                ms,
                frames,
                poster or 0,
                size,
            )

        target = out_dir / job.output
        try:
            self._tracker.start(source, still=is_image_path(source))
            self._engine.reset()
            with atomic_path(target) as tmp:
                look = Look.of(job.product_id)
                frames = process_file(self._engine, source, tmp, look, first_face, progress=False)
                if poster is None:
                    raise _NoFace(frames)
            return result(Status.OK, None, frames, target.stat().st_size)
        except _NoFace as exc:
            return result(Status.NO_FACE, f"no face found in {job.source}", exc.frames)
        except (CliError, CatalogError, OSError) as exc:
            return result(Status.ERROR, str(exc))
        except Exception as exc:  # one job's failure must not stop a batch of thousands
            log.exception("job %s on %s failed", job.product_id, job.source.name)
            return result(Status.ERROR, f"{type(exc).__name__}: {exc}")

    def close(self) -> None:
        self._engine.close()
