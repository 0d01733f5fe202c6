"""Engines in worker processes: the same frames as an engine in the server's process, sessions
spread over the workers, sessions on one worker processed at the same time, and a worker that
dies takes only its own sessions' engines (they fail cleanly; the next session gets a new
worker)."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from tryon.catalog.catalog import Catalog
from tryon.catalog.look import Look
from tryon.engine import Engine, EngineOptions
from tryon.measure.measurements import MeasureOptions
from tryon.render.context import create_context
from tryon.server.metrics import Metrics
from tryon.server.workers import EnginePool, RemoteEngine, WorkerDied

pytestmark = pytest.mark.slow

LOOK = Look.of("classic-rectangle-black")


@pytest.fixture(scope="module")
def pool() -> Iterator[EnginePool]:
    pool = EnginePool(2, Catalog.default().root)
    pool.start()
    yield pool
    pool.close()


@pytest.fixture(scope="module")
def single() -> Iterator[EnginePool]:
    """One worker: every session's engine in the same process."""
    pool = EnginePool(1, Catalog.default().root)
    pool.start()
    yield pool
    pool.close()


def _frames(astronaut: NDArray[np.uint8]) -> list[NDArray[np.uint8]]:
    return [np.ascontiguousarray(np.roll(astronaut, 3 * i, axis=1)) for i in range(4)]


def test_a_remote_engine_draws_what_a_local_one_draws(
    pool: EnginePool, astronaut: NDArray[np.uint8]
) -> None:
    """Also drawn in place (``out=frame``, what sessions do): the same pixels, in the
    frame given, locally and remotely; without ``out`` the frame given is left alone."""
    remote, remote_in_place = pool(), pool()
    options = EngineOptions(measure=MeasureOptions())
    try:
        with Engine(options) as local, Engine(options) as local_in_place:
            for i, frame in enumerate(_frames(astronaut)):
                before = frame.copy()
                expected = local.process(frame, LOOK, 1000 + 33 * i)
                got = remote.process(frame, LOOK, 1000 + 33 * i)
                np.testing.assert_array_equal(got, expected)
                np.testing.assert_array_equal(frame, before)
                for engine in (local_in_place, remote_in_place):
                    mine = frame.copy()
                    assert engine.process(mine, LOOK, 1000 + 33 * i, out=mine) is mine
                    np.testing.assert_array_equal(mine, expected)
                drawn, result = local.last_result, remote.last_result
                assert drawn is not None and drawn.drawn_box is not None
                assert result is not None and result.drawn_box == drawn.drawn_box
            local_report = local.measurements()
        assert len(result.faces) == 1 and "render" in result.timings_ms
        report = remote.measurements()
        assert report is not None and local_report is not None
        assert report.to_dict() == local_report.to_dict()
        # No face: nothing drawn comes back, the frame sent is the result (as with Engine).
        empty = np.zeros_like(astronaut)
        assert remote.process(empty, LOOK, 2000) is empty
        assert remote.last_result is not None and remote.last_result.drawn_box is None
        with pytest.raises(ValueError, match=r"out must be a uint8 array of shape \(512, 512, 3\)"):
            remote.process(astronaut, LOOK, 2033, out=np.zeros((4, 4, 3), np.uint8))
    finally:
        remote.close()
        remote_in_place.close()


def _thread_names(pid: int) -> list[str]:
    return [
        Path(f"/proc/{pid}/task/{t}/comm").read_text().strip()
        for t in os.listdir(f"/proc/{pid}/task")
    ]


def test_a_worker_rasterizes_on_its_sessions_threads(
    single: EnginePool, astronaut: NDArray[np.uint8]
) -> None:
    """llvmpipe's own thread pool is off in a worker (``LP_NUM_THREADS=0`` unless the
    environment says otherwise): after drawing, the worker has no ``llvmpipe-N`` thread, while
    a context made with the environment as given has them (what the check looks for)."""
    if "LP_NUM_THREADS" in os.environ:
        pytest.skip("the environment sets LP_NUM_THREADS for every process")
    remote = single()
    try:
        remote.process(astronaut, LOOK, 1000)
        assert remote.last_result is not None and remote.last_result.drawn_box is not None
        (pid,) = (s.pid for s in single.stats())
        assert pid is not None
        assert not [n for n in _thread_names(pid) if n.startswith("llvmpipe")]
    finally:
        remote.close()
    ctx = create_context()  # in this process, with the environment as given
    try:
        if "llvmpipe" in str(ctx.info["GL_RENDERER"]):
            assert [n for n in _thread_names(os.getpid()) if n.startswith("llvmpipe")]
    finally:
        ctx.release()


def test_sessions_spread_over_the_workers_and_metrics_say_so(pool: EnginePool) -> None:
    a, b = pool(), pool()
    try:
        assert {a.worker_index, b.worker_index} == {0, 1}
        stats = {s.index: s for s in pool.stats()}
        assert all(s.alive and s.sessions >= 1 for s in stats.values())
        text = Metrics().render({}, 0, pool.stats())
        assert 'tryon_engine_worker_up{worker="0"} 1' in text
        assert 'tryon_engine_worker_sessions{worker="1"} 1' in text
    finally:
        a.close()
        b.close()
    assert all(s.sessions == 0 for s in pool.stats())


def test_a_dead_worker_fails_only_its_sessions_and_is_replaced(
    pool: EnginePool, astronaut: NDArray[np.uint8]
) -> None:
    frame = _frames(astronaut)[0]
    victim, other = pool(), pool()
    try:
        victim.process(frame, LOOK, 1)
        other.process(frame, LOOK, 1)
        pid = next(s.pid for s in pool.stats() if s.index == victim.worker_index)
        assert pid is not None
        os.kill(pid, signal.SIGKILL)  # a native crash, as MediaPipe or a GL driver could have
        deadline = time.monotonic() + 10
        while any(s.alive for s in pool.stats() if s.index == victim.worker_index):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        with pytest.raises(WorkerDied, match=rf"engine worker {victim.worker_index} is gone"):
            victim.process(frame, LOOK, 2)
        assert other.process(frame, LOOK, 2).shape == frame.shape  # the other worker lives on
        replacement = pool()  # the least loaded worker is the dead one: started again
        try:
            assert replacement.worker_index == victim.worker_index
            out = replacement.process(frame, LOOK, 3)
            assert (out != frame).any()  # it draws again
            restarted = next(s for s in pool.stats() if s.index == victim.worker_index)
            assert restarted.restarts == 1 and restarted.pid != pid
            # The victim's engine died with the old process: the new one is not asked for
            # it (it would answer "no engine open" every frame), the victim hears why.
            with pytest.raises(WorkerDied, match="restarted after a crash"):
                victim.process(frame, LOOK, 3)
            assert victim.measurements() is None
            victim.close()  # closing it is quiet and leaves the replacement's engine be
            assert (replacement.process(frame, LOOK, 4) != frame).any()
        finally:
            replacement.close()
    finally:
        other.close()


def _in_threads(engines: list[RemoteEngine], run: Callable[[RemoteEngine], None]) -> None:
    """``run(engine)`` for each engine on its own thread, all at once; their errors raised."""
    errors: list[BaseException] = []

    def target(engine: RemoteEngine) -> None:
        try:
            run(engine)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=target, args=(e,)) for e in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
        assert not thread.is_alive(), "a call to the worker hangs"
    if errors:
        raise errors[0]


def test_sessions_on_one_worker_are_processed_at_the_same_time(
    single: EnginePool, astronaut: NDArray[np.uint8]
) -> None:
    """Each engine's ``total`` is its own process() call's time in the worker: if the worker
    ran one call after the other, their sum could not exceed the wall time of the calls."""
    frames = _frames(astronaut)
    a, b = single(), single()
    busy_ms: list[float] = []

    def run(engine: RemoteEngine) -> None:
        for i in range(12):
            engine.process(frames[i % len(frames)], LOOK, 1000 + 33 * i)
            result = engine.last_result
            assert result is not None and result.drawn_box is not None  # it drew, each time
            busy_ms.append(result.timings_ms["total"])

    try:
        assert a.worker_index == b.worker_index == 0
        _in_threads([a, b], lambda e: e.process(frames[0], LOOK, 1))  # both engines warm
        t0 = time.perf_counter()
        _in_threads([a, b], run)
        wall_ms = (time.perf_counter() - t0) * 1000.0
        assert len(busy_ms) == 24
        assert sum(busy_ms) > 1.2 * wall_ms, (sum(busy_ms), wall_ms)
    finally:
        a.close()
        b.close()


def _tasks(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/task"))


def test_a_session_closes_while_another_on_its_worker_processes(
    single: EnginePool, astronaut: NDArray[np.uint8]
) -> None:
    """The closed session's engine and thread end (the worker's thread count comes back);
    the other session's frames go on, drawn, before, during and after."""
    frames = _frames(astronaut)
    stay = single()
    stay.process(frames[0], LOOK, 1)
    (pid,) = (s.pid for s in single.stats())
    assert pid is not None
    before = _tasks(pid)
    stop = threading.Event()
    drawn: list[bool] = []

    def run(engine: RemoteEngine) -> None:
        i = 0
        while not stop.is_set():
            i += 1
            out = engine.process(frames[i % len(frames)], LOOK, 1 + 33 * i)
            drawn.append(bool((out != frames[i % len(frames)]).any()))

    runner = threading.Thread(target=_in_threads, args=([stay], run))
    runner.start()
    try:
        for _ in range(2):
            leaving = single()
            leaving.process(frames[1], LOOK, 1)
            assert _tasks(pid) > before  # its thread, and its engine's
            seen = len(drawn)
            leaving.close()
            deadline = time.monotonic() + 10
            while _tasks(pid) > before:
                assert time.monotonic() < deadline, (before, _tasks(pid))
                time.sleep(0.05)
            while len(drawn) < seen + 3:  # the other session goes on
                assert runner.is_alive() and time.monotonic() < deadline
                time.sleep(0.01)
    finally:
        stop.set()
        runner.join(60)
        stay.close()
    assert not runner.is_alive() and all(drawn)
    assert [s.sessions for s in single.stats()] == [0]


def test_a_kill_during_concurrent_calls_fails_both_sessions_and_the_worker_is_replaced(
    single: EnginePool, astronaut: NDArray[np.uint8]
) -> None:
    frames = _frames(astronaut)
    a, b = single(), single()
    done: list[int] = []
    died: list[str] = []

    def run(engine: RemoteEngine) -> None:
        i = 0
        while True:
            i += 1
            try:
                engine.process(frames[i % len(frames)], LOOK, 1 + 33 * i)
            except WorkerDied as exc:
                died.append(str(exc))
                return
            done.append(i)

    (pid,) = (s.pid for s in single.stats())
    assert pid is not None
    runner = threading.Thread(target=_in_threads, args=([a, b], run))
    runner.start()
    try:
        deadline = time.monotonic() + 60
        while len(done) < 6:  # both calling, one after the other or at once
            assert runner.is_alive() and time.monotonic() < deadline
            time.sleep(0.01)
        os.kill(pid, signal.SIGKILL)
        runner.join(60)
        assert not runner.is_alive()  # no call waits forever for a dead worker
        assert died == ["engine worker 0 is gone (exit code -9)"] * 2
        assert a.measurements() is None  # a dead worker's engine has no report to give
    finally:
        a.close()  # quiet
        b.close()
    fresh = single()
    try:
        out = fresh.process(frames[0], LOOK, 1)
        assert (out != frames[0]).any()  # it draws again, in a new process
        (stats,) = single.stats()
        assert stats.alive and stats.pid != pid and stats.restarts == 1
    finally:
        fresh.close()


def test_stopping_a_pool_ends_its_workers_and_their_reader_threads() -> None:
    def readers() -> list[str]:
        return [t.name for t in threading.enumerate() if t.name.endswith("-replies")]

    before = readers()
    pool = EnginePool(1, Catalog.default().root)
    pool.start()
    (pid,) = (s.pid for s in pool.stats())
    assert len(readers()) == len(before) + 1
    pool.close()
    assert readers() == before
    assert pid is not None and not os.path.exists(f"/proc/{pid}/task")
    assert [s.alive for s in pool.stats()] == [False]


def test_bad_pool_sizes_are_named() -> None:
    with pytest.raises(ValueError, match="at least 1 worker, got 0"):
        EnginePool(0, Catalog.default().root)


def test_a_worker_that_dies_starting_is_named(tmp_path: Path) -> None:
    """A worker that cannot start (here its catalog folder is missing) gets a clear error,
    not the pipe's EOFError, and leaves no process or thread behind."""
    pool = EnginePool(1, tmp_path / "missing")
    with pytest.raises(RuntimeError, match=r"engine worker 0 did not start \(exit code 1\)"):
        pool()
    assert pool.stats()[0].sessions == 0 and not pool.stats()[0].alive
    pool.close()


def _pool_workers() -> list[int]:
    """This process's engine workers (spawned children, not multiprocessing's tracker)."""
    me = os.getpid()
    pids = []
    for task in os.listdir(f"/proc/{me}/task"):
        try:
            with open(f"/proc/{me}/task/{task}/children") as f:
                pids += [int(p) for p in f.read().split()]
        except OSError:
            continue
    workers = []
    for pid in pids:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read()
        except OSError:
            continue
        if b"spawn_main" in cmd and b"resource_tracker" not in cmd:
            workers.append(pid)
    return workers


def test_a_session_whose_worker_dies_keeps_its_video_and_hears_engine_failed(
    astronaut: NDArray[np.uint8],
) -> None:
    """End to end: a real peer streams through a server with one engine worker; the worker
    is killed; the peer is told ``engine-failed`` once and its video keeps coming back."""
    import asyncio

    from tryon.server import ServerConfig
    from tryon.server.parts import serve_in_background

    from .peer import AstronautTrack, connect

    before = set(_pool_workers())
    with serve_in_background(ServerConfig(port=0, workers=1)) as server:
        (worker,) = set(_pool_workers()) - before

        async def scenario() -> None:
            peer = await connect(server.url, AstronautTrack(astronaut))
            await peer.wait_frames(5)
            peer.send(type="set-look", id="l", items=[{"product": "round-tortoise"}])
            await peer.wait_for(lambda m: m.get("id") == "l")
            await peer.wait_frames(10)
            os.kill(worker, signal.SIGKILL)
            failed = await peer.wait_for(lambda m: m.get("code") == "engine-failed")
            assert "engine worker 0 is gone" in failed["message"], failed
            seen = len(peer.frames)
            await peer.wait_frames(seen + 20)  # unmodified, but flowing
            await peer.close()

        asyncio.run(scenario())
