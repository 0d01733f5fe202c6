"""``tryon kiosk`` end to end on an Xvfb display: a video file as the camera, keys sent with
xdotool, the state read from the stdout lines, the picture from screenshots."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray
from PIL import Image

from tests.kiosk.harness import SCREEN, KioskProcess
from tryon.cli import main

W, H = SCREEN


def _raw_picture(frame: NDArray[np.uint8]) -> tuple[NDArray[np.uint8], tuple[int, int]]:
    """``frame`` as the kiosk shows it without anything worn or drawn over: mirrored, scaled
    to fit the window; with its top-left corner in the window."""
    h, w = frame.shape[:2]
    scale = min(W / w, H / h)
    size = (round(w * scale), round(h * scale))
    shown = np.asarray(Image.fromarray(frame[:, ::-1]).resize(size, Image.Resampling.BILINEAR))
    return shown, ((W - size[0]) // 2, (H - size[1]) // 2)


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.slow
def test_mirror_shows_the_product_keys_switch_snapshot_and_esc(
    run_kiosk: Callable[..., KioskProcess],
    face_video: Path,
    astronaut: NDArray[np.uint8],
    tmp_path: Path,
) -> None:
    eyewear = ["classic-rectangle-black", "round-tortoise", "aviator-gold-58"]
    config = _config(
        tmp_path,
        f"[catalog]\nproducts = {eyewear!r}\n"
        '[snapshots]\nfolder = "shots"\n[text]\nattract_title = "Kom dichterbij"\n',
    )
    kiosk = run_kiosk("--video", str(face_video), "--windowed", f"{W}x{H}", "--config", str(config))
    kiosk.wait_for(rf"^kiosk: ready {W}x{H}, 3 products in 1 categories")
    kiosk.wait_for(rf"^product: {eyewear[0]} \(eyewear\)$")  # in the config's order
    kiosk.key("Right")
    kiosk.wait_for(rf"^product: {eyewear[1]} \(eyewear\)$")
    kiosk.key("Left", "Left")
    kiosk.wait_for(rf"^product: {eyewear[0]} \(eyewear\)$")
    kiosk.wait_for(rf"^product: {eyewear[2]} \(eyewear\)$")  # wraps around
    kiosk.key("Right")  # the first again: a dark frame
    kiosk.wait_for(rf"^product: {eyewear[0]} \(eyewear\)$")

    raw, (x0, y0) = _raw_picture(astronaut)
    scale = raw.shape[0] / astronaut.shape[0]
    # the eyes (rows 100..135, columns 190..290 of the photo, mirrored in the window)
    ey = slice(y0 + int(100 * scale), y0 + int(135 * scale))
    ex = slice(x0 + raw.shape[1] - int(290 * scale), x0 + raw.shape[1] - int(190 * scale))
    eyes_raw = raw[ey.start - y0 : ey.stop - y0, ex.start - x0 : ex.stop - x0].mean()
    shot = kiosk.screenshot(lambda shot: bool(shot[ey, ex].mean() < eyes_raw - 15))
    assert shot[ey, ex].mean() < eyes_raw - 15, (shot[ey, ex].mean(), eyes_raw)  # dark frames
    # the carousel band at the bottom is not the picture (dark band, light thumbnail tiles)
    band = slice(H - 110, H - 40)
    diff = np.abs(shot[band, x0 : x0 + raw.shape[1]] - raw[band.start - y0 : band.stop - y0])
    assert diff.mean() > 30
    assert (shot[band].min(axis=-1) > 235).mean() > 0.1  # thumbnail tiles
    # the middle of the picture (suit, shuttle, flag) is the mirrored frame itself, at one of
    # the video's sway positions (a few pixels sideways)
    mid = slice(y0 + int(250 * scale), y0 + int(330 * scale))
    inner = shot[mid, x0 + 20 : x0 + raw.shape[1] - 20]
    swayed = (_raw_picture(np.roll(astronaut, dx, axis=1))[0] for dx in range(-5, 6))
    rows = slice(mid.start - y0, mid.stop - y0)
    assert min(np.median(np.abs(inner - r[rows, 20:-20])) for r in swayed) < 5

    kiosk.key("b", "m")
    kiosk.wait_for(r"^split: on$")
    kiosk.wait_for(r"^measurements: shown$")
    kiosk.key("space")
    saved = Path(kiosk.wait_for(r"^snapshot: saved (.+\.png)$")[1])
    path = saved if saved.is_absolute() else tmp_path / saved
    assert path.parent == tmp_path / "shots"
    snapshot = np.asarray(Image.open(path))
    assert snapshot.shape == (H, W, 3)
    assert [p.name for p in (tmp_path / "shots").iterdir()] == [path.name]

    kiosk.key("Escape")
    assert kiosk.proc.wait(timeout=20) == 0
    kiosk.wait_for(r"^quit$")
    assert all(not re.search(r"\d+\.\d+ mm|landmark", line) for line in kiosk.lines)


@pytest.mark.slow
def test_no_face_attract_screen_then_idle_reset(
    run_kiosk: Callable[..., KioskProcess],
    empty_video: Path,
    coffee: NDArray[np.uint8],
    tmp_path: Path,
) -> None:
    config = _config(
        tmp_path,
        '[catalog]\nproducts = ["round-tortoise", "aviator-gold-58"]\n'
        "[idle]\nattract_after_s = 1.0\nreset_after_s = 5.0\n"
        '[snapshots]\nfolder = "shots"\n[text]\nattract_title = "Kom dichterbij"\n',
    )
    kiosk = run_kiosk(
        "--video", str(empty_video), "--windowed", f"{W}x{H}", "--config", str(config)
    )
    first = kiosk.wait_for(r"^product: (\S+) ")[1]
    assert first == "round-tortoise"
    kiosk.key("Right", "space")  # the shopper's choices, to be forgotten
    second = kiosk.wait_for(r"^product: (\S+) ")[1]
    assert second != first
    kiosk.wait_for(r"^snapshot: saved ")
    kiosk.wait_for(r"^attract: on$")

    raw, (x0, y0) = _raw_picture(coffee)
    box = (slice(y0, y0 + raw.shape[0]), slice(x0, x0 + raw.shape[1]))
    shot = kiosk.screenshot(lambda shot: bool(shot[box].mean() < 0.75 * raw.mean()))
    picture = shot[box]
    assert picture.mean() < 0.75 * raw.mean()  # dimmed under the invitation
    assert (picture.min(axis=-1) > 240).sum() > 500  # its white lettering
    assert np.corrcoef(picture.mean(-1).ravel(), raw.mean(-1).ravel())[0, 1] > 0.5  # still live

    kiosk.wait_for(r"^reset: session cleared \(1 snapshots forgotten\)$", timeout=20)
    kiosk.wait_for(rf"^product: {first} ")  # back to the first product, nothing chosen
    kiosk.key("Escape")
    assert kiosk.proc.wait(timeout=20) == 0
    assert [line for line in kiosk.lines if line.startswith("reset")] == [
        "reset: session cleared (1 snapshots forgotten)"
    ]  # once per idle period
    assert "attract: off" not in kiosk.lines


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ("[idle]\nattract_after_s = -1\n", "idle.attract_after_s"),  # negative seconds
        ("[window]\nwidht = 800\n", "window.widht"),  # a typo is an unknown key
        ('[catalog]\nproducts = ["no-such-frame"]\n', "catalog.products"),  # not in catalog
        ('[catalog]\ncategories = ["hats"]\n', "[catalog]"),  # nothing left to offer
        ("[camera\nindex = 0\n", "not valid TOML"),  # a syntax error
    ],
)
def test_bad_config_is_one_line_and_exit_2(
    xvfb: str,
    tmp_path: Path,
    toml: str,
    key: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DISPLAY", xvfb)
    assert main(["kiosk", "--windowed", "640x480", "--config", str(_config(tmp_path, toml))]) == 2
    captured = capsys.readouterr()
    err = captured.err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("tryon kiosk: ") and key in err[0], err
    assert captured.out == ""  # no window was opened


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--windowed", "big"], "--windowed must be WIDTHxHEIGHT"),  # not a size
        (["--windowed", "100x100"], "--windowed must be within"),  # too small for the UI
        (["--camera", "99"], "--camera must be in [0, 63]"),  # no such device index
        (["--video", "missing.mp4", "--windowed", "640x480"], "no such file"),
        (["--camera", "63", "--windowed", "640x480"], "cannot open camera 63"),  # no device
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(
    xvfb: str,
    args: list[str],
    message: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DISPLAY", xvfb)
    assert main(["kiosk", *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err


def test_no_display_is_one_line_and_exit_2(
    face_video: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert main(["kiosk", "--video", str(face_video), "--windowed", "640x480"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot open a window: " in err[0] and "DISPLAY" in err[0], err
