"""A data-channel flood against ``tryon serve``: video fps delivered to the shopper without
and during the flood.

The server runs as its own process (``tryon serve``, engine on); one aiortc client sends the
astronaut at 640x480, 30 fps, and counts the composited frames it gets back (and the
server's frames in and out, from /metrics): first quietly, then while flooding its data
channel at each rate (garbage, 500-deep JSON and snapshot requests in turn, as
tests/server/peer.py's ``flood``). Target: >= 25 fps during a flood of 150 messages a
second. The flooding client shares the machine: on a loaded one its own sending and
decoding cost frames too (compare "server in" with the camera's 30 fps).

Usage: .venv/bin/python bench/bench_flood.py [--seconds 8] [--rates 50,150,500]
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "server"))

from bench_capacity import TRYON, wait_healthy
from peer import AstronautTrack, Peer, connect, flood, frames_in, free_port, metric
from skimage import data

Row = tuple[str, float, float, float, int]


async def window(url: str, peer: Peer, name: str, seconds: float, rate: float) -> Row:
    """fps back at the client, fps in and out at the server, rate-limited answers."""
    peer.frames.clear()
    peer.messages.clear()
    received, sent = (metric(url, f"tryon_frames_{k}_total") for k in ("received", "sent"))
    start = time.monotonic()
    during = flood(peer, rate, seconds) if rate else None
    back = await frames_in(peer, seconds, during=during)
    took = time.monotonic() - start
    return (
        name,
        back / took,
        (metric(url, "tryon_frames_received_total") - received) / took,
        (metric(url, "tryon_frames_sent_total") - sent) / took,
        sum(1 for m in peer.messages if m.get("code") == "rate-limited"),
    )


async def measure(url: str, seconds: float, rates: list[float]) -> list[Row]:
    peer = await connect(url, AstronautTrack(data.astronaut()))
    await peer.wait_frames(60)
    rows = [await window(url, peer, "quiet", seconds, 0)]
    for rate in rates:
        rows.append(await window(url, peer, f"flood {rate:g}/s", seconds, rate))
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
    print(
        f"{'data channel':<16} {'fps back':>9} {'vs quiet':>9} {'server in':>10} "
        f"{'server out':>11} {'rate-limited':>13}"
    )
    for name, back, got, sent, limited in rows:
        print(
            f"{name:<16} {back:>9.1f} {back / quiet:>9.2f} {got:>10.1f} {sent:>11.1f} {limited:>13}"
        )


if __name__ == "__main__":
    main()
