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

The pose solved from these landmarks (`tryon.tracking.solve`) is then filtered itself
(`filter_poses`, the geometry stage's output; `tryon.tracking.pose_filter`): a few pixels of
landmark noise tilt a fitted head by a fraction of a degree, which the temples of a pair of
glasses turn into visible wobble. Only ``rotation`` and ``translation`` are filtered:
``vertices`` stay the tracked mesh, on the face in the image, since the occluder hides what
the real head hides. Head-frame coordinates of the vertices (``Rᵀ (v - t)``) therefore carry
the pose filter's lag, under a frame while the head turns and nothing once it is still.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tryon.tracking.geometry import FaceGeometry
from tryon.tracking.identity import FaceIdentifier, IdentityOptions
from tryon.tracking.landmarks import EYE_OUTER_CORNERS
from tryon.tracking.mediapipe_tracker import observation_from_landmarks
from tryon.tracking.observation import FaceObservation
from tryon.tracking.one_euro import FloatArray, OneEuroFilter, OneEuroParams
from tryon.tracking.pose_filter import PoseFilter
from tryon.tracking.tracker import TrackerResult

__all__ = ["FaceStabilizer", "StabilizerOptions", "coherent_speed"]

#: Default pose filters: a still head settles, a head turning at 30 deg/s lags under a frame.
_ROTATION = OneEuroParams(min_cutoff=0.5, beta=25.0, d_cutoff=1.0)
_TRANSLATION = OneEuroParams(min_cutoff=0.5, beta=100.0, d_cutoff=1.0)


@dataclass(frozen=True, slots=True)
class StabilizerOptions:
    """One Euro parameters for the landmarks (pixels, speed in px/s), the memory of the
    iris-size average, and One Euro parameters for the pose."""

    min_cutoff: float = 0.5
    beta: float = 0.2
    d_cutoff: float = 2.0
    #: Time constant (s) of the weighted average of the iris/eye-corner ratio.
    scale_memory_s: float = 10.0
    #: Turn the whole stabilizer (landmarks, scale and pose) on or off.
    enabled: bool = True
    #: Filter the solved pose too (`FaceStabilizer.filter_poses`).
    filter_pose: bool = True
    #: Head rotation: cutoffs in Hz, ``beta`` in Hz per rad/s of angular speed.
    rotation: OneEuroParams = _ROTATION
    #: Head position: cutoffs in Hz, ``beta`` in Hz per m/s.
    translation: OneEuroParams = _TRANSLATION

    def __post_init__(self) -> None:
        OneEuroParams(self.min_cutoff, self.beta, self.d_cutoff)  # validates
        if not self.scale_memory_s > 0:
            raise ValueError(f"scale_memory_s must be positive, got {self.scale_memory_s!r}")


def coherent_speed(velocity: FloatArray, positions: FloatArray) -> FloatArray:
    """Per-landmark speed ``(N, 1)`` of the affine motion that best explains ``velocity``.

    ``velocity`` and ``positions`` are ``(N, 3)``; the velocity field is fitted as an affine
    function of the landmarks' image position (translation, rotation, scaling, shear).
    """
    # The least-squares fit on centred positions: the mean velocity plus the 2x2 normal
    # equations of the rest, solved by hand (numpy's solvers cost more than the fit here).
    mean = np.full(len(positions), 1.0 / len(positions))
    centered = positions[:, :2] - mean @ positions[:, :2]
    (sxx, sxy), (_, syy) = (centered.T @ centered).tolist()
    det = sxx * syy - sxy * sxy
    if det > 1e-12 * sxx * syy:
        coef = np.array([[syy, -sxy], [-sxy, sxx]]) @ (centered.T @ velocity) / det
        fitted = mean @ velocity + centered @ coef
    else:  # the landmarks on a line or at one point (never a face): numpy's least squares
        design = np.column_stack([positions[:, :2], np.ones(len(positions))])
        fitted = design @ np.linalg.lstsq(design, velocity, rcond=None)[0]
    speed: FloatArray = np.sqrt(np.einsum("ij,ij->i", fitted, fitted))[:, None]
    return speed


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

    def __init__(self, options: StabilizerOptions):
        self.landmarks = OneEuroFilter(
            OneEuroParams(options.min_cutoff, options.beta, options.d_cutoff), coherent_speed
        )
        self.scale = _WeightedAverage(options.scale_memory_s)
        self.pose = PoseFilter(options.rotation, options.translation)
        #: The stabilised observation of the last update (its geometry's pose comes next).
        self.last: FaceObservation | None = None

    def update(self, face: FaceObservation) -> FaceObservation:
        t = face.timestamp_ms / 1000.0
        lm = self.landmarks(face.landmarks, t).astype(np.float32)
        ratio = self.scale(
            face.iris_diameters_px / _eye_span(face.landmarks),
            float(np.mean(face.iris_diameters_px)) ** 2,
            t,
        )
        self.last = observation_from_landmarks(
            lm,
            face.image_size,
            face.timestamp_ms,
            face.presence,
            face.index,
            iris_diameters_px=(ratio * _eye_span(lm)).astype(np.float32),
            face_id=face.face_id,
        )
        return self.last

    def filter_pose(self, face: FaceGeometry) -> FaceGeometry:
        rotation, translation = self.pose(
            face.rotation, face.translation, face.observation.timestamp_ms / 1000.0
        )
        return replace(face, rotation=rotation, translation=translation)


class FaceStabilizer:
    """Give each frame's faces their identity (`tryon.tracking.identity`) and stabilise them;
    each face continues the filters of its ``face_id``."""

    def __init__(
        self, options: StabilizerOptions | None = None, identity: IdentityOptions | None = None
    ) -> None:
        self.options = options or StabilizerOptions()
        self._identifier = FaceIdentifier(identity)
        self._tracks: dict[int, _Track] = {}

    def reset(self) -> None:
        self._identifier.reset()
        self._tracks = {}

    def update(self, result: TrackerResult) -> tuple[FaceObservation, ...]:
        """The faces of ``result`` with their ``face_id``, filtered; the filters of faces not
        seen this frame are dropped (a face found again keeps its id, its filters start anew)."""
        result = self._identifier.assign(result)
        if not self.options.enabled:
            return result.faces
        tracks: dict[int, _Track] = {}
        out: list[FaceObservation] = []
        for face in result.faces:
            track = self._tracks.get(face.face_id) or _Track(self.options)
            tracks[face.face_id] = track
            out.append(track.update(face))
        self._tracks = tracks
        return tuple(out)

    def filter_poses(self, faces: Sequence[FaceGeometry]) -> tuple[FaceGeometry, ...]:
        """The poses of ``faces`` filtered, each by its face's track (``vertices`` unchanged).

        ``faces`` are the geometries solved from the observations the last `update` returned;
        a face's pose filter starts afresh with its track (a face lost for a frame is new).
        """
        if not (self.options.enabled and self.options.filter_pose):
            return tuple(faces)
        out = []
        for face in faces:
            track = self._tracks.get(face.observation.face_id)
            if track is not None and track.last is not face.observation:
                track = None
            if track is None:
                raise ValueError(
                    "filter_poses() got a face whose observation is not one of the "
                    f"{len(self._tracks)} returned by the last update() (timestamp "
                    f"{face.observation.timestamp_ms} ms, face id {face.observation.face_id})"
                )
            out.append(track.filter_pose(face))
        return tuple(out)
