"""Soak: N connect/stream/disconnect cycles against the server with the engine on, watching
the server process's RSS, Python threads, native threads (/proc/PID/task) and open fds.

The server runs in this process (so its Python threads can be named: each has a
``native_id`` that maps it to its /proc task); the shopper runs in a child process (this
script with ``--client``), connecting, waiting for frames back and closing, N times. Every
``--every`` cycles a row is printed. After the last cycle and ``--settle`` seconds, the
threads are compared with the idle baseline (before the first shopper) and with the
baseline after the first cycles, by name: Python threads by their name without the
numbers, native-only threads by the library they wait in (read off their stacks).

Usage: .venv/bin/python bench/bench_soak.py [--cycles 200] [--every 10] [--settle 12]
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import collections
import gc
import os
import re
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from skimage import data

from tests.server.peer import AstronautTrack, connect, metric
from tests.server.serve_process import process_stats
from tryon.server import ServerConfig
from tryon.server.parts import serve_in_background


@dataclass(frozen=True)
class Sample:
    cycle: int
    seconds: float
    sessions: float
    rss_mib: float
    python: collections.Counter[str]
    native_only: collections.Counter[str]
    fds: int

    @property
    def python_threads(self) -> int:
        return sum(self.python.values())

    @property
    def native_threads(self) -> int:
        return self.python_threads + sum(self.native_only.values())


def sample(url: str, cycle: int, start: float) -> Sample:
    """The server process now: Python threads by name, the other tasks by kernel name."""
    stats = process_stats(os.getpid())
    python_ids = {t.native_id for t in threading.enumerate()}
    python = collections.Counter(
        re.sub(r"[-_]?[0-9a-f]*\d[0-9a-f]*", "#", t.name) for t in threading.enumerate()
    )
    native_only = collections.Counter(
        _library(names) for tid, names in libraries_on_stacks().items() if tid not in python_ids
    )
    return Sample(
        cycle,
        time.monotonic() - start,
        metric(url, "tryon_sessions"),
        stats.rss_kib / 1024,
        python,
        native_only,
        stats.fds,
    )


def _executable_maps() -> list[tuple[int, int, str]]:
    maps = []
    for line in Path("/proc/self/maps").read_text().splitlines():
        fields = line.split()
        if len(fields) >= 6 and "x" in fields[1]:
            start, end = (int(x, 16) for x in fields[0].split("-"))
            maps.append((start, end, Path(fields[5]).name))
    return sorted(maps)


def libraries_on_stacks() -> dict[int, list[str]]:
    """Per thread of this process: the libraries whose code addresses are on its stack,
    innermost first (libc and the C++ runtime left out); a thread blocked in a system call
    is told by them (libvpx's workers, OpenBLAS's pool, Mesa's llvmpipe, ...).

    The stack is read from the thread's stack pointer (``/proc/self/task/TID/syscall``)
    up; any word that points into an executable mapping counts. A heuristic, but a good
    one for idle threads, and it needs no debugger and no symbols."""
    maps = _executable_maps()
    starts = [m[0] for m in maps]
    found: dict[int, list[str]] = {}
    with open("/proc/self/mem", "rb", buffering=0) as mem:
        for task in Path("/proc/self/task").iterdir():
            try:
                syscall = (task / "syscall").read_text().split()
            except OSError:  # the thread ended
                continue
            if len(syscall) < 3:  # running: no stack pointer to read
                found[int(task.name)] = ["<running>"]
                continue
            mem.seek(int(syscall[-2], 16))
            try:
                stack = mem.read(64 * 1024)
            except OSError:
                stack = b""
            names: list[str] = []
            for (word,) in struct.iter_unpack("<Q", stack[: len(stack) // 8 * 8]):
                i = bisect.bisect_right(starts, word) - 1
                if i >= 0 and word < maps[i][1] and maps[i][2] not in names:
                    names.append(maps[i][2])
            found[int(task.name)] = [n for n in names if not _RUNTIME.match(n)]
    return found


_RUNTIME = re.compile(r"(libc|ld-linux-x86-64|libpthread|libstdc\+\+|libgcc_s|libm)\.so|\[v")


def _library(names: list[str]) -> str:
    """A thread's label: its two innermost libraries, without versions and wheel hashes."""
    short = [re.sub(r"(-[0-9a-f]{8})?\.so.*|\.cpython.*", "", n) for n in names[:2]]
    return "<".join(short) or "?"


def row(s: Sample) -> str:
    return (
        f"{s.cycle:>6}{s.seconds:>8.0f}{s.sessions:>9.0f}{s.rss_mib:>9.0f}"
        f"{s.python_threads:>8}{s.native_threads:>8}{s.fds:>6}"
    )


def describe(counter: collections.Counter[str]) -> str:
    return ", ".join(f"{name} x{n}" for name, n in sorted(counter.items())) or "-"


async def client_cycles(url: str, cycles: int) -> None:
    """The shopper: connect, 5 frames back, goodbye; ``cycle N`` after each."""
    photo = data.astronaut()
    for n in range(1, cycles + 1):
        peer = await connect(url, AstronautTrack(photo))
        await peer.wait_frames(5, timeout=60)
        await peer.close()
        print(f"cycle {n}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=200)
    parser.add_argument("--every", type=int, default=10, help="print a row every k cycles")
    parser.add_argument("--settle", type=float, default=12.0, help="seconds after the last")
    parser.add_argument("--client", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        asyncio.run(client_cycles(args.client, args.cycles))
        return
    config = ServerConfig(port=0, offers_per_minute=100_000)
    with serve_in_background(config) as server:
        start = time.monotonic()
        idle = sample(server.url, 0, start)
        print(f"\nSoak: {args.cycles} connect/stream/disconnect cycles, engine on")
        header = f"{'cycle':>6}{'s':>8}{'sessions':>9}{'RSS MiB':>9}{'py thr':>8}{'native':>8}"
        print(header + f"{'fds':>6}")
        print(row(idle))
        client = subprocess.Popen(
            [sys.executable, __file__, "--client", server.url, "--cycles", str(args.cycles)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert client.stdout is not None
        samples = [idle]
        for line in client.stdout:
            cycle = int(line.split()[1])
            if cycle % args.every == 0 or cycle == args.cycles:
                samples.append(sample(server.url, cycle, start))
                print(row(samples[-1]), flush=True)
        if client.wait() != 0:
            raise SystemExit(f"the client failed (exit {client.returncode})")
        time.sleep(args.settle)
        settled = sample(server.url, args.cycles, start)
        gc.collect()  # what is left is referenced, not garbage waiting for a collection
        end = sample(server.url, args.cycles, start)
    print(row(settled) + "  (after settling)")
    print(row(end) + "  (after gc.collect())")
    first = samples[1] if len(samples) > 2 else idle
    for label, base in (("idle", idle), (f"after {first.cycle} cycles", first)):
        extra_py = end.python - base.python
        extra_native = end.native_only - base.native_only
        print(f"threads at the end beyond {label}: Python {describe(extra_py)};")
        print(f"  native only {describe(extra_native)}")
    print(f"Python threads at the end: {describe(end.python)}")
    print(f"native-only threads at the end: {describe(end.native_only)}")
    growth = end.rss_mib - first.rss_mib
    print(f"RSS after {first.cycle} cycles -> end: {first.rss_mib:.0f} -> {end.rss_mib:.0f} MiB")
    per_cycle = growth / max(args.cycles - first.cycle, 1) * 1024
    print(f"  ({growth:+.0f} MiB, {per_cycle:+.0f} KiB per cycle)")


if __name__ == "__main__":
    main()
