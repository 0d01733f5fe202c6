"""Temporal stabilisation of tracked faces: One Euro filters per face, reset when it is lost.

Landmarks (478 x 3 pixels) are filtered together. The speed that opens the filter is the
face's coherent motion (an affine fit of the landmark velocities over the face), not each
point's own noisy rate: sensor noise averages out over 478 points, real head motion does
not, so a still face gets a low cutoff and a moving one follows without lag.

The metric scale comes from the iris, the noisiest measurement (a few percent per frame,
worse when the iris is a few pixels wide). The iris diameter relative to the 3-D distance
between the outer eye corners is a constant of the person, so it is averaged over the
track's recent past (``scale_memory_s``), each frame weighted by its iris size in pixels
squared so that close-up frames dominate; the average ratio times the current eye-corner
distance gives the iris diameter, which follows a head moving toward the camera at once.

The pose is computed from these filtered landmarks and scale, so it is filtered with them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tryon.tracking.landmarks import EYE_OUTER_CORNERS
from tryon.tracking.mediapipe_tracker import observation_from_landmarks
from tryon.tracking.observation import FaceObservation
from tryon.tracking.one_euro import FloatArray, OneEuroFilter, OneEuroParams
from tryon.tracking.tracker import TrackerResult

__all__ = ["FaceStabilizer", "StabilizerOptions", "coherent_speed"]

#: A face in this frame continues a track when their boxes overlap this much (IoU).
_MIN_IOU = 0.3


@dataclass(frozen=True, slots=True)
class StabilizerOptions:
    """One Euro parameters for the landmarks (pixels, speed in px/s) and the memory of the
    iris-size average."""

    min_cutoff: float = 0.5
    beta: float = 0.2
    d_cutoff: float = 2.0
    #: Time constant (s) of the weighted average of the iris/eye-corner ratio.
    scale_memory_s: float = 10.0
    enabled: bool = True

    def __post_init__(self) -> None:
        OneEuroParams(self.min_cutoff, self.beta, self.d_cutoff)  # validates
        if not self.scale_memory_s > 0:
            raise ValueError(f"scale_memory_s must be positive, got {self.scale_memory_s!r}")


def coherent_speed(velocity: FloatArray, positions: FloatArray) -> FloatArray:
    """Per-landmark speed ``(N, 1)`` of the affine motion that best explains ``velocity``.

    ``velocity`` and ``positions`` are ``(N, 3)``; the velocity field is fitted as an affine
    function of the landmarks' image position (translation, rotation, scaling, shear).
    """
    design = np.column_stack([positions[:, :2], np.ones(len(positions))])
    coef, *_ = np.linalg.lstsq(design, velocity, rcond=None)
    fitted = design @ coef
    speed: FloatArray = np.linalg.norm(fitted, axis=1, keepdims=True)
    return speed


def _iou(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def _eye_span(landmarks: NDArray[np.floating[Any]]) -> float:
    right, left = EYE_OUTER_CORNERS
    return float(np.linalg.norm(landmarks[left] - landmarks[right]))


class _WeightedAverage:
    """Exponentially forgetting weighted mean: old samples fade with time constant ``tau``."""

    def __init__(self, tau: float) -> None:
        self.tau = tau
        self._sum: FloatArray | None = None
        self._weight = 0.0
        self._t = 0.0

    def __call__(self, x: FloatArray, weight: float, t: float) -> FloatArray:
        if self._sum is None:
            self._sum, self._weight = np.zeros_like(x, dtype=np.float64), 0.0
        else:
            fade = math.exp(-(t - self._t) / self.tau)
            self._sum *= fade
            self._weight *= fade
        self._sum += weight * x
        self._weight += weight
        self._t = t
        mean: FloatArray = self._sum / self._weight
        return mean


class _Track:
    """Filters of one face across frames."""

    def __init__(self, options: StabilizerOptions, bbox: tuple[float, float, float, float]):
        self.bbox = bbox
        self.landmarks = OneEuroFilter(
            OneEuroParams(options.min_cutoff, options.beta, options.d_cutoff), coherent_speed
        )
        self.scale = _WeightedAverage(options.scale_memory_s)

    def update(self, face: FaceObservation) -> FaceObservation:
        t = face.timestamp_ms / 1000.0
        lm = self.landmarks(face.landmarks, t).astype(np.float32)
        ratio = self.scale(
            face.iris_diameters_px / _eye_span(face.landmarks),
            float(np.mean(face.iris_diameters_px)) ** 2,
            t,
        )
        smoothed = observation_from_landmarks(
            lm, face.image_size, face.timestamp_ms, face.presence, face.index
        )
        self.bbox = smoothed.bbox
        iris = (ratio * _eye_span(lm)).astype(np.float32)
        return replace(smoothed, iris_diameters_px=iris)


class FaceStabilizer:
    """Stabilise each frame's faces; faces are matched to last frame's by box overlap."""

    def __init__(self, options: StabilizerOptions | None = None) -> None:
        self.options = options or StabilizerOptions()
        self._tracks: list[_Track] = []

    def reset(self) -> None:
        self._tracks = []

    def update(self, result: TrackerResult) -> tuple[FaceObservation, ...]:
        """The faces of ``result``, filtered; tracks of faces not seen this frame are dropped."""
        if not self.options.enabled:
            return result.faces
        free = list(self._tracks)
        tracks: list[_Track] = []
        out: list[FaceObservation] = []
        for face in result.faces:
            best = max(free, key=lambda tr: _iou(tr.bbox, face.bbox), default=None)
            if best is None or _iou(best.bbox, face.bbox) < _MIN_IOU:
                best = _Track(self.options, face.bbox)
            else:
                free.remove(best)
            tracks.append(best)
            out.append(best.update(face))
        self._tracks = tracks
        return tuple(out)
