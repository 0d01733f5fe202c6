"""Sessions' engines in a pool of worker processes, frames through shared memory.

All sessions in one process serialise their Python work on the GIL, and a native crash in
any engine (MediaPipe, the GL driver) would take every shopper down. With a pool, each
session's engine lives in one of ``workers`` processes (one per core by default), assigned
to the least loaded one. A session's frame thread writes the camera frame into a shared
memory block, asks its worker over a pipe, and reads the result from the same block: no
pickling of pixels, and only the box the engine drew goes back (the rest of the result is
the frame the session sent). :class:`RemoteEngine` is a drop-in ``FrameEngine`` for the session.

Sessions on one worker run at the same time: inside the worker each session's engine lives
on its own thread (which makes it, so its renderer's GL context is current there), and the
worker's main thread hands it that session's requests; replies come back tagged with the
session's key, and a reader thread in the parent hands each to the call waiting for it.

A worker that dies takes only its own sessions' engines with it: their next call raises
:class:`WorkerDied`, so each of those sessions reports ``engine-failed`` once and keeps
sending its video unmodified. The pool starts a new process in the dead one's place for the
sessions that come next (``restarts`` counts them).
"""

from __future__ import annotations

import logging
import math
import multiprocessing as mp
import os
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.shared_memory import SharedMemory
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from tryon.catalog.look import Look
from tryon.measure.report import MeasurementReport
from tryon.render.target import Box

if TYPE_CHECKING:
    from tryon.engine import Engine

__all__ = ["EnginePool", "RemoteEngine", "RemoteResult", "WorkerDied", "WorkerStats"]

log = logging.getLogger(__name__)

#: Longest wait for a worker to start (import MediaPipe, make the catalog) or to stop.
_START_TIMEOUT_S = 120.0
_STOP_TIMEOUT_S = 5.0
#: Mesa llvmpipe's rasterizer threads in a worker (``LP_NUM_THREADS``, unless the environment
#: sets it; GPU drivers ignore it). ``0`` rasterizes on the session's own thread: a worker's
#: parallelism comes from its sessions, and for product-sized boxes llvmpipe's thread pool
#: cost more CPU than it saved (3 sessions on 2 cores, ``bench/bench_capacity.py``: 9.5
#: against 10.8 ms of worker CPU per frame, 22.3 against 18.9 fps each, means of 3 runs).
_LLVMPIPE_THREADS = "0"


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


def _frame_view(shm: SharedMemory, shape: tuple[int, ...]) -> NDArray[np.uint8]:
    """The ``shape`` frame at the start of a shared block: the camera frame in, the drawn
    box out (the engine draws it in place)."""
    buf = shm.buf
    if buf is None:
        raise RuntimeError(f"shared memory block {shm.name} is closed")
    return np.ndarray(shape, np.uint8, buf[: math.prod(shape)])


# -- the worker process ----------------------------------------------------------------------


class _SessionThread:
    """One session's engine in a worker, on its own thread: the thread makes the engine (so
    the renderer's GL context is made and current there), processes its frames, answers
    ``measure`` and ``close``, and ends. Sessions' native work (inference, raster, numpy)
    overlaps; the session sends one request at a time, so the inbox holds at most one."""

    def __init__(self, key: int, reply: Callable[..., None], make: Callable[[], Engine]) -> None:
        self._key = key
        self._reply = reply
        self._make = make
        self._engine: Engine | None = None
        self._shm: SharedMemory | None = None
        self._inbox: queue.Queue[tuple[Any, ...] | None] = queue.Queue(maxsize=1)
        self._thread = threading.Thread(target=self._run, name=f"tryon-engine-{key}")
        self._thread.start()

    def hand(self, request: tuple[Any, ...]) -> None:
        try:
            self._inbox.put_nowait(request)
        except queue.Full:
            self._reply(self._key, "error", f"session {self._key} already has a request waiting")

    def stop(self) -> None:
        """End the thread (closing its engine) after the request it is on, and wait."""
        self._inbox.put(None)
        self._thread.join()

    def _run(self) -> None:
        try:
            while (request := self._inbox.get()) is not None:
                op = request[0]
                try:
                    self._reply(self._key, *self._answer(request))
                except Exception as exc:  # the session decides; the worker lives on
                    self._reply(self._key, "error", f"{type(exc).__name__}: {exc}")
                if op == "close":
                    return
        finally:
            self._release()

    def _answer(self, request: tuple[Any, ...]) -> tuple[Any, ...]:
        op = request[0]
        if op == "open":
            self._release()  # of an open that failed half way
            self._shm = SharedMemory(name=request[2])  # the parent creates and unlinks it
            self._engine = self._make()
            return ("ok",)
        if op == "close":
            self._release()  # answered once the engine is closed
            return ("ok",)
        if self._engine is None or self._shm is None:
            return ("error", f"session {self._key} has no engine open")
        if op == "process":
            return ("ok", *_process(self._engine, self._shm, *request[2:]))
        if op == "measure":
            return ("ok", self._engine.measurements())
        return ("error", f"unknown request {op!r}")

    def _release(self) -> None:
        engine, shm, self._engine, self._shm = self._engine, self._shm, None, None
        try:
            if engine is not None:
                engine.close()
        finally:
            if shm is not None:
                shm.close()


def _process(
    engine: Engine, shm: SharedMemory, shape: tuple[int, ...], look: Look, ts: int | None
) -> tuple[int, dict[str, float], Box | None]:
    """Process the shared frame, drawing in place: faces, timings and the drawn box."""
    frame = _frame_view(shm, shape)
    out = engine.process(frame, look, ts, out=frame)
    result = engine.last_result
    assert result is not None  # process() sets it
    if result.drawn_box is not None and out is not frame:  # the debug overlay's own copy
        x, y, w, h = result.drawn_box
        box = np.s_[y : y + h, x : x + w]
        frame[box] = out[box]
    return len(result.faces), dict(result.timings_ms), result.drawn_box


def _worker_main(requests: Connection, replies: Connection, catalog_root: str) -> None:
    """A worker's main thread: reads requests and hands each to its session's thread;
    replies go back tagged with the session's key (sessions answer in any order)."""
    os.environ.setdefault("LP_NUM_THREADS", _LLVMPIPE_THREADS)  # before any GL context
    from tryon.catalog.catalog import Catalog
    from tryon.engine import Engine, EngineOptions
    from tryon.measure.measurements import MeasureOptions

    catalog = Catalog(catalog_root)
    options = EngineOptions(measure=MeasureOptions())
    send_lock = threading.Lock()

    def reply(key: int, *message: Any) -> None:
        with send_lock:
            replies.send((key, *message))

    sessions: dict[int, _SessionThread] = {}
    replies.send(("ready",))
    try:
        while True:
            try:
                request = requests.recv()
            except EOFError:
                return
            op, key = request[0], request[1]
            if op == "open" and key not in sessions:
                sessions[key] = _SessionThread(key, reply, lambda: Engine(options, catalog=catalog))
            session = sessions.pop(key) if op == "close" else sessions.get(key)
            if session is None:
                reply(key, "error", f"no engine open for session {key}")
            else:
                session.hand(request)  # after "close" the thread answers and ends
    finally:
        for session in sessions.values():
            session.stop()


# -- the parent side ---------------------------------------------------------------------------


class _Waiter:
    """One call's reply slot: set by the worker's reader thread."""

    def __init__(self) -> None:
        self._done = threading.Event()
        self._reply: tuple[Any, ...] | None = None
        self._died: str | None = None

    def answer(self, reply: tuple[Any, ...]) -> None:
        self._reply = reply
        self._done.set()

    def fail(self, why: str) -> None:
        self._died = why
        self._done.set()

    def wait(self) -> tuple[Any, ...]:
        self._done.wait()
        if self._reply is None:
            raise WorkerDied(self._died)
        return self._reply


class _Link:
    """One worker process, the pipes to and from it, and the thread that reads its replies
    and hands each to the call waiting for that session's key. When the pipe breaks (the
    process died, or was stopped), every call still waiting gets :class:`WorkerDied`."""

    def __init__(self, index: int, catalog_root: Path) -> None:
        self.index = index
        ctx = mp.get_context("spawn")
        requests_in, self._requests = ctx.Pipe(duplex=False)
        self._replies, replies_out = ctx.Pipe(duplex=False)
        self.process = ctx.Process(
            target=_worker_main,
            args=(requests_in, replies_out, str(catalog_root)),
            name=f"tryon-engine-worker-{index}",
            daemon=True,
        )
        self.process.start()
        requests_in.close()
        replies_out.close()
        try:  # poll() is also true when the worker died starting: recv() says EOF then
            started = self._replies.poll(_START_TIMEOUT_S) and self._replies.recv() == ("ready",)
        except EOFError:
            started = False
        if not started:
            self._requests.close()
            self._end_process()
            self._replies.close()
            raise RuntimeError(
                f"engine worker {index} did not start (exit code {self.process.exitcode})"
            )
        self._send_lock = threading.Lock()
        self._lock = threading.Lock()  # the waiters and the broken flag
        self._waiters: dict[int, _Waiter] = {}
        self._broken = False
        self._reader = threading.Thread(
            target=self._read, name=f"tryon-engine-worker-{index}-replies", daemon=True
        )
        self._reader.start()

    @property
    def alive(self) -> bool:
        return not self._broken and self.process.is_alive()

    def death(self) -> str:
        return f"engine worker {self.index} is gone (exit code {self.process.exitcode})"

    def call(self, request: tuple[Any, ...]) -> tuple[Any, ...]:
        key = request[1]
        waiter = _Waiter()
        with self._lock:
            if self._broken or not self.process.is_alive():
                raise WorkerDied(self.death())
            if key in self._waiters:
                raise RuntimeError(f"session {key} already has a request waiting")
            self._waiters[key] = waiter
        try:
            with self._send_lock:
                self._requests.send(request)
        except OSError:  # the pipe is closed: the reader fails the waiter
            pass
        except BaseException:  # nothing was sent (pickling comes first)
            with self._lock:
                self._waiters.pop(key, None)
            raise
        return waiter.wait()

    def _read(self) -> None:
        try:
            while True:
                key, *reply = self._replies.recv()
                with self._lock:
                    waiter = self._waiters.pop(key, None)
                if waiter is not None:
                    waiter.answer(tuple(reply))
        except (EOFError, OSError):
            pass
        self.process.join(0.5)  # so the exit code is known
        with self._lock:
            self._broken = True
            waiters, self._waiters = self._waiters, {}
        for waiter in waiters.values():
            waiter.fail(self.death())

    def stop(self) -> None:
        """Close the request pipe: the worker closes its engines and exits, and the reader
        sees the end of the replies (the worker is killed if it has not after a while)."""
        with self._send_lock:
            self._requests.close()
        self._reader.join(_STOP_TIMEOUT_S)
        self._end_process()
        self._reader.join()
        self._replies.close()

    def _end_process(self) -> None:
        """Wait for the process to exit (its request pipe is closed); kill it if it hangs."""
        self.process.join(_STOP_TIMEOUT_S)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(_STOP_TIMEOUT_S)


class _Worker:
    """One worker slot of the pool: its current process (started again after a crash)."""

    def __init__(self, index: int, catalog_root: Path) -> None:
        self.index = index
        self._catalog_root = catalog_root
        self._lock = threading.Lock()
        self.sessions = 0
        self.restarts = -1  # the first start is not a restart
        self._link: _Link | None = None

    @property
    def alive(self) -> bool:
        return self._link is not None and self._link.alive

    @property
    def pid(self) -> int | None:
        return None if self._link is None else self._link.process.pid

    def ensure_started(self) -> None:
        """Start the process if it is not running (again, after a crash)."""
        with self._lock:
            if self.alive:
                return
            if self._link is not None:
                self._link.stop()
            self._link = None  # stays so if the start fails
            self._link = _Link(self.index, self._catalog_root)
            self.restarts += 1
            log.info("engine worker %d started (pid %s)", self.index, self._link.process.pid)

    def call(self, *request: Any) -> tuple[Any, ...]:
        """Send ``request`` and wait for the answer (other sessions' calls to this worker go
        on meanwhile); :class:`WorkerDied` if the process is gone, ``RuntimeError`` with the
        worker's reason if it refused."""
        link = self._link
        if link is None:
            raise WorkerDied(f"engine worker {self.index} is gone (not started)")
        reply = link.call(request)
        if reply[0] == "error":
            raise RuntimeError(f"engine worker {self.index}: {reply[1]}")
        return reply

    def stop(self) -> None:
        with self._lock:
            if self._link is not None:
                self._link.stop()
            self._link = None


class RemoteEngine:
    """A session's engine in a worker process (the session's ``FrameEngine``)."""

    def __init__(self, pool: EnginePool, worker: _Worker, key: int) -> None:
        self._pool = pool
        self._worker = worker
        self._key = key
        self._shm: SharedMemory | None = None
        self._opened = False
        #: The worker's start (its ``restarts`` count) that holds this engine: a worker
        #: started again after a crash does not have it.
        self._opened_on = -1
        self._last: RemoteResult | None = None
        self._closed = False

    @property
    def worker_index(self) -> int:
        return self._worker.index

    @property
    def last_result(self) -> RemoteResult | None:
        return self._last

    def process(
        self,
        frame: NDArray[np.uint8],
        look: Look,
        timestamp_ms: int | None,
        *,
        out: NDArray[np.uint8] | None = None,
    ) -> NDArray[np.uint8]:
        """The engine's ``process`` in the worker; ``frame`` goes through shared memory,
        the drawn box (``last_result.drawn_box``) comes back. As with
        :class:`~tryon.engine.Engine`: ``frame`` itself is returned when nothing was drawn,
        and ``out`` (the frame's shape; ``frame`` itself to draw in place) receives the
        result instead of a new array."""
        if self._closed:
            raise RuntimeError("RemoteEngine.process() called after close()")
        if out is not None and (out.shape != frame.shape or out.dtype != frame.dtype):
            raise ValueError(
                f"out must be a {frame.dtype} array of shape {frame.shape}, "
                f"got {out.dtype} {out.shape}"
            )
        source = np.ascontiguousarray(frame)
        self._check_worker()
        if self._shm is None or self._shm.size < source.nbytes:
            self._reopen(source.nbytes)
        assert self._shm is not None
        shared = _frame_view(self._shm, source.shape)
        shared[...] = source
        _, faces, timings, box = self._worker.call(
            "process", self._key, source.shape, look, timestamp_ms
        )
        self._last = RemoteResult((None,) * faces, timings, box)
        if box is None:
            return frame
        if out is None:
            out = frame.copy()
        elif out is not frame:
            np.copyto(out, frame)
        x, y, w, h = box
        out[y : y + h, x : x + w] = shared[y : y + h, x : x + w]
        return out

    def measurements(self) -> MeasurementReport | None:
        """The engine's report, or None when there is none to give (not started, closed, or
        its worker gone: the next :meth:`process` says so)."""
        if self._closed or not self._opened:
            return None
        try:
            self._check_worker()
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
            if self._opened and self._worker.alive and not self._lost():
                self._worker.call("close", self._key)
        except (WorkerDied, RuntimeError) as exc:
            log.info("closing a remote engine: %s", exc)
        finally:
            self._release_shm()
            self._pool.forget(self._worker)

    def _reopen(self, size: int) -> None:
        """A shared block of ``size`` bytes (the frame) and an engine that reads it."""
        if self._opened:
            self._worker.call("close", self._key)
            self._opened = False
        self._release_shm()
        self._shm = SharedMemory(create=True, size=size)
        self._worker.call("open", self._key, self._shm.name)
        self._opened = True
        self._opened_on = self._worker.restarts

    def _lost(self) -> bool:
        """The worker that held this engine died and was started again without it."""
        return self._opened and self._worker.restarts != self._opened_on

    def _check_worker(self) -> None:
        """:class:`WorkerDied` once the engine's worker is gone, even when it has been
        started again since for other sessions (the new process never had this engine)."""
        if self._lost():
            raise WorkerDied(
                f"engine worker {self._worker.index} was restarted after a crash; "
                f"this session's engine ended with the old process"
            )

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
