"""Headless Chromium (Debian's, never downloaded) with a fake camera playing the astronaut,
the shop pages of a second origin, and page helpers; used by the tests and bench_webrtc."""

from __future__ import annotations

import base64
import io
import math
import os
import re
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from PIL import Image
from playwright.sync_api import Browser, Page, Playwright

from tryon.server import BackgroundServer

CHROMIUM = Path("/usr/bin/chromium")
WIDTH, HEIGHT, FPS, SECONDS = 640, 480, 30, 4


def camera_frames(photo: NDArray[np.uint8]) -> Iterator[NDArray[np.uint8]]:
    """The photo centred on grey with a gentle sway that loops seamlessly."""
    h, w = photo.shape[:2]
    for n in range(FPS * SECONDS):
        phase = 2 * math.pi * n / (FPS * SECONDS)
        dx, dy = round(8 * math.sin(phase)), round(4 * math.sin(2 * phase))
        frame = np.full((HEIGHT, WIDTH, 3), 96, np.uint8)
        x0, y0 = (WIDTH - w) // 2 + dx, 4 + dy
        frame[max(y0, 0) : min(y0 + h, HEIGHT), x0 : x0 + w] = photo[
            max(-y0, 0) : min(h, HEIGHT - y0)
        ]
        yield frame


def write_fake_camera(out: Path, photo: NDArray[np.uint8] | None = None) -> Path:
    """A .y4m of :func:`camera_frames` (the astronaut by default) for
    ``--use-file-for-fake-video-capture``, written by imageio-ffmpeg's ffmpeg."""
    import imageio_ffmpeg

    if photo is None:
        from skimage import data

        photo = data.astronaut()
    cmd = [
        imageio_ffmpeg.get_ffmpeg_exe(),
        "-loglevel", "error", "-y",
        "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{WIDTH}x{HEIGHT}", "-r", str(FPS),
        "-i", "-",
        "-pix_fmt", "yuv420p", "-f", "yuv4mpegpipe", str(out),
    ]  # fmt: skip
    raw = b"".join(f.tobytes() for f in camera_frames(photo))
    subprocess.run(cmd, input=raw, check=True, timeout=60)
    return out


def chromium_args(fake_camera: Path | None, *, camera_allowed: bool = True) -> list[str]:
    args = [
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--autoplay-policy=no-user-gesture-required",
    ]
    if os.geteuid() == 0:
        args.append("--no-sandbox")
    if fake_camera is not None:
        args += [
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={fake_camera}",
        ]
        if camera_allowed:  # else the shopper's answer to the camera prompt is no
            args.append("--use-fake-ui-for-media-stream")
    return args


def launch(
    playwright: Playwright, fake_camera: Path | None, *, camera_allowed: bool = True
) -> Browser:
    """Debian's Chromium, headless; with ``fake_camera`` None it has no camera at all."""
    args = chromium_args(fake_camera, camera_allowed=camera_allowed)
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=args, headless=True)


@dataclass(frozen=True)
class Origins:
    """The try-on server (127.0.0.1) and a shop's pages on another origin (localhost)."""

    server: BackgroundServer
    shop: str  # http://localhost:P, allowed to embed the try-on
    stranger: str  # http://127.0.0.1:P, same pages, not allowed

    @property
    def url(self) -> str:
        return self.server.url


#: Pages a shop would write, served from the other origin; SERVER is the try-on server.
SHOP_PAGES = {
    "/parent.html": """<!doctype html><meta charset="utf-8"><title>Shop</title>
<div id="slot" style="width:640px;height:480px"></div>
<iframe id="stranger" src="STRANGER/stranger.html"></iframe>
<script type="module">
  import { TryOn } from "SERVER/web/tryon.js";
  window.events = [];
  const embedded = TryOn.embed(document.getElementById("slot"),
    { server: "SERVER", product: "classic-rectangle-black", source: "camera" });
  for (const t of ["ready", "face-found", "face-lost", "look-changed", "error"]) {
    embedded.addEventListener(t, (e) => window.events.push({ type: t, items: e.detail.items }));
  }
  window.embedded = embedded;
</script>""",
    "/stranger.html": """<!doctype html><meta charset="utf-8"><script>
  // Another origin on the same page forging messages to both sides of the embed.
  function forge() {
    parent.postMessage({ tryon: 1, type: "look-changed", items: [{ product: "forged" }] }, "*");
    parent.frames[0].postMessage({ tryon: 1, id: "forged", type: "set-look",
      items: [{ product: "aviator-gold-58", intensity: 1 }] }, "*");
  }
</script>""",
    "/widget.html": """<!doctype html><meta charset="utf-8"><title>Widget</title>
<tryon-widget id="w" server="SERVER" products="round-tortoise" source="camera"></tryon-widget>
<script type="module">
  import "SERVER/web/tryon.js";
  window.events = [];
  const w = document.getElementById("w");
  for (const t of ["ready", "face-found", "look-changed", "error"]) {
    w.addEventListener(t, (e) => window.events.push(
      { type: t, code: e.detail.code, session: e.detail.session }));
  }
</script>""",
}


def metric(url: str, name: str) -> float:
    text = urllib.request.urlopen(f"{url}/metrics", timeout=10).read().decode()
    match = re.search(rf"^{re.escape(name)} (\S+)$", text, re.MULTILINE)
    assert match, f"{name} not in /metrics"
    return float(match.group(1))


def wait_for_metric(url: str, name: str, value: float, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while metric(url, name) != value:
        if time.monotonic() > deadline:
            raise AssertionError(f"{name} is {metric(url, name)}, not {value}, after {timeout} s")
        time.sleep(0.2)


#: The video element's current frame as a PNG data URL; waits for a decoded frame first (a
#: canvas from a video without one is 0x0, and its data URL holds no image).
GRAB_JS = """(video) => new Promise((resolve) => {
  const draw = () => {
    const c = document.createElement("canvas");
    c.width = video.videoWidth; c.height = video.videoHeight;
    c.getContext("2d").drawImage(video, 0, 0);
    resolve(c.toDataURL("image/png"));
  };
  if (video.readyState >= 2 && video.videoWidth > 0) draw();
  else video.requestVideoFrameCallback(() => draw());
})"""


def grab(page: Page, selector: str) -> NDArray[np.uint8]:
    """The video element's current frame as RGB, through a canvas."""
    url: str = page.evaluate(GRAB_JS, page.locator(selector).element_handle())
    png = base64.b64decode(url.split(",", 1)[1])
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


#: Counts decoded frames of the element for ``ms`` (requestVideoFrameCallback).
COUNT_FRAMES_JS = """([video, ms]) => new Promise((resolve) => {
  let n = 0; const t0 = performance.now(); const t0video = video.currentTime;
  const tick = () => {
    n++;
    if (performance.now() - t0 < ms) video.requestVideoFrameCallback(tick);
    else resolve([n, video.currentTime - t0video]);
  };
  video.requestVideoFrameCallback(tick);
})"""
