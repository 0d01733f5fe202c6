"""Running ``tryon kiosk`` in the tests: the test display's size, videos to use as the
camera, and a kiosk process whose stdout lines the tests wait for."""

from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from PIL import ImageGrab

from tryon.media import VideoWriter

#: The Xvfb screen; kiosk windows in the tests have this size too (placed at 0, 0).
SCREEN = (800, 600)


def write_video(path: Path, image: NDArray[np.uint8], seconds: float, fps: float = 25) -> Path:
    """``image`` gently swaying sideways (a few pixels) for ``seconds``."""
    h, w = image.shape[:2]
    n = int(seconds * fps)
    with VideoWriter(path, fps, (w & ~1, h & ~1)) as writer:
        for i in range(n):
            shift = round(4 * np.sin(2 * np.pi * i / n))
            writer.write(np.ascontiguousarray(np.roll(image, shift, axis=1)[: h & ~1, : w & ~1]))
    return path


class KioskProcess:
    """A running ``tryon kiosk``; its stdout lines are read on a thread."""

    def __init__(self, display: str, args: list[str], cwd: Path) -> None:
        env = dict(os.environ, DISPLAY=display)
        self.display = display
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import sys; from tryon.cli import main; sys.exit(main())",
                "kiosk",
                *args,
            ],
            env=env,
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self._queue: queue.Queue[str] = queue.Queue()
        self._matched: set[int] = set()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._queue.put(line.rstrip("\n"))

    def wait_for(self, pattern: str, timeout: float = 30.0) -> re.Match[str]:
        """The first stdout line matching ``pattern`` that no earlier call returned (lines
        from threads, such as a saved snapshot's, may come in any order)."""
        deadline = time.monotonic() + timeout
        while True:
            for i, line in enumerate(self.lines):
                match = re.search(pattern, line)
                if match and i not in self._matched:
                    self._matched.add(i)
                    return match
            left = deadline - time.monotonic()
            try:
                self.lines.append(self._queue.get(timeout=max(min(left, 0.5), 0.01)))
                continue
            except queue.Empty:
                pass
            if left <= 0 or (self.proc.poll() is not None and self._queue.empty()):
                err = self.proc.stderr.read() if self.proc.stderr and self.proc.poll() else ""
                raise AssertionError(f"no line matching {pattern!r}; got {self.lines}; {err}")

    def key(self, *keys: str) -> None:
        subprocess.run(
            ["xdotool", "search", "--sync", "--name", "^tryon kiosk$", "key", *keys],
            env=dict(os.environ, DISPLAY=self.display),
            check=True,
            timeout=20,
        )

    def screenshot(
        self, ready: Callable[[NDArray[np.int64]], bool], timeout: float = 15.0
    ) -> NDArray[np.int64]:
        """The screen (the window covers it), ``(H, W, 3)`` RGB as int: the first one
        ``ready`` accepts, or the last one taken in ``timeout`` s (a loaded machine may draw
        the frame that shows a logged change a while after the line)."""
        deadline = time.monotonic() + timeout
        while True:
            shot = np.asarray(ImageGrab.grab(xdisplay=self.display).convert("RGB"), np.int64)
            if ready(shot) or time.monotonic() > deadline:
                return shot
            time.sleep(0.2)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)
