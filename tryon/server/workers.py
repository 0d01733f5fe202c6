"""Sessions' engines in a pool of worker processes, frames through shared memory.

All sessions in one process serialise their Python work on the GIL, and a native crash in
any engine (MediaPipe, the GL driver) would take every shopper down. With a pool, each
session's engine lives in one of ``workers`` processes (one per core by default), assigned
to the least loaded one. A session's frame thread writes the camera frame into a shared
memory block, asks its worker over a pipe, and reads the result from the same block: no
pickling of pixels, and only the box the engine drew goes back (the rest of the result is
the frame the session sent). :class:`RemoteEngine` is a drop-in ``FrameEngine`` for the session.

A worker that dies takes only its own sessions' engines with it: their next call raises
:class:`WorkerDied`, so each of those sessions reports ``engine-failed`` once and keeps
sending its video unmodified. The pool starts a new process in the dead one's place for the
sessions that come next (``restarts`` counts them).
"""

from __future__ import annotations

import logging
import math
import multiprocessing as mp
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from multiprocessing.shared_memory import SharedMemory
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tryon.catalog.look import Look
from tryon.measure.report import MeasurementReport
from tryon.render.target import Box

__all__ = ["EnginePool", "RemoteEngine", "RemoteResult", "WorkerDied", "WorkerStats"]

log = logging.getLogger(__name__)

#: Longest wait for a worker to start (import MediaPipe, make the catalog) or to stop.
_START_TIMEOUT_S = 120.0
_STOP_TIMEOUT_S = 5.0


class WorkerDied(RuntimeError):
    """The worker process holding this engine is gone (it crashed or was killed)."""


@dataclass(frozen=True, slots=True)
class RemoteResult:
    """What a session reads of the last frame's result (``Engine.last_result``'s shape)."""

    faces: tuple[None, ...]
    timings_ms: dict[str, float]
    drawn_box: Box | None


@dataclass(frozen=True, slots=True)
class WorkerStats:
    """One worker's state, for ``/metrics``."""

    index: int
    pid: int | None
    alive: bool
    sessions: int
    restarts: int


def _frame_view(shm: SharedMemory, shape: tuple[int, ...], slot: int) -> NDArray[np.uint8]:
    """Slot 0 (the frame in) or 1 (the frame out) of a block that holds two ``shape`` frames."""
    buf = shm.buf
    if buf is None:
        raise RuntimeError(f"shared memory block {shm.name} is closed")
    n = math.prod(shape)
    return np.ndarray(shape, np.uint8, buf[slot * n : (slot + 1) * n])


# -- the worker process ----------------------------------------------------------------------


def _worker_main(conn: Connection, catalog_root: str) -> None:
    """A worker's loop: engines by session key, frames in and out through shared memory."""
    from tryon.catalog.catalog import Catalog
    from tryon.engine import Engine, EngineOptions
    from tryon.measure.measurements import MeasureOptions

    catalog = Catalog(catalog_root)
    options = EngineOptions(measure=MeasureOptions())
    engines: dict[int, tuple[Engine, SharedMemory]] = {}
    conn.send(("ready",))
    try:
        while True:
            try:
                request = conn.recv()
            except EOFError:
                return
            op, key = request[0], request[1]
            try:
                if op == "open":
                    shm = SharedMemory(name=request[2])  # the parent creates and unlinks it
                    engines[key] = (Engine(options, catalog=catalog), shm)
                    conn.send(("ok",))
                elif op == "process":
                    _, _, shape, look, ts = request
                    engine, shm = engines[key]
                    out = engine.process(_frame_view(shm, shape, 0), look, ts)
                    result = engine.last_result
                    assert result is not None  # process() sets it
                    if result.drawn_box is not None:
                        x, y, w, h = result.drawn_box
                        box = np.s_[y : y + h, x : x + w]
                        _frame_view(shm, shape, 1)[box] = out[box]
                    reply = len(result.faces), dict(result.timings_ms), result.drawn_box
                    conn.send(("ok", *reply))
                elif op == "measure":
                    conn.send(("ok", engines[key][0].measurements()))
                elif op == "close":
                    engine, shm = engines.pop(key)
                    engine.close()
                    shm.close()
                    conn.send(("ok",))
                else:
                    conn.send(("error", f"unknown request {op!r}"))
            except Exception as exc:  # the session decides; the worker lives on
                conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        for engine, shm in engines.values():
            engine.close()
            shm.close()


# -- the parent side ---------------------------------------------------------------------------


class _Worker:
    """One worker process and the pipe to it (one request at a time)."""

    def __init__(self, index: int, catalog_root: Path) -> None:
        self.index = index
        self._catalog_root = catalog_root
        self._lock = threading.Lock()
        self.sessions = 0
        self.restarts = -1  # the first start is not a restart
        self._process: BaseProcess | None = None
        self._conn: Connection | None = None

    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.is_alive()

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def ensure_started(self) -> None:
        """Start the process if it is not running (again, after a crash)."""
        with self._lock:
            if self.alive:
                return
            self._reap()
            ctx = mp.get_context("spawn")
            parent, child = ctx.Pipe()
            process = ctx.Process(
                target=_worker_main,
                args=(child, str(self._catalog_root)),
                name=f"tryon-engine-worker-{self.index}",
                daemon=True,
            )
            process.start()
            child.close()
            if not parent.poll(_START_TIMEOUT_S):
                process.kill()
                raise RuntimeError(f"engine worker {self.index} did not start")
            parent.recv()
            self._process, self._conn = process, parent
            self.restarts += 1
            log.info("engine worker %d started (pid %s)", self.index, process.pid)

    def call(self, *request: Any) -> tuple[Any, ...]:
        """Send ``request`` and wait for the answer; :class:`WorkerDied` if the process is
        gone, ``RuntimeError`` with the worker's reason if it refused."""
        with self._lock:
            conn, process = self._conn, self._process
            if conn is None or process is None or not process.is_alive():
                raise WorkerDied(self._death())
            try:
                conn.send(request)
                reply: tuple[Any, ...] = conn.recv()
            except (EOFError, OSError, BrokenPipeError):
                process.join(0.5)
                raise WorkerDied(self._death()) from None
        if reply[0] == "error":
            raise RuntimeError(f"engine worker {self.index}: {reply[1]}")
        return reply

    def _death(self) -> str:
        code = None if self._process is None else self._process.exitcode
        return f"engine worker {self.index} is gone (exit code {code})"

    def _reap(self) -> None:
        if self._conn is not None:
            self._conn.close()
        if self._process is not None:
            self._process.join(0)
        self._conn = self._process = None

    def stop(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()  # the worker's recv() ends: it closes its engines
            if self._process is not None:
                self._process.join(_STOP_TIMEOUT_S)
                if self._process.is_alive():
                    self._process.kill()
                    self._process.join(_STOP_TIMEOUT_S)
            self._conn = self._process = None


class RemoteEngine:
    """A session's engine in a worker process (the session's ``FrameEngine``)."""

    def __init__(self, pool: EnginePool, worker: _Worker, key: int) -> None:
        self._pool = pool
        self._worker = worker
        self._key = key
        self._shm: SharedMemory | None = None
        self._opened = False
        self._last: RemoteResult | None = None
        self._closed = False

    @property
    def worker_index(self) -> int:
        return self._worker.index

    @property
    def last_result(self) -> RemoteResult | None:
        return self._last

    def process(
        self, frame: NDArray[np.uint8], look: Look, timestamp_ms: int | None
    ) -> NDArray[np.uint8]:
        """The engine's ``process`` in the worker; ``frame`` goes through shared memory,
        the drawn box (``last_result.drawn_box``) comes back (``frame`` itself when nothing
        was drawn, as with :class:`~tryon.engine.Engine`)."""
        if self._closed:
            raise RuntimeError("RemoteEngine.process() called after close()")
        frame = np.ascontiguousarray(frame)
        n = frame.nbytes
        if self._shm is None or self._shm.size < 2 * n:
            self._reopen(2 * n)
        assert self._shm is not None
        _frame_view(self._shm, frame.shape, 0)[...] = frame
        _, faces, timings, box = self._worker.call(
            "process", self._key, frame.shape, look, timestamp_ms
        )
        self._last = RemoteResult((None,) * faces, timings, box)
        if box is None:
            return frame
        x, y, w, h = box
        out = frame.copy()
        out[y : y + h, x : x + w] = _frame_view(self._shm, frame.shape, 1)[y : y + h, x : x + w]
        return out

    def measurements(self) -> MeasurementReport | None:
        """The engine's report, or None when there is none to give (not started, closed, or
        its worker gone: the next :meth:`process` says so)."""
        if self._closed or not self._opened:
            return None
        try:
            report: MeasurementReport | None = self._worker.call("measure", self._key)[1]
        except WorkerDied:
            return None
        return report

    def close(self) -> None:
        """Close the engine in its worker (if the worker still lives) and free the memory."""
        if self._closed:
            return
        self._closed = True
        try:
            if self._opened and self._worker.alive:
                self._worker.call("close", self._key)
        except (WorkerDied, RuntimeError) as exc:
            log.info("closing a remote engine: %s", exc)
        finally:
            self._release_shm()
            self._pool.forget(self._worker)

    def _reopen(self, size: int) -> None:
        """A shared block of ``size`` bytes (in, then out) and an engine that reads it."""
        if self._opened:
            self._worker.call("close", self._key)
            self._opened = False
        self._release_shm()
        self._shm = SharedMemory(create=True, size=size)
        self._worker.call("open", self._key, self._shm.name)
        self._opened = True

    def _release_shm(self) -> None:
        if self._shm is not None:
            self._shm.close()
            self._shm.unlink()
            self._shm = None


class EnginePool:
    """``workers`` engine processes; calling the pool makes a session's engine (a
    :class:`RemoteEngine` on the least loaded worker, restarted first if it died)."""

    def __init__(self, workers: int, catalog_root: Path) -> None:
        if workers < 1:
            raise ValueError(f"an engine pool needs at least 1 worker, got {workers}")
        self._workers = [_Worker(i, catalog_root) for i in range(workers)]
        self._lock = threading.Lock()
        self._next_key = 0

    def start(self) -> None:
        """Start every worker now (otherwise each starts with its first session)."""
        for worker in self._workers:
            worker.ensure_started()

    def __call__(self) -> RemoteEngine:
        with self._lock:
            worker = min(self._workers, key=lambda w: (w.sessions, w.index))
            worker.sessions += 1
            self._next_key += 1
            key = self._next_key
        try:
            worker.ensure_started()
        except Exception:
            self.forget(worker)
            raise
        return RemoteEngine(self, worker, key)

    def forget(self, worker: _Worker) -> None:
        with self._lock:
            worker.sessions = max(worker.sessions - 1, 0)

    def stats(self) -> list[WorkerStats]:
        return [
            WorkerStats(w.index, w.pid, w.alive, w.sessions, max(w.restarts, 0))
            for w in self._workers
        ]

    def close(self) -> None:
        for worker in self._workers:
            worker.stop()
