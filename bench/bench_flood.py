"""A data-channel flood against ``tryon serve``: video fps delivered to the shopper without
and during the flood.

The server runs as its own process (``tryon serve``, engine on); one aiortc client sends the
astronaut at 640x480, 30 fps, and counts the composited frames it gets back: first quietly,
then while flooding its data channel at each rate (garbage, 4000-deep JSON and snapshot
requests in turn, as tests/server/peer.py's ``flood``). Target: >= 25 fps during a flood of
150 messages a second.

Usage: .venv/bin/python bench/bench_flood.py [--seconds 8] [--rates 50,150,500]
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "server"))

from peer import AstronautTrack, connect, flood, frames_in, free_port
from skimage import data

TRYON = str(Path(sys.executable).with_name("tryon"))


def wait_healthy(url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("tryon serve did not answer in 60 s")


async def measure(url: str, seconds: float, rates: list[float]) -> list[tuple[str, float, int]]:
    peer = await connect(url, AstronautTrack(data.astronaut()))
    await peer.wait_frames(60)
    rows = [("quiet", (await frames_in(peer, seconds)) / seconds, 0)]
    for rate in rates:
        peer.frames.clear()
        fps = (await frames_in(peer, seconds, during=flood(peer, rate, seconds))) / seconds
        limited = sum(1 for m in peer.messages if m.get("code") == "rate-limited")
        peer.messages.clear()
        rows.append((f"flood {rate:g}/s", fps, limited))
        peer.frames.clear()
        await asyncio.sleep(2)  # the buckets refill
    await peer.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--rates", default="50,150,500")
    args = parser.parse_args()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([TRYON, "serve", "--port", str(port)], stdout=subprocess.DEVNULL)
    try:
        wait_healthy(url)
        rates = [float(r) for r in args.rates.split(",")]
        rows = asyncio.run(measure(url, args.seconds, rates))
    finally:
        server.terminate()
        server.wait(timeout=30)
    quiet = rows[0][1]
    print(f"{'data channel':<16} {'fps back':>9} {'vs quiet':>9} {'rate-limited':>13}")
    for name, fps, limited in rows:
        print(f"{name:<16} {fps:>9.1f} {fps / quiet:>9.2f} {limited:>13}")


if __name__ == "__main__":
    main()
