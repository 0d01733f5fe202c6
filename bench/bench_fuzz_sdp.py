"""SDP mutation fuzzing against a real ``tryon serve``: what was tried, what came back.

A real aiortc offer (video track + ``tryon`` data channel) is mutated (lines dropped,
duplicated, swapped, truncated, bits flipped, media sections swapped, odd and huge values,
junk lines, other line endings, bytes that are not UTF-8, lone surrogates) and each mutant
posted to ``/offer``. Printed: mutations used, replies per status and per 400 reason, the
slowest and median reply, every reply that is not a 200 answer or a 400 ``bad-offer`` with a
reason; then how long the answered sessions took to be freed (they never connect), the
tracebacks in the server's log, and whether a good client still streams.

Usage: .venv/bin/python bench/bench_fuzz_sdp.py [--count 2000] [--seed 1] [--engine]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from skimage import data

from tests.server import fuzz_sdp
from tests.server.peer import AstronautTrack, connect
from tests.server.serve_process import OPEN_LIMITS, ServeProcess


def log_kinds(log: str) -> collections.Counter[str]:
    """The server's WARNING and ERROR lines without timestamps, ids and numbers."""
    kinds: collections.Counter[str] = collections.Counter()
    for line in log.splitlines():
        if " WARNING " in line or " ERROR " in line:
            kinds[re.sub(r"\b[0-9a-f]{8}\b|\d+", "#", line[24:])[:150]] += 1
    return kinds


async def good_client(url: str) -> int:
    peer = await connect(url, AstronautTrack(data.astronaut()))
    await peer.wait_frames(5)
    await peer.close()
    return len(peer.frames)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000, help="mutants to post")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--connect-timeout", type=float, default=3.0)
    parser.add_argument(
        "--engine", action="store_true", help="server with the engine (default: --echo)"
    )
    args = parser.parse_args()
    base = asyncio.run(fuzz_sdp.browser_like_offer(AstronautTrack(data.astronaut())))
    mode = () if args.engine else ("--echo",)
    timeout = ("--connect-timeout", str(args.connect_timeout))
    with ServeProcess(*mode, *OPEN_LIMITS, *timeout) as server:
        start = time.monotonic()
        outcomes = fuzz_sdp.run(server.url, base, args.count, args.seed)
        elapsed = time.monotonic() - start
        live = server.metric("tryon_sessions")
        freed_at = time.monotonic()
        while server.metric("tryon_sessions") > 0 and time.monotonic() - freed_at < 60:
            time.sleep(0.2)
        freed = time.monotonic() - freed_at
        left = server.metric("tryon_sessions")
        stats = server.stats()
        frames = asyncio.run(good_client(server.url))
        log = server.output()
    print(f"\nSDP mutation fuzzing, seed {args.seed}, {'engine' if args.engine else 'echo'}")
    print(fuzz_sdp.summary(outcomes))
    print(f"posted in {elapsed:.1f} s ({len(outcomes) / elapsed:.0f} offers/s)")
    print(
        f"sessions live at the end: {live:g}; {left:g} left after {freed:.1f} s "
        f"(connect timeout {args.connect_timeout:g} s)"
    )
    print(f"server after the run: RSS {stats.rss_kib / 1024:.0f} MiB, ", end="")
    print(f"{stats.native_threads} native threads, {stats.fds} fds")
    print(f"tracebacks in the server log: {log.count('Traceback')}; log lines by kind:")
    for line, n in log_kinds(log).most_common(12):
        print(f"  {n:>5}  {line}")
    print(f"good client afterwards: {frames} frames back")


if __name__ == "__main__":
    main()
