"""Running the engine over a photo or a video file and writing what it draws, for the
commands that do so (``render``, ``track``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tqdm import tqdm

from tryon.catalog.look import Look
from tryon.cli import CliError
from tryon.engine import Engine, EngineResult
from tryon.media import (
    VIDEO_SUFFIXES,
    MediaError,
    VideoWriter,
    is_image_path,
    read_frames,
    write_image,
)

__all__ = ["FrameCallback", "check_output_kind", "process_file"]

#: Called after each frame with its index, its timestamp (ms) and the engine's result.
FrameCallback = Callable[[int, int, EngineResult | None], None]


def check_output_kind(src: Path, out: Path) -> None:
    """A photo is written as an image and a video as a video; anything else is a `CliError`."""
    is_image = is_image_path(src)
    if is_image == is_image_path(out) and (is_image or out.suffix.lower() in VIDEO_SUFFIXES):
        return
    expected = "an image (.png, .jpg, ...)" if is_image else "a video (.mp4, .mkv, ...)"
    raise CliError(
        f"{src} is {'an image' if is_image else 'a video'}, so -o must be {expected}, got {out}"
    )


def process_file(
    engine: Engine,
    src: Path,
    out: Path,
    look: Look | None = None,
    on_frame: FrameCallback | None = None,
    *,
    progress: bool = True,
) -> int:
    """Every frame of ``src`` through ``engine`` (with ``look``), written to ``out``; the
    number of frames. ``out`` appears only when complete; media errors are `CliError`.
    ``progress``: show a progress bar on a terminal."""
    check_output_kind(src, out)
    is_image = is_image_path(src)
    done = 0
    try:
        count, fps, frames = read_frames(src)
        writer: VideoWriter | None = None
        try:
            bar = tqdm(
                frames,
                total=count or None,
                unit="frame",
                disable=None if progress else True,
                leave=False,
            )
            for ts, rgb in bar:
                drawn = engine.process(rgb, look, timestamp_ms=None if is_image else ts)
                if on_frame is not None:
                    on_frame(done, ts, engine.last_result)
                done += 1
                if is_image:
                    write_image(out, drawn)
                    continue
                if writer is None:
                    writer = VideoWriter(out, fps, (rgb.shape[1], rgb.shape[0]))
                writer.write(drawn)
        except BaseException as exc:
            if writer is not None:
                writer.close(exc)
            raise
        if writer is not None:
            writer.close()
        elif not is_image:
            raise CliError(f"{src} has no video frames")
    except MediaError as exc:
        raise CliError(str(exc)) from None
    return done
