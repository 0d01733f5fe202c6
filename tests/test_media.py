"""Image and video I/O: round trips, pts-based timestamps, clear errors, no partial files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from tryon.media import (
    MediaError,
    VideoWriter,
    read_frames,
    read_image,
    read_video,
    write_image,
)


def test_png_round_trip_is_exact(tmp_path: Path, astronaut: NDArray[np.uint8]) -> None:
    path = tmp_path / "a.png"
    write_image(path, astronaut)
    assert np.array_equal(read_image(path), astronaut)
    assert [p.name for p in tmp_path.iterdir()] == ["a.png"]


def test_greyscale_and_rgba_images_become_rgb(tmp_path: Path) -> None:
    from PIL import Image

    Image.new("LA", (5, 4), (100, 255)).save(tmp_path / "g.png")
    img = read_image(tmp_path / "g.png")
    assert img.shape == (4, 5, 3) and img.dtype == np.uint8 and (img == 100).all()


def test_video_round_trip_with_timestamps(tmp_path: Path, astronaut: NDArray[np.uint8]) -> None:
    path = tmp_path / "v.mp4"
    with VideoWriter(path, 30.0, (512, 512)) as w:
        for i in range(10):
            w.write(np.roll(astronaut, 4 * i, axis=1))
    count, fps, frames = read_video(path)
    assert count in (0, 10)  # the container may not know its frame count
    got = list(frames)
    assert len(got) == 10 and fps == pytest.approx(30.0)
    assert [f.timestamp_ms for f in got] == [round(i * 1000 / 30) for i in range(10)]
    # H.264 is lossy, but the picture is the same picture.
    assert np.abs(got[0].image.astype(int) - astronaut).mean() < 4.0


def test_read_frames_gives_an_image_or_a_video_as_timed_frames(
    tmp_path: Path, astronaut: NDArray[np.uint8]
) -> None:
    write_image(tmp_path / "a.png", astronaut)
    count, fps, frames = read_frames(tmp_path / "a.png")
    (ts, image), *rest = list(frames)
    assert (count, fps, ts, rest) == (1, 0.0, 0, [])
    assert np.array_equal(image, astronaut)
    with VideoWriter(tmp_path / "v.mkv", 25.0, (512, 512)) as w:
        for _ in range(3):
            w.write(astronaut)
    count, fps, frames = read_frames(tmp_path / "v.mkv")
    got = list(frames)
    assert fps == pytest.approx(25.0) and count in (0, 3)
    assert [t for t, _ in got] == [0, 40, 80]
    assert all(f.shape == (512, 512, 3) and f.dtype == np.uint8 for _, f in got)
    with pytest.raises(MediaError, match="no such file"):
        read_frames(tmp_path / "missing.mp4")


def test_a_failed_video_write_leaves_nothing(tmp_path: Path) -> None:
    path = tmp_path / "v.mp4"
    with (
        pytest.raises(ValueError, match="expected a 64x48 frame, got 32x48"),
        VideoWriter(path, 30.0, (64, 48)) as w,
    ):
        w.write(np.zeros((48, 64, 3), np.uint8))
        w.write(np.zeros((48, 32, 3), np.uint8))
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("content", "message"), [(None, "no such file"), (b"garbage", "cannot read .* as an image")]
)
def test_unreadable_images(tmp_path: Path, content: bytes | None, message: str) -> None:
    path = tmp_path / "x.png"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(MediaError, match=message):
        read_image(path)


def test_unreadable_video_and_odd_sizes(tmp_path: Path) -> None:
    bad = tmp_path / "x.mp4"
    bad.write_bytes(b"not a video at all")
    with pytest.raises(MediaError, match=r"cannot read .*x\.mp4 as a video"):
        read_video(bad)
    with pytest.raises(MediaError, match="even frame size, got 63x48"):
        VideoWriter(tmp_path / "odd.mp4", 30.0, (63, 48))
