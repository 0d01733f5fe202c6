"""Running a batch on a Ray cluster: one actor per CPU (or ``workers``), each holding one
`BatchWorker`. Inputs go to the actors through Ray's object store and outputs come back to
this process, which writes them: the machines need tryon installed, not a shared disk."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from types import TracebackType
from typing import Any

from tryon.batch.plan import Job, PlanError
from tryon.batch.worker import BatchWorker, JobResult, Status, WorkerSettings
from tryon.media import atomic_path

__all__ = ["RayRunner"]


class _RemoteWorker:
    """A Ray actor: one engine, a scratch folder for the input and output in hand."""

    def __init__(self, settings: WorkerSettings) -> None:
        self._worker = BatchWorker(settings)
        self._scratch = Path(tempfile.mkdtemp(prefix="tryon-batch-"))
        self._source: Path | None = None  # the input now in the scratch folder

    def render(self, job: Job, data: bytes) -> tuple[JobResult, bytes | None]:
        """The job's result and, when ok, the output's bytes."""
        local = self._scratch / "in" / job.source.name
        if self._source != job.source:  # a photo rendered again is not rewritten: its
            local.parent.mkdir(exist_ok=True)  # faces are found once
            local.write_bytes(data)
            self._source = job.source
        out_dir = self._scratch / "out"
        result = self._worker.render(job, out_dir, source=local)
        if result.error is not None:
            error = result.error.replace(str(local), str(job.source))
            result = replace(result, error=error)
        if result.status != Status.OK:
            return result, None
        output = out_dir / job.output
        payload = output.read_bytes()
        output.unlink()
        return result, payload

    def close(self) -> None:
        """Release the engine and the scratch folder."""
        self._worker.close()
        shutil.rmtree(self._scratch, ignore_errors=True)


def _import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise PlanError("--ray needs Ray: pip install 'ray'") from None
    return ray


class RayRunner:
    """Actors (``workers``, by default one per CPU, never more than ``jobs``) on the cluster at
    ``address`` (``auto``: the one this machine is in), or on the Ray instance this process
    has already started."""

    def __init__(
        self,
        settings: WorkerSettings,
        out_dir: Path,
        address: str,
        workers: int | None,
        jobs: int,
    ) -> None:
        self._ray = ray = _import_ray()
        self._own = not ray.is_initialized()
        if self._own:
            try:
                ray.init(address=address, include_dashboard=False)
            except (ConnectionError, ValueError, RuntimeError) as exc:
                raise PlanError(f"cannot join the Ray cluster at {address!r}: {exc}") from None
        count = min(jobs, workers or max(1, int(ray.cluster_resources().get("CPU", 1))))
        actor = ray.remote(num_cpus=1)(_RemoteWorker)
        self._actors = [actor.remote(settings) for _ in range(count)]
        self._out_dir = out_dir
        self._data: tuple[Path, Any] | None = None  # the input now sent: (path, object ref)

    def results(self, jobs: Sequence[Job]) -> Iterator[JobResult]:
        from ray.util import ActorPool

        unreadable = {}
        for source in dict.fromkeys(job.source for job in jobs):
            try:
                source.open("rb").close()
            except OSError as exc:  # unreadable here: no actor could do better
                unreadable[source] = f"cannot read {source}: {exc.strerror}"
        for job in jobs:
            if job.source in unreadable:
                error = unreadable[job.source]
                yield JobResult(job.product_id, str(job.source), None, Status.ERROR, error, 0.0)
        readable = [job for job in jobs if job.source not in unreadable]
        pool = ActorPool(self._actors)
        for result, payload in pool.map_unordered(
            lambda a, job: a.render.remote(job, self._data_of(job.source)), readable
        ):
            if payload is not None:
                with atomic_path(self._out_dir / result.output) as tmp:
                    tmp.write_bytes(payload)
            yield result

    def _data_of(self, source: Path) -> Any:
        """The input's bytes in the object store (jobs come input by input: one at a time)."""
        if self._data is None or self._data[0] != source:
            self._data = (source, self._ray.put(source.read_bytes()))
        return self._data[1]

    def __enter__(self) -> RayRunner:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is None:  # done: the actors clean up; else they are stopped at once
            self._ray.get([actor.close.remote() for actor in self._actors])
        for actor in self._actors:
            self._ray.kill(actor)
        if self._own:
            self._ray.shutdown()
