"""Faults against a real ``tryon serve`` process: a client killed mid-stream, and a lossy,
slow network (inside a private network namespace).

What each fault gets:
- a client SIGKILLed while streaming: its session, engine and worker thread are freed within
  ``--disconnect-timeout`` (plus the watchdog's tick), and the next shopper is served; SIGTERM
  with that shopper connected stops the server within seconds, exit code 0;
- 10% and 30% packet loss with 100 ms delay each way: the video keeps coming back (fps and
  latency printed), latency stays bounded, the server's RSS does not grow while it streams,
  and the session is freed once the client leaves.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from . import netns
from .serve_process import ServeProcess

HERE = Path(__file__).parent
TIMEOUT_S = 2.0


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> float:
    """Seconds until ``condition`` held; fails after ``timeout``."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.1)
    return time.monotonic() - start


@pytest.mark.slow
def test_a_killed_client_is_freed_within_the_disconnect_timeout() -> None:
    with ServeProcess("--disconnect-timeout", str(TIMEOUT_S)) as server:
        idle = server.stats()
        client = subprocess.Popen(
            [sys.executable, str(HERE / "peer_process.py"), server.url],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert client.stdout is not None
            assert client.stdout.readline().startswith("streaming")
            assert server.metric("tryon_sessions") == 1
            assert server.metric("tryon_worker_threads") == 1
            streaming = server.stats()
        finally:
            client.kill()  # SIGKILL mid-stream: no BYE, no DTLS close, no ICE answers
            client.wait()
        freed = wait_until(
            lambda: server.metric("tryon_sessions") == 0, TIMEOUT_S + 3, "session freed"
        )
        assert server.metric("tryon_worker_threads") == 0
        after = server.stats()
        print(
            f"\nkilled client freed after {freed:.1f} s (timeout {TIMEOUT_S:g} s); native "
            f"threads idle/streaming/after: {idle.native_threads}/{streaming.native_threads}/"
            f"{after.native_threads}; fds {idle.fds}/{streaming.fds}/{after.fds}"
        )
        assert after.fds <= idle.fds + 2, (idle.fds, after.fds)
        # The slot is really free: a new shopper streams; SIGTERM with it connected still
        # stops the server at once, cleanly.
        again = subprocess.Popen(
            [sys.executable, str(HERE / "peer_process.py"), server.url],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert again.stdout is not None
            assert again.stdout.readline().startswith("streaming")
            code, seconds = server.stop()
            assert code == 0 and seconds < 10, (code, seconds, server.output()[-2000:])
        finally:
            again.kill()
            again.wait()


@pytest.fixture(scope="module")
def namespaced_server() -> Iterator[tuple[netns.Netns, ServeProcess]]:
    reason = netns.unavailable()
    if reason is not None:
        pytest.skip(reason)
    with (
        netns.Netns() as ns,
        # A short disconnect timeout: the slow connect of a lossy link must not count as
        # "no video" (the connect timeout covers it).
        ServeProcess(
            "-v", "--disconnect-timeout", str(TIMEOUT_S), prefix=tuple(ns.command())
        ) as server,
    ):
        # One clean session first: the engine's and codecs' one-time allocations are made
        # before any memory is watched.
        warm = subprocess.run(
            ns.command(*_client(server.url, seconds=3, warmup=1)),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert warm.returncode == 0, warm.stdout + warm.stderr[-2000:]
        yield ns, server


def _sessions_log(server: ServeProcess) -> str:
    return "\n".join(line for line in server.output().splitlines() if "tryon.server" in line)


def _client(url: str, seconds: float, warmup: float) -> list[str]:
    script = str(HERE / "netns_peer.py")
    return [sys.executable, script, url, f"--seconds={seconds}", f"--warmup={warmup}"]


@pytest.mark.slow
@pytest.mark.parametrize("loss", [0.1, 0.3])
def test_video_flows_under_loss_and_delay(
    namespaced_server: tuple[netns.Netns, ServeProcess], loss: float
) -> None:
    ns, server = namespaced_server
    seconds, warmup = 6.0, 2.0
    with ns.impaired(loss, delay_ms=100) as impairer:
        client = subprocess.Popen(
            ns.command(*_client(server.url, seconds, warmup)), stdout=subprocess.PIPE, text=True
        )
        assert client.stdout is not None
        if client.stdout.readline() != "measuring\n":
            client.wait()
            raise AssertionError(f"the client got no video; server said:\n{_sessions_log(server)}")
        rss: list[int] = []  # the server's memory while it streams, after the warm-up
        while client.poll() is None:
            rss.append(server.stats().rss_kib)
            time.sleep(0.5)
        out = client.stdout.read()
    assert client.returncode == 0, out
    result = json.loads(out)
    print(
        f"\n{loss:.0%} loss, 100 ms delay: {result['fps']} fps back "
        f"({result['frames']} frames in {seconds:g} s), latency ms {result['latency_ms']}, "
        f"connected in {result['connect_s']} s; impairer {impairer}; server RSS MiB "
        f"{rss[0] / 1024:.0f} -> {max(rss) / 1024:.0f} -> {rss[-1] / 1024:.0f}"
    )
    assert impairer["dropped"] > 0 and impairer["seen"] > 100, impairer  # it did impair
    assert result["frames"] > 0 and result["timed"] > 0, result
    assert result["latency_ms"]["p95"] < 5000, result
    # Memory does not grow with the frames: the whole lossy run (about 150 frames of
    # 900 KiB each) adds under 64 MiB, where a leak of a frame per frame would add over 120.
    # One-off steps (buffers reaching their size) stay well under it; slow leaks over
    # hundreds of sessions are bench/bench_soak.py's business.
    assert max(rss) - rss[0] < 64 * 1024, [r // 1024 for r in rss]
    wait_until(
        lambda: server.metric("tryon_sessions") == 0,
        5,
        "session freed after the client said goodbye",
    )
