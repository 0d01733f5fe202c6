"""Face identity: a stable id for each face across frames, kept through short losses.

The tracker reports faces by size rank, which changes whenever two faces change size or one
is lost for a frame. :class:`FaceIdentifier` gives each face a ``face_id`` that follows it:
a face continues the id whose last box centre is nearest (within ``max_shift`` of the face's
width, and of a similar size), matched greedily nearest first over every pair, so two faces
passing each other keep their own ids. An id whose face is lost is kept for ``keep_lost_ms``
so that a face found again near where it was lost gets it back; after that, it is forgotten.
Ids are never reused within a stream (until :meth:`FaceIdentifier.reset`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from tryon.tracking.tracker import TrackerResult

__all__ = ["FaceIdentifier", "IdentityOptions"]

Box = tuple[float, float, float, float]


@dataclass(frozen=True, slots=True)
class IdentityOptions:
    """How faces are matched from frame to frame."""

    #: How long the id of a lost face is kept for it to be found again, milliseconds.
    keep_lost_ms: int = 1500
    #: Farthest a face's centre may have moved, as a fraction of its width.
    max_shift: float = 0.6
    #: Largest change of the face's width, as a ratio (either way).
    max_size_ratio: float = 1.6

    def __post_init__(self) -> None:
        if self.keep_lost_ms < 0:
            raise ValueError(f"keep_lost_ms must be >= 0, got {self.keep_lost_ms!r}")
        if self.max_shift <= 0:
            raise ValueError(f"max_shift must be > 0, got {self.max_shift!r}")
        if self.max_size_ratio < 1:
            raise ValueError(f"max_size_ratio must be >= 1, got {self.max_size_ratio!r}")


@dataclass(frozen=True, slots=True)
class _Seen:
    bbox: Box
    timestamp_ms: int


def _center_width(box: Box) -> tuple[float, float, float]:
    x0, y0, x1, y1 = box
    return (x0 + x1) / 2, (y0 + y1) / 2, max(x1 - x0, 1e-6)


def _cost(seen: Box, face: Box, options: IdentityOptions) -> float | None:
    """How far ``face`` is from where an id was seen, in face widths; None if too far."""
    sx, sy, sw = _center_width(seen)
    fx, fy, fw = _center_width(face)
    if max(sw, fw) / min(sw, fw) > options.max_size_ratio:
        return None
    shift = ((sx - fx) ** 2 + (sy - fy) ** 2) ** 0.5 / fw
    return shift if shift <= options.max_shift else None


class FaceIdentifier:
    """Gives the faces of each :class:`TrackerResult` their stable ``face_id``."""

    def __init__(self, options: IdentityOptions | None = None) -> None:
        self.options = options or IdentityOptions()
        self._seen: dict[int, _Seen] = {}
        self._next_id = 1

    def reset(self) -> None:
        """Forget every face (a new stream); ids start again from 1."""
        self._seen.clear()
        self._next_id = 1

    def assign(self, result: TrackerResult) -> TrackerResult:
        """``result`` with each face's ``face_id`` set."""
        now = result.timestamp_ms
        self._seen = {
            fid: s
            for fid, s in self._seen.items()
            if now - s.timestamp_ms <= self.options.keep_lost_ms
        }
        pairs = []
        for i, face in enumerate(result.faces):
            for fid, seen in self._seen.items():
                cost = _cost(seen.bbox, face.bbox, self.options)
                if cost is not None:
                    pairs.append((cost, i, fid))
        pairs.sort()
        ids: dict[int, int] = {}
        taken: set[int] = set()
        for _, i, fid in pairs:
            if i not in ids and fid not in taken:
                ids[i] = fid
                taken.add(fid)
        faces = []
        for i, face in enumerate(result.faces):
            fid = ids.get(i, self._next_id)
            if fid == self._next_id:
                self._next_id += 1
            self._seen[fid] = _Seen(face.bbox, now)
            faces.append(replace(face, face_id=fid))
        return replace(result, faces=tuple(faces))
