"""The outgoing frame in the camera's own YUV: only the box the engine drew is converted back.

A session decodes the camera's ``yuv420p`` frame to RGB for the engine. Sending the whole
result as an RGB frame costs a copy into the frame and a full conversion back to
``yuv420p`` in the VP8 encoder, every frame, for a box of glasses. Instead the outgoing frame
is a copy of the decoded planes with only the drawn box converted (:func:`composite_yuv420`);
a frame the engine left unmodified goes out as it came.

The conversion is swscale's ``rgb24`` -> ``yuv420p`` (what the encoder did to the whole
frame): BT.601 limited range; chroma from horizontal pairs of pixels and, vertically, four
rows weighted 1-3-3-1 centred on the pair (rows beyond the frame repeat its edge). The
rows just outside the box come from the composited frame, so a box written back matches a
full conversion of that frame (within a level of rounding) up to its edges.
"""

from __future__ import annotations

import cv2
import numpy as np
from av import VideoFrame
from numpy.typing import NDArray

from tryon.render.target import Box

__all__ = [
    "can_composite",
    "composite_yuv420",
    "even_box",
    "outgoing_frame",
    "planes",
    "rgb_to_yuv420",
]

#: BT.601 limited range U and V (in [16, 240]) from R, G, B, plus the offset. The weights
#: apply to sums of 16 pixels (2 of a pair x 1-3-3-1 over four rows).
_CHROMA = np.array(
    [
        [-37.797, -74.203, 112.0, 128.0 * 255.0 * 16.0],
        [112.0, -93.786, -18.214, 128.0 * 255.0 * 16.0],
    ],
    dtype=np.float32,
) / np.float32(255.0 * 16.0)


def can_composite(frame: VideoFrame) -> bool:
    """Whether :func:`composite_yuv420` takes ``frame``: ``yuv420p`` of even size (what
    browsers and aiortc's decoders give)."""
    return frame.format.name == "yuv420p" and frame.width % 2 == 0 and frame.height % 2 == 0


def planes(frame: VideoFrame) -> tuple[NDArray[np.uint8], NDArray[np.uint8], NDArray[np.uint8]]:
    """Writable ``(Y, U, V)`` views of a ``yuv420p`` frame's planes (line padding cut off)."""
    views = []
    for plane in frame.planes:
        rows = np.frombuffer(memoryview(plane), np.uint8).reshape(plane.height, plane.line_size)
        views.append(rows[:, : plane.width])
    return views[0], views[1], views[2]


def even_box(box: Box, width: int, height: int) -> Box:
    """``box`` clipped to the frame and grown to even corners (whole chroma samples)."""
    x0, y0 = max(box[0], 0) & ~1, max(box[1], 0) & ~1
    x1 = min((box[0] + box[2] + 1) & ~1, width)
    y1 = min((box[1] + box[3] + 1) & ~1, height)
    return x0, y0, max(x1 - x0, 0), max(y1 - y0, 0)


def rgb_to_yuv420(
    rgb: NDArray[np.uint8], box: Box
) -> tuple[NDArray[np.uint8], NDArray[np.uint8], NDArray[np.uint8]]:
    """The ``yuv420p`` planes of ``box`` (even corners, see :func:`even_box`) of the RGB
    frame ``rgb``: Y ``(h, w)``, U and V ``(h/2, w/2)``. The rows above and below the box
    are read for the chroma filter."""
    x, y, w, h = box
    if x % 2 or y % 2 or w % 2 or h % 2:
        raise ValueError(f"the box must have even corners, got {box}")
    box_rgb = np.ascontiguousarray(rgb[y : y + h, x : x + w])
    # OpenCV's I420 luma is BT.601 limited range too (its chroma samples differently).
    luma = np.asarray(cv2.cvtColor(box_rgb, cv2.COLOR_RGB2YUV_I420)[:h], dtype=np.uint8)
    rows = np.clip(np.arange(y - 1, y + h + 1), 0, rgb.shape[0] - 1)
    around = rgb[rows, x : x + w].astype(np.uint16)  # h + 2 rows
    outer, inner = (
        around[0:h:2] + around[3 : h + 3 : 2],
        around[1 : h + 1 : 2] + around[2 : h + 2 : 2],
    )
    taps = outer + 3 * inner
    pairs = (taps[:, 0::2] + taps[:, 1::2]).astype(np.float32)
    chroma = cv2.transform(pairs, _CHROMA)
    u, v = np.clip(np.rint(chroma), 0, 255).astype(np.uint8).transpose(2, 0, 1)
    return luma, u, v


def composite_yuv420(source: VideoFrame, rgb: NDArray[np.uint8], box: Box | None) -> VideoFrame:
    """The frame to send: ``source`` (a ``yuv420p`` frame, see :func:`can_composite`) with
    ``box`` of the composited RGB frame ``rgb`` converted into its planes, in a new frame
    with ``source``'s timing. ``box`` None: nothing was drawn, ``source`` itself."""
    if box is None:
        return source
    out = _timed_like(VideoFrame(source.width, source.height, "yuv420p"), source)
    dst = planes(out)
    for d, s in zip(dst, planes(source), strict=True):
        np.copyto(d, s)
    x, y, w, h = even_box(box, source.width, source.height)
    if w and h:
        luma, u, v = rgb_to_yuv420(rgb, (x, y, w, h))
        dst[0][y : y + h, x : x + w] = luma
        dst[1][y // 2 : (y + h) // 2, x // 2 : (x + w) // 2] = u
        dst[2][y // 2 : (y + h) // 2, x // 2 : (x + w) // 2] = v
    return out


def outgoing_frame(source: VideoFrame, rgb: NDArray[np.uint8], box: Box | None) -> VideoFrame:
    """The frame to send for the camera frame ``source`` whose composited RGB is ``rgb``,
    drawn only in ``box`` (None: nothing drawn): :func:`composite_yuv420` when ``source``
    allows it (``source`` itself when nothing was drawn), else all of ``rgb`` as an RGB
    frame; ``source``'s timing either way."""
    if can_composite(source):
        return composite_yuv420(source, rgb, box)
    return _timed_like(VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24"), source)


def _timed_like(frame: VideoFrame, source: VideoFrame) -> VideoFrame:
    """``frame`` with ``source``'s pts and time base."""
    frame.pts = source.pts
    if source.time_base is not None:
        frame.time_base = source.time_base
    return frame
