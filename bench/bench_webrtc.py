"""WebRTC round trip with headless Chromium on loopback: delivered fps and server latency.

Chromium's fake camera plays the astronaut at 640x480, 30 fps; each session is the /embed
page wearing a product. For 1 and 2 simultaneous sessions it measures, side by side, the
server with the engine and the same server as a pass-through echo (``tryon serve --echo``):

- fps delivered back, counted in the browser (requestVideoFrameCallback) per session;
- the latency the server adds per frame (arrival to packets sent: engine plus encode) and
  the encode share, median and p95, from the server's own per-frame timings (/metrics).

Usage: .venv/bin/python bench/bench_webrtc.py [--seconds 10] [--warmup 6]
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "browser"))

from harness import CHROMIUM, chromium_args, write_fake_camera
from playwright.sync_api import Page, sync_playwright

from tryon.server import ServerConfig
from tryon.server.parts import serve_in_background

PRODUCT = "classic-rectangle-black"

COUNT_JS = """([ms]) => new Promise((resolve) => {
  const video = document.querySelector("video");
  let n = 0; const t0 = performance.now();
  const tick = () => {
    n++;
    if (performance.now() - t0 < ms) video.requestVideoFrameCallback(tick);
    else resolve(n / ((performance.now() - t0) / 1000));
  };
  video.requestVideoFrameCallback(tick);
})"""


@dataclass(frozen=True)
class Row:
    mode: str
    sessions: int
    fps: list[float]
    server_ms: tuple[float, float]
    encode_ms: tuple[float, float]
    engine_ms: float | None
    dropped: float


def scrape(url: str) -> dict[str, float]:
    text = urllib.request.urlopen(f"{url}/metrics", timeout=10).read().decode()
    return {k: float(v) for k, v in re.findall(r"^(\S+) (\S+)$", text, re.MULTILINE)}


def quantiles(metrics: dict[str, float], stage: str) -> tuple[float, float]:
    return (
        metrics.get(f'tryon_stage_ms{{stage="{stage}",quantile="0.5"}}', float("nan")),
        metrics.get(f'tryon_stage_ms{{stage="{stage}",quantile="0.95"}}', float("nan")),
    )


def run(camera: Path, engine: bool, sessions: int, warmup: float, seconds: float) -> Row:
    config = ServerConfig(port=0, engine=engine, max_sessions=sessions)
    with serve_in_background(config) as server, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=chromium_args(camera))
        pages: list[Page] = []
        for _ in range(sessions):
            page = browser.new_page(viewport={"width": 640, "height": 480})
            page.goto(f"{server.url}/embed?source=camera&product={PRODUCT}")
            pages.append(page)
        for page in pages:
            page.wait_for_function(
                "document.querySelector('video')?.videoWidth > 0", timeout=60_000
            )
        time.sleep(warmup)  # engine start-up, the encoder's bitrate ramp
        before = scrape(server.url)
        # All sessions counted at the same time: start every count, then collect.
        handles = [page.evaluate_handle(COUNT_JS, [seconds * 1000]) for page in pages]
        fps = [float(h.json_value()) for h in handles]
        after = scrape(server.url)
        browser.close()
    received = after["tryon_frames_received_total"] - before["tryon_frames_received_total"]
    dropped = after["tryon_frames_dropped_total"] - before["tryon_frames_dropped_total"]
    return Row(
        "engine" if engine else "echo",
        sessions,
        fps,
        quantiles(after, "server"),
        quantiles(after, "encode"),
        quantiles(after, "total")[0] if engine else None,
        dropped / max(received, 1),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="measured seconds per run")
    parser.add_argument("--warmup", type=float, default=6.0, help="seconds before measuring")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        camera = write_fake_camera(Path(tmp) / "astronaut.y4m")
        rows = [
            run(camera, engine, sessions, args.warmup, args.seconds)
            for sessions in (1, 2)
            for engine in (False, True)
        ]
    print(f"\nWebRTC round trip, 640x480 @ 30 fps fake camera, {args.seconds:g} s per run")
    header = (
        f"{'server':<8}{'sessions':>9}{'fps/session':>13}{'server ms p50':>15}{'p95':>8}"
        f"{'encode p50':>12}{'p95':>8}{'engine p50':>12}{'dropped':>9}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        fps = "/".join(f"{f:.1f}" for f in r.fps)
        engine = "-" if r.engine_ms is None else f"{r.engine_ms:.1f}"
        print(
            f"{r.mode:<8}{r.sessions:>9}{fps:>13}{r.server_ms[0]:>15.1f}{r.server_ms[1]:>8.1f}"
            f"{r.encode_ms[0]:>12.1f}{r.encode_ms[1]:>8.1f}{engine:>12}{r.dropped:>9.0%}"
        )
    for sessions in (1, 2):
        echo, ours = (
            next(r for r in rows if r.sessions == sessions and r.mode == m)
            for m in ("echo", "engine")
        )
        ratio = (sum(ours.fps) / len(ours.fps)) / (sum(echo.fps) / len(echo.fps))
        target = " (target >= 0.90)" if sessions == 1 else ""
        print(f"engine fps / echo fps, {sessions} session(s): {ratio:.2f}{target}")


if __name__ == "__main__":
    main()
