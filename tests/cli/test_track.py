"""``tryon track`` on a real photo and on a short video made here with PyAV."""

from __future__ import annotations

import json
from pathlib import Path

import av
import numpy as np
import pytest
from numpy.typing import NDArray

from tryon.cli import main
from tryon.media import read_image, read_video
from tryon.tracking.synthetic import gentle_motion


@pytest.fixture(scope="module")
def photo(tmp_path_factory: pytest.TempPathFactory, astronaut: NDArray[np.uint8]) -> Path:
    path = tmp_path_factory.mktemp("in") / "astronaut.png"
    from PIL import Image

    Image.fromarray(astronaut).save(path)
    return path


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory, astronaut: NDArray[np.uint8]) -> Path:
    """12 frames at 25 fps, 320x240, the face swaying gently; pts in 1/25 s."""
    path = tmp_path_factory.mktemp("in") / "clip.mp4"
    with av.open(str(path), mode="w") as container:
        stream = container.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 320, 240, "yuv420p"
        small = astronaut[::2, ::2].copy()  # the face ~46 px wide
        for frame, _ in gentle_motion(small, (320, 240), 12, (112.0, 62.0), fps=25):
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def test_track_an_image_with_json(
    photo: Path, tmp_path: Path, astronaut: NDArray[np.uint8]
) -> None:
    out, js = tmp_path / "overlay.png", tmp_path / "faces.json"
    assert main(["track", str(photo), "-o", str(out), "--json", str(js)]) == 0
    drawn = read_image(out)
    assert drawn.shape == astronaut.shape and not np.array_equal(drawn, astronaut)
    data = json.loads(js.read_text())
    assert (data["width"], data["height"]) == (512, 512)
    [frame] = data["frames"]
    [face] = frame["faces"]
    assert np.array(face["landmarks"]).shape == (478, 3)
    assert np.array(face["iris"]["centers"]).shape == (2, 2)
    rotation = np.array(face["pose"]["rotation"])
    assert rotation @ rotation.T == pytest.approx(np.eye(3), abs=1e-4)
    assert face["pose"]["translation_m"][2] < 0
    assert 1.0 < face["pose"]["mm_per_px"] < 2.0


def test_track_a_video_with_json(clip: Path, tmp_path: Path) -> None:
    out, js = tmp_path / "overlay.mp4", tmp_path / "faces.json"
    assert main(["track", str(clip), "-o", str(out), "--json", str(js), "--max-faces", "2"]) == 0
    count, fps, frames = read_video(out)
    assert count in (0, 12)  # the container may not know its frame count
    decoded = list(frames)
    assert len(decoded) == 12 and fps == pytest.approx(25)
    assert decoded[0].image.shape == (240, 320, 3)
    data = json.loads(js.read_text())
    stamps = [f["timestamp_ms"] for f in data["frames"]]
    assert stamps == [round(i * 40) for i in range(12)]  # from the pts, 25 fps
    assert all(len(f["faces"]) == 1 for f in data["frames"])  # one face, though 2 allowed
    assert all(np.array(f["faces"][0]["landmarks"]).shape == (478, 3) for f in data["frames"])


def test_a_broken_image_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n this is not an image")
    out = tmp_path / "out.png"
    assert main(["track", str(broken), "-o", str(out), "--json", str(tmp_path / "f.json")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("tryon track: cannot read") and "broken.png" in err
    assert "\n" not in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == [broken]  # nothing half-written


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.png", "-o", "out.png"], "no such file"),
        (["{photo}", "-o", "out.mp4"], "so -o must be an image"),
        (["{photo}", "-o", "out.png", "--max-faces", "0"], "--max-faces must be at least 1"),
        (["{photo}", "-o", "out.png", "--hfov", "500"], "field of view must be in"),
    ],
)
def test_user_errors_exit_2(
    args: list[str],
    message: str,
    photo: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["track", *(a.format(photo=photo) for a in args)]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out.png").exists() and not (tmp_path / "out.mp4").exists()


def test_a_truncated_video_leaves_no_output(clip: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(clip.read_bytes()[:300])
    out = tmp_path / "out.mp4"
    assert main(["track", str(cut), "-o", str(out)]) == 2
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cut.mp4"]
