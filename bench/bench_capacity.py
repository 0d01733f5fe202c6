"""Capacity of one ``tryon serve``: fps per session and server CPU per frame, engine vs echo.

The server runs as its own process (``tryon serve``, then ``tryon serve --echo`` as the
baseline); 1, 2 and 3 shoppers connect, each an independent aiortc client in its own
process (tests/server/peer.py's client: the astronaut at 640x480, 30 fps), each wearing
glasses. After a warm-up every client counts the frames it gets back over the same
measured window. Printed per run:

- fps back at each client, and the mean's ratio to the echo with as many sessions;
- the server's CPU milliseconds per delivered frame: its utime+stime from /proc/PID/stat
  over the window divided by the frames the clients got in it (the ratio is to the echo),
  split into the main process (WebRTC, VP8, the sessions' frame threads) and the engine
  worker processes, and the cores the server got (CPU seconds per second): on a shared
  machine the fps follow what the server got, the CPU per frame much less;
- the stage medians from /metrics (engine stages, ``convert``, ``encode``), read while the
  sessions are live.

The clients share the machine's cores with the server (and with whatever else runs): the
load average is printed before and after; on a loaded machine the fps are lower bounds.

With ``--repeat N`` each session count is measured N times, echo and engine alternating
(so slow phases of a shared machine fall on both), every run is printed, and a last table
gives the medians over the rounds: the CPU ratio of the median engine run to the median echo
run, and the median of each round's mean and slowest session's fps.

Usage: .venv/bin/python bench/bench_capacity.py [--seconds 10] [--warmup 6] [--sessions 1,2,3]
[--repeat 1] [--video-encoder vp8|libx264|h264_nvenc] (passed to ``tryon serve``)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "server"))

from peer import AstronautTrack, connect, free_port
from skimage import data

TRYON = str(Path(sys.executable).with_name("tryon"))
PRODUCT = "classic-rectangle-black"
STAGES = ("tracking", "stabilizing", "geometry", "render", "convert", "encode")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Run:
    mode: str
    sessions: int
    fps: list[float]
    cpu_ms_per_frame: float
    #: The part of ``cpu_ms_per_frame`` spent in the engine worker processes.
    workers_ms_per_frame: float
    #: The server's CPU seconds per second of the window: how many cores it got.
    cores: float
    stages: dict[str, float]


# -- the client process -------------------------------------------------------------------


async def client(url: str, start_at: float, seconds: float) -> None:
    """Connect, wear :data:`PRODUCT`, count the frames back in [start_at, start_at+seconds)
    (wall clock, shared with the other clients) and print the fps as JSON."""
    peer = await connect(url, AstronautTrack(data.astronaut()))
    await peer.wait_for(lambda m: m.get("type") == "ready")
    peer.send(type="set-look", items=[{"product": PRODUCT}])
    await asyncio.sleep(max(0.0, start_at - time.time()))
    before, t0 = len(peer.frames), time.monotonic()
    await asyncio.sleep(seconds)
    count, took = len(peer.frames) - before, time.monotonic() - t0
    print(json.dumps({"frames": count, "fps": count / took}), flush=True)
    await peer.close()


# -- the runner ---------------------------------------------------------------------------


def wait_healthy(url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("tryon serve did not answer in 60 s")


def _children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return out


def cpu_seconds(pid: int) -> tuple[float, float]:
    """utime + stime in seconds of ``pid`` (all its threads), and of its live descendants
    (the engine worker processes of ``tryon serve --workers``)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0, 0.0
    fields = stat[stat.rindex(")") + 2 :].split()
    own = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return own, sum(sum(cpu_seconds(child)) for child in _children(pid))


def stage_medians(url: str) -> dict[str, float]:
    text = urllib.request.urlopen(f"{url}/metrics", timeout=10).read().decode()
    pattern = r'^tryon_stage_ms\{stage="(\w+)",quantile="0.5"\} (\S+)$'
    return {stage: float(v) for stage, v in re.findall(pattern, text, re.MULTILINE)}


def measure(engine: bool, sessions: int, warmup: float, seconds: float, encoder: str) -> Run:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    # Every client connects from 127.0.0.1 at the same time: the per-IP limits allow them.
    command = [TRYON, "serve", "--port", str(port), "--max-sessions", str(sessions)]
    command += ["--connecting-per-ip", str(sessions), "--video-encoder", encoder]
    server = subprocess.Popen(command + ([] if engine else ["--echo"]), stdout=subprocess.DEVNULL)
    clients: list[subprocess.Popen[str]] = []
    try:
        wait_healthy(url)
        start_at = time.time() + warmup
        clients = [
            subprocess.Popen(
                [sys.executable, __file__, "--client", url, str(start_at), str(seconds)],
                stdout=subprocess.PIPE,
                text=True,
            )
            for _ in range(sessions)
        ]
        time.sleep(max(0.0, start_at - time.time()))
        cpu0 = cpu_seconds(server.pid)
        time.sleep(seconds * 0.9)
        stages = stage_medians(url)  # while the sessions are live
        time.sleep(max(0.0, start_at + seconds - time.time()))
        main, workers = (t1 - t0 for t1, t0 in zip(cpu_seconds(server.pid), cpu0, strict=True))
        results = []
        for c in clients:
            out, _ = c.communicate(timeout=60)
            if c.returncode != 0 or not out.strip():
                raise SystemExit(f"a client failed (exit {c.returncode}): {out!r}")
            results.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        for c in clients:
            if c.poll() is None:
                c.kill()
        server.terminate()
        server.wait(timeout=30)
    frames = max(sum(r["frames"] for r in results), 1)
    return Run(
        "engine" if engine else "echo",
        sessions,
        [r["fps"] for r in results],
        (main + workers) * 1000.0 / frames,
        workers * 1000.0 / frames,
        (main + workers) / seconds,
        stages,
    )


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per run")
    parser.add_argument("--warmup", type=float, default=6.0, help="seconds before measuring")
    parser.add_argument("--sessions", default="1,2,3", help="session counts to run")
    parser.add_argument("--repeat", type=int, default=1, help="rounds per session count")
    parser.add_argument("--video-encoder", default="vp8", help="tryon serve's --video-encoder")
    parser.add_argument("--client", nargs=3, metavar=("URL", "START", "SECONDS"), help="internal")
    args = parser.parse_args()
    if args.client:
        url, start_at, seconds = args.client
        asyncio.run(client(url, float(start_at), float(seconds)))
        return
    counts = [int(n) for n in args.sessions.split(",")]
    if args.repeat < 1:
        raise SystemExit(f"--repeat must be at least 1, got {args.repeat}")
    load_before = load()
    rounds = [
        {
            (engine, n): measure(engine, n, args.warmup, args.seconds, args.video_encoder)
            for n in counts
            for engine in (False, True)
        }
        for _ in range(args.repeat)
    ]
    print(
        f"\nCapacity, video {args.video_encoder}, {os.cpu_count()} cores, aiortc clients on the "
        "same machine, "
        f"{args.seconds:g} s per run; load average {load_before} before, {load()} after"
    )
    header = (
        f"{'server':<8}{'sessions':>9}{'fps/session':>20}{'mean':>7}{'vs echo':>9}"
        f"{'CPU ms/frame':>14}{'vs echo':>9}{'main':>7}{'workers':>9}{'server cores':>14}"
    )
    print(header)
    print("-" * len(header))
    for runs in rounds:
        for n in counts:
            echo = runs[(False, n)]
            for run in (echo, runs[(True, n)]):
                fps = "/".join(f"{f:.1f}" for f in run.fps)
                print(
                    f"{run.mode:<8}{n:>9}{fps:>20}{_mean(run.fps):>7.1f}"
                    f"{_mean(run.fps) / _mean(echo.fps):>9.2f}"
                    f"{run.cpu_ms_per_frame:>14.1f}"
                    f"{run.cpu_ms_per_frame / echo.cpu_ms_per_frame:>9.2f}"
                    f"{run.cpu_ms_per_frame - run.workers_ms_per_frame:>7.1f}"
                    f"{run.workers_ms_per_frame:>9.1f}{run.cores:>14.2f}"
                )
    if len(rounds) > 1:
        print(f"\nMedians over {len(rounds)} rounds (echo and engine alternating)")
        print(
            f"{'sessions':<9}{'echo ms/frame':>15}{'engine ms/frame':>17}{'vs echo':>9}"
            f"{'fps mean':>10}{'fps slowest':>13}"
        )
        for n in counts:
            engine_runs = [r[(True, n)] for r in rounds]
            echo_ms = statistics.median(r[(False, n)].cpu_ms_per_frame for r in rounds)
            engine_ms = statistics.median(r.cpu_ms_per_frame for r in engine_runs)
            print(
                f"{n:<9}{echo_ms:>15.1f}{engine_ms:>17.1f}{engine_ms / echo_ms:>9.2f}"
                f"{statistics.median(_mean(r.fps) for r in engine_runs):>10.1f}"
                f"{statistics.median(min(r.fps) for r in engine_runs):>13.1f}"
            )
    print("\nStage medians (ms) from /metrics, engine runs (the last round)")
    print(f"{'sessions':<9}" + "".join(f"{s:>12}" for s in STAGES))
    for n in counts:
        stages = rounds[-1][(True, n)].stages
        print(f"{n:<9}" + "".join(f"{stages.get(s, float('nan')):>12.1f}" for s in STAGES))


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


if __name__ == "__main__":
    main()
