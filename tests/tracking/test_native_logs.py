"""MediaPipe's native start-up chatter stays off the user's stderr; our own output does not."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray
from PIL import Image

from tryon.tracking.mediapipe_tracker import quiet_native_startup

#: One line of each kind MediaPipe 0.10.21 prints when a face-mesh graph starts.
NOISE = (
    "INFO: Created TensorFlow Lite XNNPACK delegate for CPU.",
    "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
    "W0000 00:00:1795300393.273831   11375 inference_feedback_manager.cc:114] Feedback manager "
    "requires a model with a single signature inference. Disabling support for feedback tensors.",
    "W0000 00:00:1795300393.416091   11390 landmark_projection_calculator.cc:186] Using "
    "NORM_RECT without IMAGE_DIMENSIONS is only supported for the square ROI.",
)
MARKERS = ("XNNPACK", "InitializeLog", "inference_feedback_manager", "landmark_projection")


def _track_cli(photo: Path, out: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """``tryon track PHOTO -o OUT`` in a fresh interpreter (MediaPipe loaded from scratch)."""
    code = "import sys; from tryon.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run(
        [sys.executable, "-c", code, "track", str(photo), "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "TRYON_DEBUG": "", **env},
        check=False,
    )


@pytest.fixture(scope="module")
def photo(tmp_path_factory: pytest.TempPathFactory, astronaut: NDArray[np.uint8]) -> Path:
    path = tmp_path_factory.mktemp("in") / "astronaut.png"
    Image.fromarray(astronaut).save(path)
    return path


@pytest.mark.slow
def test_the_cli_shows_no_native_start_up_lines(photo: Path, tmp_path: Path) -> None:
    done = _track_cli(photo, tmp_path / "out.png")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out.png").is_file()
    assert not [m for m in MARKERS if m in done.stderr], done.stderr


@pytest.mark.slow
def test_tryon_debug_shows_them(photo: Path, tmp_path: Path) -> None:
    done = _track_cli(photo, tmp_path / "out.png", TRYON_DEBUG="1")
    assert done.returncode == 0, done.stderr
    assert "Created TensorFlow Lite XNNPACK delegate" in done.stderr
    assert "landmark_projection_calculator.cc" in done.stderr


def test_other_output_in_the_window_is_written_back(capfd: pytest.CaptureFixture[str]) -> None:
    with quiet_native_startup():
        for line in NOISE:
            os.write(2, (line + "\n").encode())
        os.write(2, b"ours: the camera went away\n")
        print("python's own stderr", file=sys.stderr)
    # (capfd reads Python's sys.stderr and fd 2 separately: compare without their order)
    lines = capfd.readouterr().err.splitlines()
    assert sorted(lines) == ["ours: the camera went away", "python's own stderr"]


def test_nothing_is_dropped_with_tryon_debug(
    capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRYON_DEBUG", "1")
    with quiet_native_startup():
        os.write(2, (NOISE[0] + "\n").encode())
    assert capfd.readouterr().err == NOISE[0] + "\n"
