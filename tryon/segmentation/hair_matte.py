"""The per-frame hair matte: face parsing off the render path, carried by the face mesh.

Parsing (:mod:`tryon.segmentation.parsing`) runs on a background thread, as often as the
machine allows, on a square crop twice the face mesh, centred a little above it and turned
upright with the eye line, at ``parse_size`` pixels (the matte reaches no further: very big
hair is cut at the crop's edge). When the thread is free it takes the latest frame (a copy)
and cuts the crops itself; the hair it finds is cut to the person there too (MediaPipe's
selfie segmentation of the face's box of the frame). Each frame, for each face, the last
parse is carried to the face's place now by the similarity transform that takes the face
mesh's landmarks then to now (one ``warpAffine`` into the face's box of the frame), refined
at the edges with a guided filter on the frame, and blended with the previous frame's matte
(carried the same way) so that it does not flicker; a face that has not moved since its
last matte, with no new parse, keeps that matte. A face seen for the first time is parsed
on the spot (that frame waits once). The parsing thread runs at a lower priority than the
render path.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import cv2
import numpy as np
from numpy.typing import NDArray

from tryon.segmentation.parsing import FaceParse, FaceParser, open_parser
from tryon.segmentation.person import SelfieMatte, guided_filter
from tryon.tracking.geometry import FaceGeometry

__all__ = ["FaceMatte", "HairMatteStage", "crop_transform", "similarity"]

log = logging.getLogger(__name__)

#: The parsing crop's side over the face's size (the landmarks' larger extent).
CROP_SCALE = 2.0
#: How far above the landmarks' centre the crop is centred, in face sizes (hair is above).
CROP_RAISE = 0.2
#: Weight of the new matte against the previous one, carried (temporal smoothing).
BLEND_NEW = 0.5
#: Hair probabilities below the first are no hair, above the second hair (the parser's
#: doubt on a forehead or a collar is not painted).
_UNSURE = (0.3, 0.7)
#: Matte values below this (of 255) are cut to 0, so the face and background keep their bytes.
_SNAP = 10
#: sRGB byte -> its share of linear luminance, per channel (Rec. 709 weights), as a
#: ``(1, 256, 3)`` table for ``cv2.LUT``.
_SRGB = np.arange(256) / 255.0
_LINEAR_LUMINANCE = (
    np.where(_SRGB <= 0.04045, _SRGB / 12.92, ((_SRGB + 0.055) / 1.055) ** 2.4)[None, :, None]
    * np.array([0.2126, 0.7152, 0.0722])
).astype(np.float32)
#: Sums a pixel's three channels (``cv2.transform``).
_ONES = np.ones((1, 3), np.float32)
#: The matte grid's longest side, pixels (the parse has fewer; edges are refined on it).
MATTE_SIDE = 256
#: The side of the tiles that :attr:`FaceMatte.spans` are made of, frame pixels (each span
#: is one draw: smaller tiles shade fewer pixels in more draws).
SPAN_TILE = 32
#: Parses of faces out of view are kept (a face that comes back is carried at once) up to
#: this many faces.
_FACES_KEPT = 16
#: A face whose landmarks all moved less than this (frame pixels) since its matte was made,
#: with no new parse since, keeps that matte (the stabilized mesh of a still face wanders
#: by about this much).
_STILL_PX = 1.0
#: Outer eye corners (image left, image right) for the crop's roll.
_EYE_CORNERS = (33, 263)
#: The parsing thread's nice value (Linux: per thread, inherited by the threads it starts,
#: such as torch's): it parses with the CPU the render path leaves.
_PARSE_NICE = 10

Affine = NDArray[np.float64]
Box = tuple[int, int, int, int]
#: ``(x0, y0, x1, y1)``: the pixels from ``(x0, y0)`` up to ``(x1, y1)``, not included.
Extent = tuple[int, int, int, int]


def similarity(src: NDArray[np.float32], dst: NDArray[np.float32]) -> Affine:
    """``(2, 3)`` least-squares similarity (rotation, uniform scale, shift) taking the
    ``(N, 2)`` points ``src`` to ``dst`` (Umeyama, no reflection)."""
    s = src.astype(np.float64)
    d = dst.astype(np.float64)
    ms, md = s.mean(0), d.mean(0)
    s0, d0 = s - ms, d - md
    var = float((s0**2).sum())
    a = float((s0 * d0).sum()) / var  # scale * cos
    b = float((s0[:, 0] * d0[:, 1] - s0[:, 1] * d0[:, 0]).sum()) / var  # scale * sin
    rot = np.array([[a, -b], [b, a]])
    return np.hstack([rot, (md - rot @ ms)[:, None]])


def _compose(outer: Affine, inner: Affine) -> Affine:
    """``outer ∘ inner`` of two ``(2, 3)`` affines."""
    out: Affine = outer[:, :2] @ inner
    out[:, 2] += outer[:, 2]
    return out


def _invert(m: Affine) -> Affine:
    return np.asarray(cv2.invertAffineTransform(m), np.float64)


def _face_size(points: NDArray[np.float32]) -> tuple[float, NDArray[np.float32]]:
    lo, hi = points.min(0), points.max(0)
    return float(max(hi - lo)), (lo + hi) / 2.0


def crop_transform(landmarks: NDArray[np.float32], size: int) -> Affine:
    """``(2, 3)`` frame-to-crop affine of the parsing crop of a face (``(N, 2|3)`` landmarks
    in pixels): ``CROP_SCALE`` faces wide, raised by ``CROP_RAISE``, upright."""
    pts = landmarks[:, :2]
    face, centre = _face_size(pts)
    eye = pts[_EYE_CORNERS[1]] - pts[_EYE_CORNERS[0]]
    roll = float(np.arctan2(eye[1], eye[0]))
    up = np.array([np.sin(roll), -np.cos(roll)])  # the head's up in the image
    centre = centre + up * CROP_RAISE * face
    scale = size / (CROP_SCALE * max(face, 1.0))
    c, s = np.cos(-roll) * scale, np.sin(-roll) * scale
    rot = np.array([[c, -s], [s, c]])
    return np.hstack([rot, (size / 2.0 - rot @ centre)[:, None]])


def face_box(crop_from_frame: Affine, size: int, frame_size: tuple[int, int]) -> Box | None:
    """The ``(x, y, w, h)`` box of the frame that the parsing crop covers, clipped to the
    frame (None when it is outside)."""
    corners = np.array([[0, 0], [size, 0], [0, size], [size, size]], np.float64)
    inv = _invert(crop_from_frame)
    pts = corners @ inv[:, :2].T + inv[:, 2]
    w, h = frame_size
    x0, y0 = (max(0, int(v)) for v in pts.min(0))
    x1, y1 = min(w, int(np.ceil(pts[:, 0].max()))), min(h, int(np.ceil(pts[:, 1].max())))
    return None if x1 - x0 < 2 or y1 - y0 < 2 else (x0, y0, x1 - x0, y1 - y0)


@dataclass(frozen=True, slots=True)
class _Parsed:
    """One face's last parse: the landmarks then, the crop it was made on, the result, the
    hair that is carried (uint8 on the crop: the parser's doubt cut, cut to the person) and
    the extent of the crop that holds all of it (empty: no hair)."""

    landmarks: NDArray[np.float32]
    crop_from_frame: Affine
    parse: FaceParse
    hair: NDArray[np.uint8]
    extent: Extent


@dataclass(frozen=True, slots=True)
class _Crop:
    """Where a face's parsing crop is in a frame."""

    face_id: int
    landmarks: NDArray[np.float32]
    crop_from_frame: Affine


@dataclass(frozen=True, slots=True)
class _Last:
    """A face's last matte: the smooth alpha on its grid (trimmed as the matte returned:
    0 around it) and the extent of it above 0 (all of it, or empty), the landmarks and the
    parse it was made from, its grid-to-frame map, and what the stage returned."""

    alpha: NDArray[np.float32]
    extent: Extent
    landmarks: NDArray[np.float32]
    parsed: _Parsed
    frame_from_grid: Affine
    matte: FaceMatte


@dataclass(frozen=True, slots=True)
class FaceMatte:
    """One face's hair matte in one frame: alpha on a grid over a box of the frame, at
    ``scale`` matte pixels per frame pixel (at most ``MATTE_SIDE`` pixels a side)."""

    face_id: int
    #: ``(x, y, w, h)`` in frame pixels: every pixel the matte may cover.
    box: Box
    #: ``(h, w)`` uint8 alpha (255: hair); its pixel ``(0, 0)`` spans frame pixels from
    #: ``origin`` for ``1 / scale``.
    hair: NDArray[np.uint8]
    origin: tuple[float, float]
    scale: float
    #: Mean linear-light luminance of the frame under the matte (None: no hair in view).
    hair_luminance: float | None
    #: Whether the matte is hair alone (False: the model-free fallback's, which also takes
    #: the ears, the neck and the collar).
    hair_only: bool
    #: ``(x, y, w, h)`` boxes in :attr:`box`, rows of ``SPAN_TILE``-pixel tiles, that hold
    #: every pixel the matte gives some alpha: a pass shades only these (on a software
    #: rasterizer every pixel of a box costs the whole shader, even one it discards).
    spans: tuple[Box, ...]
    _parsed: _Parsed
    _grid_to_crop: Affine

    def frame_from_grid(self) -> Affine:
        """``(2, 3)`` affine from matte pixel coordinates to frame pixel coordinates."""
        return _grid(self.origin, self.scale)

    def in_box(self, name: str = "hair") -> NDArray[np.float32]:
        """``"hair"``, ``"skin"`` or ``"brows"`` in [0, 1] at frame resolution over
        :attr:`box` (skin and brows carried but not refined: for makeup passes that must not
        paint over hair)."""
        if name not in ("hair", "skin", "brows"):
            raise ValueError(f"name must be 'hair', 'skin' or 'brows', got {name!r}")
        box_to_frame = _box_shift(self.box)
        if name == "hair":
            grid_from_box = _compose(_invert(self.frame_from_grid()), box_to_frame)
            return _warp(self.hair.astype(np.float32) / 255.0, grid_from_box, self.box[2:])
        src: NDArray[np.float32] = getattr(self._parsed.parse, name)
        crop_from_box = _compose(
            self._grid_to_crop, _compose(_invert(self.frame_from_grid()), box_to_frame)
        )
        return _warp(src, crop_from_box, self.box[2:])


def _grid(origin: tuple[float, float], scale: float) -> Affine:
    """Matte grid (pixel centres at +0.5) to frame, for a grid at ``origin`` and ``scale``."""
    return np.array([[1.0 / scale, 0.0, origin[0]], [0.0, 1.0 / scale, origin[1]]])


def _warp(
    src: NDArray[np.float32], dst_to_src: Affine, size: tuple[int, int]
) -> NDArray[np.float32]:
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    out = cv2.warpAffine(src, dst_to_src, size, flags=flags, borderValue=(0.0,))
    return np.asarray(out, np.float32)


def _box_shift(box: Box) -> Affine:
    return np.array([[1.0, 0.0, box[0]], [0.0, 1.0, box[1]]])


def _edge_radius(size: tuple[int, int]) -> int:
    """The guided filter's radius on a matte grid of ``size``."""
    return max(2, round(min(size) / 80))


def _refine_edges(
    grey: NDArray[np.float32], hair: NDArray[np.float32], radius: int
) -> NDArray[np.float32]:
    """``hair`` (changed in place) with its edges (a band ``radius`` wide) following the
    frame's edges; away from them it is kept, so no haze spreads over the face or
    background. A pixel's result depends on the pixels up to ``3 * radius`` away only."""
    guided = np.clip(guided_filter(grey, hair, radius, 1e-3), 0.0, 1.0)
    hard = (hair > 0.5).astype(np.uint8)
    kernel = np.ones((2 * radius + 1, 2 * radius + 1), np.uint8)
    band = cv2.dilate(hard, kernel) != cv2.erode(hard, kernel)
    np.copyto(hair, guided, where=band)
    return hair


class _ParseWorker:
    """A thread that parses the crops of a frame submitted while it is free (see
    :meth:`free`). The parser is used by one thread at a time (MediaPipe graphs are not
    reentrant); so is the selfie segmentation."""

    def __init__(self, parser: FaceParser, selfie: SelfieMatte, size: int) -> None:
        self._parser = parser
        self._selfie = selfie
        self._size = size
        self._parser_lock = threading.Lock()
        self._cond = threading.Condition()
        self._pending: tuple[NDArray[np.uint8], list[_Crop]] | None = None
        self._busy = False
        self._results: dict[int, _Parsed] = {}
        self._closed = False
        self.parses = 0
        self._thread = threading.Thread(target=self._run, name="hair-parse", daemon=True)
        self._thread.start()

    def free(self) -> bool:
        """Whether the thread waits for a frame (submitting one otherwise only costs the
        render path the frame's copy, for a frame that a later one would replace)."""
        with self._cond:
            return self._pending is None and not self._busy

    def submit(self, frame: NDArray[np.uint8], crops: list[_Crop]) -> None:
        """Parse ``crops`` of ``frame`` (kept: pass a copy) when the thread is free."""
        with self._cond:
            self._pending = (frame, crops)
            self._cond.notify()

    def results(self) -> dict[int, _Parsed]:
        with self._cond:
            return dict(self._results)

    def parse_now(self, frame: NDArray[np.uint8], crop: _Crop) -> _Parsed:
        """Parse ``crop`` of ``frame`` on the caller's thread and keep the result."""
        with self._parser_lock:
            parsed = _parse(self._parser, self._selfie, frame, crop, self._size)
        with self._cond:
            self._results[crop.face_id] = parsed
        return parsed

    def forget(self, keep: set[int] | None = None) -> None:
        with self._cond:
            self._pending = None
            for face_id in list(self._results):
                if keep is None or face_id not in keep:
                    del self._results[face_id]

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify()
        self._thread.join()

    def _run(self) -> None:
        _lower_priority()
        while True:
            with self._cond:
                while self._pending is None and not self._closed:
                    self._cond.wait()
                if self._closed or self._pending is None:
                    return
                (frame, crops), self._pending = self._pending, None
                self._busy = True
            try:
                self._parse_all(frame, crops)
            finally:
                with self._cond:
                    self._busy = False

    def _parse_all(self, frame: NDArray[np.uint8], crops: list[_Crop]) -> None:
        for crop in crops:
            try:
                with self._parser_lock:
                    parsed = _parse(self._parser, self._selfie, frame, crop, self._size)
            except Exception as exc:  # a failed parse keeps the last one; never crash
                log.warning("hair parsing failed on a %dpx crop: %s", self._size, exc)
                continue
            with self._cond:
                self._results[crop.face_id] = parsed
            self.parses += 1


def _lower_priority() -> None:
    """Give the calling thread the nice value ``_PARSE_NICE`` (Linux only: elsewhere a
    thread has no nice value of its own, and the whole process would yield)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), _PARSE_NICE)
    except OSError as exc:  # e.g. a sandbox that forbids it: parse at the same priority
        log.info("hair parsing thread keeps its priority: %s", exc)


def _parse(
    parser: FaceParser, selfie: SelfieMatte, frame: NDArray[np.uint8], crop: _Crop, size: int
) -> _Parsed:
    """Cut ``crop`` out of ``frame`` at ``size`` pixels and parse it; the hair is cut to the
    person: the selfie segmentation of the face's box of the frame, framed as the matte's
    grid frames it (upright and unpadded, the model's best view), carried onto the crop."""
    m = crop.crop_from_frame
    pixels = cv2.warpAffine(
        frame, m, (size, size), flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE
    )
    pts = crop.landmarks @ m[:, :2].T.astype(np.float32) + m[:, 2].astype(np.float32)
    mask = np.zeros((size, size), np.uint8)
    cv2.fillConvexPoly(mask, cv2.convexHull(np.round(pts).astype(np.int32)), (1,))
    parse = parser.parse(np.asarray(pixels, np.uint8), mask.astype(bool))
    lo, hi = _UNSURE
    hair = np.clip((parse.hair - lo) * (255.0 / (hi - lo)), 0.0, 255.0)
    box = face_box(m, size, (frame.shape[1], frame.shape[0]))
    if box is None:
        hair[:] = 0.0
    else:
        scale, grid_size = _grid_over(box)
        person = selfie.matte(_grid_pixels(frame, box, grid_size))
        crop_from_grid = _compose(m, _grid((float(box[0]), float(box[1])), scale))
        flags = cv2.INTER_LINEAR
        hair *= cv2.warpAffine(person, crop_from_grid, (size, size), flags=flags, borderValue=(0,))
    carried = np.round(hair).astype(np.uint8)
    return _Parsed(crop.landmarks, m, parse, carried, _extent(carried))


def _extent(alpha: NDArray[np.generic]) -> Extent:
    """The extent of ``alpha``'s pixels above 0 (``(0, 0, 0, 0)`` when none is)."""
    rows, cols = np.flatnonzero(alpha.any(axis=1)), np.flatnonzero(alpha.any(axis=0))
    if not len(rows):
        return (0, 0, 0, 0)
    return (int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1)


def _reach(extent: Extent, dst_to_src: Affine) -> Extent:
    """The extent of the destination pixels that a bilinear warp by ``dst_to_src`` (the
    warp's inverse map) gives some of the source's ``extent`` (loose by a pixel)."""
    x0, y0, x1, y1 = extent
    if x1 <= x0 or y1 <= y0:
        return extent
    corners = np.array([[x0 - 1, y0 - 1], [x1, y0 - 1], [x0 - 1, y1], [x1, y1]], np.float64)
    inv = _invert(dst_to_src)
    pts = corners @ inv[:, :2].T + inv[:, 2]
    lo, hi = np.floor(pts.min(0)), np.ceil(pts.max(0))
    return (int(lo[0]), int(lo[1]), int(hi[0]) + 1, int(hi[1]) + 1)


def _region(reaches: Sequence[Extent], margin: int, size: tuple[int, int]) -> Extent:
    """The extent holding every one of ``reaches`` (empty ones left out) grown by
    ``margin``, clipped to a grid of ``size``, starting on even pixels (empty: none)."""
    real = [r for r in reaches if r[2] > r[0] and r[3] > r[1]]
    if not real:
        return (0, 0, 0, 0)
    x0 = max(0, min(r[0] for r in real) - margin)
    y0 = max(0, min(r[1] for r in real) - margin)
    x1 = min(size[0], max(r[2] for r in real) + margin)
    y1 = min(size[1], max(r[3] for r in real) + margin)
    if x1 <= x0 or y1 <= y0:
        return (0, 0, 0, 0)
    return (x0 - x0 % 2, y0 - y0 % 2, x1, y1)


def _grid_over(box: Box) -> tuple[float, tuple[int, int]]:
    """The matte grid over ``box``: matte pixels per frame pixel, and ``(w, h)``."""
    bw, bh = box[2:]
    scale = min(1.0, MATTE_SIDE / max(bw, bh))
    return scale, (max(2, round(bw * scale)), max(2, round(bh * scale)))


def _grid_pixels(frame: NDArray[np.uint8], box: Box, size: tuple[int, int]) -> NDArray[np.uint8]:
    """``frame``'s ``box`` resized to the grid's ``size``."""
    x, y, bw, bh = box
    small = cv2.resize(frame[y : y + bh, x : x + bw], size, interpolation=cv2.INTER_LINEAR)
    return np.ascontiguousarray(small, dtype=np.uint8)


class HairMatteStage:
    """Hair mattes for the faces of each frame (one stage per video stream).

    ``parser``: the face parser (see :func:`~tryon.segmentation.parsing.open_parser`);
    ``parse_size``: the parsing crop's side, pixels (256..512); ``background``: parse on a
    thread (False: parse every frame on the caller's thread, for photos and GPUs).
    """

    def __init__(self, parser: FaceParser, parse_size: int = 320, background: bool = True) -> None:
        if not 128 <= parse_size <= 1024 or parse_size % 32:
            raise ValueError(
                f"parse_size must be a multiple of 32 in [128, 1024], got {parse_size!r}"
            )
        self.parser = parser
        self.parse_size = parse_size
        self._selfie = SelfieMatte()
        self._worker = _ParseWorker(parser, self._selfie, parse_size) if background else None
        self._previous: dict[int, _Last] = {}

    @classmethod
    def open(cls, checkpoint: Path | None = None, parse_size: int = 320) -> HairMatteStage:
        """A stage with the best parser here (:func:`open_parser`); logs which one."""
        choice = open_parser(checkpoint)
        log.info("hair matte: %s", choice.status)
        return cls(choice.parser, parse_size)

    @property
    def hair_only(self) -> bool:
        """Whether its mattes are hair alone (see :attr:`FaceMatte.hair_only`)."""
        return self.parser.hair_only

    @property
    def parses(self) -> int:
        """How many crops the background thread has parsed so far."""
        return 0 if self._worker is None else self._worker.parses

    def update(
        self, frame: NDArray[np.uint8], faces: Sequence[FaceGeometry]
    ) -> dict[int, FaceMatte]:
        """The hair matte of each face of ``frame`` (RGB uint8), by face id."""
        h, w = frame.shape[:2]
        crops = [self._crop(f) for f in faces]
        if self._worker is None:
            size = self.parse_size
            parsed = {c.face_id: _parse(self.parser, self._selfie, frame, c, size) for c in crops}
        else:
            parsed = self._worker.results()
            if len(parsed) > _FACES_KEPT:  # forget faces gone for good
                self._worker.forget(keep={c.face_id for c in crops})
            for c in crops:
                if c.face_id not in parsed:  # first sight: parse now, once
                    parsed[c.face_id] = self._worker.parse_now(frame, c)
            if crops and self._worker.free():
                self._worker.submit(frame.copy(), crops)
        out = {}
        for c in crops:
            box = face_box(c.crop_from_frame, self.parse_size, (w, h))
            if box is not None:
                out[c.face_id] = self._matte(frame, c, parsed[c.face_id], box)
        self._previous = {k: v for k, v in self._previous.items() if k in out}
        return out

    def reset(self) -> None:
        """Forget every face (a new stream follows)."""
        self._previous.clear()
        if self._worker is not None:
            self._worker.forget()

    def close(self) -> None:
        if self._worker is not None:
            self._worker.close()
            self._worker = None
        self._selfie.close()
        self.parser.close()

    def __enter__(self) -> HairMatteStage:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _crop(self, face: FaceGeometry) -> _Crop:
        landmarks = face.observation.landmarks[:, :2].astype(np.float32)
        m = crop_transform(landmarks, self.parse_size)
        return _Crop(face.observation.face_id, landmarks, m)

    def _matte(self, frame: NDArray[np.uint8], crop: _Crop, parsed: _Parsed, box: Box) -> FaceMatte:
        previous = self._previous.get(crop.face_id)
        if (
            previous is not None
            and previous.parsed is parsed
            and float(np.abs(crop.landmarks - previous.landmarks).max()) < _STILL_PX
        ):
            return previous.matte
        x, y, bw, bh = box
        scale, size = _grid_over(box)
        frame_from_grid = _grid((float(x), float(y)), scale)
        now_from_then = similarity(parsed.landmarks, crop.landmarks)
        grid_to_crop = _compose(
            parsed.crop_from_frame, _compose(_invert(now_from_then), frame_from_grid)
        )
        reaches = [_reach(parsed.extent, grid_to_crop)]
        if previous is not None:
            then_from_now = _invert(similarity(previous.landmarks, crop.landmarks))
            carry = _compose(
                _invert(previous.frame_from_grid), _compose(then_from_now, frame_from_grid)
            )
            reaches.append(_reach(previous.extent, carry))
        # Only the region of the grid that the hair and the last matte reach is worked on,
        # with room for the edge refinement (the rest of the grid is 0).
        radius = _edge_radius(size)
        gx0, gy0, gx1, gy1 = _region(reaches, 3 * radius + 1, size)
        if gx1 <= gx0:
            gx0, gy0, gx1, gy1 = 0, 0, 1, 1
        region = (gx1 - gx0, gy1 - gy0)
        to_region = _box_shift((gx0, gy0, 0, 0))
        flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
        region_to_crop = _compose(grid_to_crop, to_region)
        carried = cv2.warpAffine(parsed.hair, region_to_crop, region, flags=flags, borderValue=(0,))
        hair = np.asarray(carried, np.float32) * np.float32(1.0 / 255.0)
        pixels = _grid_pixels(frame, box, size)[gy0:gy1, gx0:gx1]
        grey = cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY).astype(np.float32) / 255.0
        alpha = _refine_edges(grey, hair, radius)
        if previous is not None:
            carried_last = _warp(previous.alpha, _compose(carry, to_region), region)
            alpha = BLEND_NEW * alpha + (1.0 - BLEND_NEW) * carried_last
        rounded = cv2.convertScaleAbs(alpha, alpha=255.0)  # alpha is not negative
        out = np.asarray(cv2.threshold(rounded, _SNAP - 1, 0, cv2.THRESH_TOZERO)[1], np.uint8)
        luminance = _mean_luminance(pixels, out)
        c0, r0, c1, r1 = _extent(out)
        if c1 > c0:  # trim to the hair: the pass uploads and draws only that
            out = np.ascontiguousarray(out[r0:r1, c0:c1])
            alpha = alpha[r0:r1, c0:c1]
            c0, c1, r0, r1 = c0 + gx0, c1 + gx0, r0 + gy0, r1 + gy0
            grid_to_crop = _compose(grid_to_crop, _box_shift((c0, r0, 0, 0)))
            origin = (x + c0 / scale, y + r0 / scale)
            fx0, fy0 = int(np.floor(origin[0])), int(np.floor(origin[1]))
            fx1 = min(x + bw, int(np.ceil(x + c1 / scale)))
            fy1 = min(y + bh, int(np.ceil(y + r1 / scale)))
            box = (fx0, fy0, fx1 - fx0, fy1 - fy0)
        else:
            out = np.zeros((1, 1), np.uint8)
            alpha = np.zeros((1, 1), np.float32)
            origin = (float(x), float(y))
        spans = _spans(out, origin, scale, box) if c1 > c0 else ()
        matte = FaceMatte(
            crop.face_id,
            box,
            out,
            origin,
            scale,
            luminance,
            self.hair_only,
            spans,
            parsed,
            grid_to_crop,
        )
        # Trimmed to where the rounded alpha is above 0: so is the alpha on its every edge.
        extent = (0, 0, alpha.shape[1], alpha.shape[0]) if c1 > c0 else (0, 0, 0, 0)
        self._previous[crop.face_id] = _Last(
            alpha, extent, crop.landmarks, parsed, matte.frame_from_grid(), matte
        )
        return matte


def _spans(
    hair: NDArray[np.uint8], origin: tuple[float, float], scale: float, box: Box
) -> tuple[Box, ...]:
    """The runs of ``SPAN_TILE``-pixel tiles, row by row, that hold every frame pixel of
    ``box`` whose bilinear sample of ``hair`` (at ``origin`` and ``scale``) is above 0; a
    run the same as the one just above it joins it (one box, not a pixel more: each box
    costs a pass a draw, an upload and a read)."""
    t = max(1, round(SPAN_TILE * scale))  # matte pixels a tile
    h, w = hair.shape
    rows, cols = -(-h // t), -(-w // t)
    reach = np.zeros((rows * t, cols * t), np.uint8)  # a texel's bilinear neighbours too
    reach[:h, :w] = cv2.dilate(hair, np.ones((3, 3), np.uint8))
    tiles = np.zeros((rows, cols + 2), np.int8)
    by_row = reach.reshape(rows, t, cols * t).max(axis=1)
    tiles[:, 1:-1] = by_row.reshape(rows, cols, t).max(axis=2) > 0
    edges = np.diff(tiles, axis=1)  # 1 where a run of tiles starts, -1 after it ends
    row, start = np.nonzero(edges == 1)
    end = np.nonzero(edges == -1)[1]  # the same runs, in the same (row-major) order
    # Each run's last row: a run continued by the same run on the next row ends there.
    runs: dict[tuple[int, int], list[int]] = {}  # (start, end) -> [first row, last row]
    merged: list[list[int]] = []
    for r, s0, s1 in zip(row.tolist(), start.tolist(), end.tolist(), strict=True):
        run = runs.get((s0, s1))
        if run is not None and run[1] == r - 1:
            run[1] = r
        else:
            runs[s0, s1] = run = [r, r, s0, s1]
            merged.append(run)
    bx, by, bw, bh = box
    step = t / scale
    out = []
    for r0, r1, s0, s1 in merged:
        x0 = max(bx, int(np.floor(origin[0] + s0 * step)))
        x1 = min(bx + bw, int(np.ceil(origin[0] + s1 * step)))
        y0 = max(by, int(np.floor(origin[1] + r0 * step)))
        y1 = min(by + bh, int(np.ceil(origin[1] + (r1 + 1) * step)))
        if x1 > x0 and y1 > y0:
            out.append((x0, y0, x1 - x0, y1 - y0))
    return tuple(out)


def _mean_luminance(pixels: NDArray[np.uint8], alpha: NDArray[np.uint8]) -> float | None:
    """Mean linear luminance of ``pixels`` weighted by ``alpha`` over every other pixel of
    every other row (a hair's mean barely differs); None if alpha is 0 on all of those."""
    weights = _every_other(alpha)
    weight = float(cv2.sumElems(weights)[0])
    if weight <= 0:
        return None
    luminance = cv2.transform(cv2.LUT(_every_other(pixels), _LINEAR_LUMINANCE), _ONES)
    weighted = cv2.multiply(luminance, weights, dtype=cv2.CV_32F)
    return float(cv2.sumElems(weighted)[0]) / weight


def _every_other(image: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """``image[::2, ::2]``, by a nearest-neighbour halving (far faster than numpy's strided
    copy of 3-byte pixels): an odd side is first padded by a pixel that is not taken."""
    h, w = image.shape[:2]
    even = image
    if h % 2 or w % 2:
        even = np.asarray(cv2.copyMakeBorder(image, 0, h % 2, 0, w % 2, cv2.BORDER_REPLICATE))
    size = ((w + 1) // 2, (h + 1) // 2)
    return np.asarray(cv2.resize(even, size, interpolation=cv2.INTER_NEAREST), np.uint8)
