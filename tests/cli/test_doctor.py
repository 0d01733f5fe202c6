"""``tryon doctor`` reports what the engine needs, and fails when GL is missing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def _doctor(**env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from tryon.cli import main; sys.exit(main())",
            "doctor",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
        check=False,
    )


def test_doctor_on_this_machine() -> None:
    run = _doctor()
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert "mediapipe 0.10.21" in out
    assert "model face_landmark/face_landmark_with_attention.tflite" in out
    assert "model face_detection/face_detection_full_range_sparse.tflite" in out
    assert "OpenGL (EGL): " in out and "FAILED" not in out
    assert "python 3.11" in out
    assert "canonical face: 478 vertices, 898 triangles" in out
    assert "webcam: " in out and "hair matte: " in out
    # The --video-encoder choices, each tried on a frame (no NVIDIA GPU here).
    assert "video encoders: for tryon serve --video-encoder\n" in out
    assert "\n  vp8: opens (VP8, aiortc's libvpx on the CPU)\n" in out
    assert "\n  libx264: opens (H.264, libx264 on the CPU)\n" in out
    assert "\n  h264_nvenc: " in out
    assert out.rstrip().endswith("ok: the engine can run here")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glvnd EGL vendor override")
def test_doctor_fails_without_egl() -> None:
    run = _doctor(__EGL_VENDOR_LIBRARY_FILENAMES="/nonexistent/egl_vendor.json")
    assert run.returncode == 1
    assert "OpenGL (EGL): FAILED: could not create a headless EGL" in run.stdout
    assert "the engine cannot run here: OpenGL (EGL) failed" in run.stderr


def test_doctor_names_the_hair_matte_fallback(tmp_path: Path) -> None:
    """Without a checkpoint at TRYON_HAIR_MODEL the doctor names the fallback (not a
    failure: hair colour still works)."""
    missing = tmp_path / "none.pth"
    run = _doctor(TRYON_HAIR_MODEL=str(missing))
    assert run.returncode == 0, run.stderr
    assert f"hair matte: selfie fallback (no checkpoint at {missing}" in run.stdout
