"""Kiosk fixtures: an Xvfb display of its own, videos to use as the camera, and running
kiosks (stopped at the end)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from tests.kiosk.harness import SCREEN, KioskProcess, write_video


@pytest.fixture(scope="session")
def xvfb() -> Iterator[str]:
    """A fresh X display (``":N"``, a free number Xvfb picks itself), stopped afterwards."""
    if shutil.which("Xvfb") is None or shutil.which("xdotool") is None:
        pytest.fail("the kiosk tests need Xvfb and xdotool (apt-get install xvfb xdotool)")
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(
        [
            "Xvfb",
            "-displayfd",
            str(write_fd),
            "-screen",
            "0",
            f"{SCREEN[0]}x{SCREEN[1]}x24",
            "-nolisten",
            "tcp",
        ],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        number = pipe.readline().strip()
    if not number.isdigit():
        proc.kill()
        pytest.fail("Xvfb did not start")
    try:
        yield f":{number}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="session")
def face_video(tmp_path_factory: pytest.TempPathFactory, astronaut: NDArray[np.uint8]) -> Path:
    return write_video(tmp_path_factory.mktemp("kiosk") / "astronaut.mp4", astronaut, 3.0)


@pytest.fixture(scope="session")
def coffee() -> NDArray[np.uint8]:
    """A picture without a face (scikit-image's coffee cup)."""
    from skimage import data

    return np.ascontiguousarray(data.coffee())


@pytest.fixture(scope="session")
def empty_video(tmp_path_factory: pytest.TempPathFactory, coffee: NDArray[np.uint8]) -> Path:
    return write_video(tmp_path_factory.mktemp("kiosk") / "coffee.mp4", coffee, 1.0)


@pytest.fixture
def run_kiosk(xvfb: str, tmp_path: Path) -> Iterator[Callable[..., KioskProcess]]:
    """Start kiosks on the test display (killed at the end if still running)."""
    started: list[KioskProcess] = []

    def start(*args: str) -> KioskProcess:
        kiosk = KioskProcess(xvfb, list(args), tmp_path)
        started.append(kiosk)
        return kiosk

    yield start
    for kiosk in started:
        kiosk.close()
