"""Headless Chromium (Debian's, never downloaded) with a fake camera playing the astronaut."""

from __future__ import annotations

import math
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray
from playwright.sync_api import Browser, sync_playwright

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


@pytest.fixture(scope="session")
def fake_camera(tmp_path_factory: pytest.TempPathFactory, astronaut: NDArray[np.uint8]) -> Path:
    """A .y4m for ``--use-file-for-fake-video-capture``, written by imageio-ffmpeg's ffmpeg."""
    import imageio_ffmpeg

    out = tmp_path_factory.mktemp("camera") / "astronaut.y4m"
    cmd = [
        imageio_ffmpeg.get_ffmpeg_exe(),
        "-loglevel", "error",
        "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{WIDTH}x{HEIGHT}", "-r", str(FPS),
        "-i", "-",
        "-pix_fmt", "yuv420p", "-f", "yuv4mpegpipe", str(out),
    ]  # fmt: skip
    raw = b"".join(f.tobytes() for f in camera_frames(astronaut))
    subprocess.run(cmd, input=raw, check=True, timeout=60)
    return out


def chromium_args(fake_camera: Path | None) -> list[str]:
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
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={fake_camera}",
        ]
    return args


@pytest.fixture(scope="module")
def browser(fake_camera: Path) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: scripts/setup.sh --test installs Debian's chromium")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), args=chromium_args(fake_camera), headless=True
        )
        yield browser
        browser.close()
