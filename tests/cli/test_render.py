"""``tryon render`` end to end: real files, the real tracker, the shipped catalog."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray
from PIL import Image

from tryon.cli import main
from tryon.media import VideoWriter, read_video


@pytest.fixture(scope="module")
def photo(tmp_path_factory: pytest.TempPathFactory, astronaut: NDArray[np.uint8]) -> Path:
    path = tmp_path_factory.mktemp("render") / "astronaut.png"
    Image.fromarray(astronaut).save(path)
    return path


def test_render_a_photo(
    photo: Path, tmp_path: Path, astronaut: NDArray[np.uint8], capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "worn.png"
    assert main(["render", str(photo), "--product", "round-gunmetal", "-o", str(out)]) == 0
    assert f"{out}: 1 frame(s), a face in 1" in capsys.readouterr().out
    worn = np.asarray(Image.open(out))
    assert worn.shape == astronaut.shape
    changed = np.abs(worn.astype(int) - astronaut.astype(int)).max(-1) > 3
    assert 1000 < changed.sum() < 0.1 * changed.size  # glasses, not a different picture
    assert not changed[:60].any() and not changed[300:].any()


def test_render_a_video(photo: Path, tmp_path: Path, astronaut: NDArray[np.uint8]) -> None:
    clip = tmp_path / "clip.mp4"
    with VideoWriter(clip, 10.0, (512, 512)) as writer:
        for shift in range(3):
            writer.write(np.roll(astronaut, 4 * shift, axis=1))
    out = tmp_path / "worn.mp4"
    code = main(
        ["render", str(clip), "--product", "aviator-gold-58", "--intensity", "0.5", "-o", str(out)]
    )
    assert code == 0
    _, _, frames = read_video(out)
    images = [f.image for f in frames]
    assert len(images) == 3 and images[0].shape == (512, 512, 3)
    eyes = (slice(105, 125), slice(200, 290))
    for shift, image in enumerate(images):  # the tinted lenses darken both eyes
        photo = np.roll(astronaut, 4 * shift, axis=1)
        assert image[eyes].mean() < photo[eyes].mean() - 4  # video coding noise: about 1


PRODUCT = ["--product", "round-gunmetal"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--product", "no-such-glasses", "-o", "x.png"],
            r"unknown product 'no-such-glasses' \(the catalog has: .*round-gunmetal",
        ),
        (
            [*PRODUCT, "-o", "x.mp4"],
            r"so -o must be an image \(\.png, \.jpg, \.\.\.\), got .*x\.mp4",
        ),
        (
            [*PRODUCT, "--intensity", "2", "-o", "x.png"],
            r"LookItem.intensity must be in \[0, 1\], got 2.0",
        ),
        ([*PRODUCT, "--max-faces", "0", "-o", "x.png"], "--max-faces must be at least 1, got 0"),
        (["-o", "x.png"], "nothing to wear: give --product ID and/or --look ID"),
        (
            ["--look", "round-gunmetal", "-o", "x.png"],
            "--look 'round-gunmetal' is not a look but eyewear; use --product",
        ),
    ],
)
def test_user_errors_are_one_line_and_exit_2(
    photo: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    args = [str(tmp_path / a) if a.startswith("x.") else a for a in args]
    assert main(["render", str(photo), *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("tryon render: ") and err.count("\n") == 1
    assert re.search(message, err), err


def test_missing_input_is_a_user_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "render",
            str(tmp_path / "nope.mp4"),
            "--product",
            "round-gunmetal",
            "-o",
            str(tmp_path / "out.mp4"),
        ]
    )
    assert code == 2
    assert "nope.mp4" in capsys.readouterr().err


def test_render_a_look_with_glasses(
    photo: Path, tmp_path: Path, astronaut: NDArray[np.uint8], capsys: pytest.CaptureFixture[str]
) -> None:
    """A makeup look and a pair of glasses in one command: the look's lipstick reddens the
    lips, the glasses darken the eyes, the background stays."""
    out = tmp_path / "glam.png"
    args = ["render", str(photo), "--look", "look-evening-glam"]
    assert main([*args, "--product", "classic-rectangle-black", "-o", str(out)]) == 0
    assert f"{out}: 1 frame(s), a face in 1" in capsys.readouterr().out
    worn = np.asarray(Image.open(out)).astype(int)
    plain = astronaut.astype(int)
    lips = (slice(140, 152), slice(208, 238))  # between the mouth corners (201, 139), (244, 140)
    eyes = (slice(105, 125), slice(200, 290))
    assert np.abs(worn[lips] - plain[lips]).mean() > 8  # lipstick
    assert worn[eyes].mean() < plain[eyes].mean() - 15  # dark frames and lenses
    assert np.array_equal(worn[:40], astronaut[:40])  # the background above the head
