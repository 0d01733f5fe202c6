"""``tryon measure`` end to end: real files, the real tracker, the shipped catalog."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray
from PIL import Image

from tests.measure.synthetic import jittered, similarity
from tryon.cli import main
from tryon.media import VideoWriter


@pytest.fixture(scope="module")
def photo(tmp_path_factory: pytest.TempPathFactory, astronaut: NDArray[np.uint8]) -> Path:
    path = tmp_path_factory.mktemp("measure") / "astronaut.png"
    Image.fromarray(similarity(astronaut, 2.0)).save(path)
    return path


def test_measure_a_photo_as_text(photo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["measure", str(photo), "--product", "round-tortoise"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("face 1: 1 of 1 frames, scale from the iris")  # face ids start at 1
    assert "PD (binocular)" in out and " ± " in out
    # The face is about as wide as this frame: from the iris alone the fit is uncertain.
    assert "fit round-tortoise 48□20-145: uncertain (leaning " in out


def test_measure_json_is_the_report(photo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["measure", str(photo), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    face = report["faces"][0]
    assert face["status"] == "ok" and face["scale_source"] == "iris"
    assert 54 <= face["values"]["pd"]["value_mm"] <= 74
    assert len(face["fit"]) >= 9  # every shipped eyewear product


def test_measure_a_video_averages_frames(
    tmp_path: Path, astronaut: NDArray[np.uint8], capsys: pytest.CaptureFixture[str]
) -> None:
    clip = tmp_path / "clip.mp4"
    frames = jittered(similarity(astronaut, 1.5), 8, seed=5)
    with VideoWriter(clip, 10.0, (frames[0].shape[1], frames[0].shape[0])) as writer:
        for frame in frames:
            writer.write(frame)
    assert main(["measure", str(clip), "--json"]) == 0
    face = json.loads(capsys.readouterr().out)["faces"][0]
    assert face["status"] == "ok"
    assert face["frames"] >= 5 and face["frames_seen"] == 8


def test_no_face_exits_1_with_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blank = tmp_path / "blank.png"
    Image.fromarray(np.full((200, 300, 3), 120, np.uint8)).save(blank)
    assert main(["measure", str(blank)]) == 1
    assert capsys.readouterr().out.strip() == "no face found"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["measure", "/nonexistent/face.png"],
            "tryon measure: no such file: /nonexistent/face.png",
        ),
        (["measure", "PHOTO", "--product", "nope"], "tryon measure: unknown product 'nope'"),
        (
            ["measure", "PHOTO", "--max-faces", "0"],
            "tryon measure: --max-faces must be at least 1, got 0",
        ),
        (
            ["measure", "PHOTO", "--hfov", "500"],
            "tryon measure: horizontal field of view must be in",
        ),
    ],
)
def test_user_errors_are_one_line(
    photo: Path, argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [str(photo) if a == "PHOTO" else a for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1
