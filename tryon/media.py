"""Reading and writing images (Pillow) and videos (PyAV) as RGB uint8 frames.

Writers go to a temporary file beside the destination and rename it into place on success,
so a failure never leaves a half-written output behind.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from types import TracebackType
from typing import Any

import av
import numpy as np
from numpy.typing import NDArray
from PIL import Image, UnidentifiedImageError

from tryon.frames import validate_frame

__all__ = [
    "IMAGE_SUFFIXES",
    "VIDEO_SUFFIXES",
    "MediaError",
    "VideoFrame",
    "VideoWriter",
    "atomic_path",
    "is_image_path",
    "read_frames",
    "read_image",
    "read_video",
    "write_image",
]

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff"})
#: Video files that :class:`VideoWriter` writes (H.264 in these containers).
VIDEO_SUFFIXES = frozenset({".mp4", ".mkv", ".mov", ".avi", ".webm", ".m4v"})


class MediaError(Exception):
    """A file could not be read or written as an image or video; the message says why."""


@dataclass(frozen=True, slots=True)
class VideoFrame:
    """One decoded video frame: RGB pixels and its presentation time."""

    image: NDArray[np.uint8]
    timestamp_ms: int
    index: int


def is_image_path(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_SUFFIXES


def read_image(path: Path) -> NDArray[np.uint8]:
    """An image file as an RGB uint8 array ``(H, W, 3)`` (alpha dropped, greyscale expanded)."""
    try:
        with Image.open(path) as im:
            rgb = im.convert("RGB")
    except FileNotFoundError:
        raise MediaError(f"no such file: {path}") from None
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise MediaError(f"cannot read {path} as an image: {exc}") from None
    return np.asarray(rgb, dtype=np.uint8).copy()


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path`` that replaces it only if the block succeeds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def write_image(path: Path, frame: NDArray[np.uint8]) -> None:
    """Write an RGB frame; the format follows the suffix (PNG, JPEG, ...)."""
    image = Image.fromarray(validate_frame(frame))
    try:
        with atomic_path(path) as tmp:
            image.save(tmp, format=Image.registered_extensions().get(path.suffix.lower()))
    except (OSError, ValueError, KeyError) as exc:
        raise MediaError(f"cannot write image {path}: {exc}") from None


def read_video(path: Path) -> tuple[int, float, Iterator[VideoFrame]]:
    """Open a video: ``(frame count or 0 if unknown, fps, frames)`` with times from the pts.

    Timestamps are the stream's presentation times in ms, made strictly increasing.
    """
    if not path.is_file():
        raise MediaError(f"no such file: {path}")
    try:
        container = av.open(str(path))
        stream = container.streams.video[0]
    except (av.FFmpegError, IndexError, ValueError) as exc:
        raise MediaError(f"cannot read {path} as a video: {exc}") from None
    count = int(stream.frames or 0)
    fps = float(stream.average_rate or 30)

    def frames() -> Iterator[VideoFrame]:
        last = -1
        try:
            for i, frame in enumerate(container.decode(stream)):
                if frame.pts is not None and frame.time_base is not None:
                    ts = round(float(frame.pts * frame.time_base) * 1000)
                else:
                    ts = round(i * 1000 / fps)
                last = max(ts, last + 1)
                rgb = np.asarray(frame.to_ndarray(format="rgb24"), dtype=np.uint8)
                yield VideoFrame(rgb, last, i)
        except av.FFmpegError as exc:
            raise MediaError(f"cannot decode {path}: {exc}") from None
        finally:
            container.close()

    return count, fps, frames()


def read_frames(path: Path) -> tuple[int, float, Iterator[tuple[int, NDArray[np.uint8]]]]:
    """An image or a video as ``(frame count or 0 if unknown, fps, (timestamp_ms, rgb)
    pairs)``; an image is one frame at time 0 and fps 0."""
    if is_image_path(path):
        return 1, 0.0, iter([(0, read_image(path))])
    count, fps, frames = read_video(path)
    return count, fps, ((f.timestamp_ms, f.image) for f in frames)


class VideoWriter:
    """H.264 (yuv420p) video writer; the file appears at ``path`` only after `close`."""

    def __init__(self, path: Path, fps: float, size: tuple[int, int]) -> None:
        w, h = size
        if w % 2 or h % 2:
            raise MediaError(f"H.264 needs an even frame size, got {w}x{h}")
        self.path = path
        self._atomic = atomic_path(path)
        tmp = self._atomic.__enter__()
        try:
            self._container: Any = av.open(str(tmp), mode="w")
            rate = Fraction(fps).limit_denominator(1001)
            self._stream: Any = self._container.add_stream("libx264", rate=rate)
            self._stream.width, self._stream.height = w, h
            self._stream.pix_fmt = "yuv420p"
        except (av.FFmpegError, ValueError) as exc:
            self._atomic.__exit__(type(exc), exc, exc.__traceback__)
            raise MediaError(f"cannot write video {path}: {exc}") from None
        self._size = size

    def write(self, frame: NDArray[np.uint8]) -> None:
        image = validate_frame(frame)
        if (image.shape[1], image.shape[0]) != self._size:
            raise ValueError(
                f"expected a {self._size[0]}x{self._size[1]} frame, "
                f"got {image.shape[1]}x{image.shape[0]}"
            )
        for packet in self._stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
            self._container.mux(packet)

    def close(self, failed: BaseException | None = None) -> None:
        """Finish the file (or, when ``failed``, discard it)."""
        try:
            if failed is None:
                for packet in self._stream.encode():
                    self._container.mux(packet)
            self._container.close()
        finally:
            exc_type = type(failed) if failed is not None else None
            tb = failed.__traceback__ if failed is not None else None
            self._atomic.__exit__(exc_type, failed, tb)

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close(exc)
