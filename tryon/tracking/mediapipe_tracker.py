"""MediaPipe face-mesh backend (``mediapipe.solutions``, models inside the 0.10.21 wheel).

Fast path: the video-mode face mesh (478 points with iris) on the full frame. When it finds
fewer faces than asked for (small or far faces its short-range detector misses), the bundled
full-range face detector looks on the whole frame and on overlapping tiles, and a static face
mesh runs on a crop around each new face; faces found that way are followed on crops around
their previous landmarks in the next frames, so the detector runs only now and then.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any

import mediapipe as mp
import numpy as np
from numpy.typing import NDArray

from tryon.frames import validate_frame
from tryon.tracking.landmarks import IRIS_CENTERS, IRIS_HORIZONTAL
from tryon.tracking.observation import NUM_LANDMARKS, FaceObservation
from tryon.tracking.tracker import TrackerOptions, TrackerResult

__all__ = ["MediaPipeFaceTracker", "observation_from_landmarks"]

log = logging.getLogger(__name__)

Box = tuple[float, float, float, float]

#: A crop around a face is this many times the face's bounding-box size.
_CROP_MARGIN = 2.2
#: Two boxes overlapping more than this (intersection over the smaller box) are one face.
_SAME_FACE_OVERLAP = 0.4


def observation_from_landmarks(
    landmarks: NDArray[np.float32],
    image_size: tuple[int, int],
    timestamp_ms: int,
    presence: float = 1.0,
    index: int = 0,
) -> FaceObservation:
    """Build a `FaceObservation` from ``(478, 3)`` full-frame pixel landmarks.

    Iris diameters are the image-plane length of each iris's horizontal chord; yaw shortens
    it, which `tryon.tracking.solve.solve_geometry` corrects with the head pose.
    """
    if landmarks.shape != (NUM_LANDMARKS, 3):
        raise ValueError(f"expected landmarks of shape (478, 3), got {landmarks.shape}")
    lm = landmarks.astype(np.float32, copy=False)
    centers = lm[list(IRIS_CENTERS), :2].copy()
    a = [pair[0] for pair in IRIS_HORIZONTAL]
    b = [pair[1] for pair in IRIS_HORIZONTAL]
    diameters = np.linalg.norm(lm[a, :2] - lm[b, :2], axis=1).astype(np.float32)
    x0, y0 = lm[:, :2].min(axis=0)
    x1, y1 = lm[:, :2].max(axis=0)
    return FaceObservation(
        landmarks=lm,
        iris_centers=centers,
        iris_diameters_px=diameters,
        presence=float(presence),
        bbox=(float(x0), float(y0), float(x1), float(y1)),
        image_size=image_size,
        timestamp_ms=int(timestamp_ms),
        index=index,
    )


def _to_pixels(face_landmarks: Any, width: int, height: int) -> NDArray[np.float32]:
    """MediaPipe normalised landmarks to ``(478, 3)`` pixels (z on the x scale)."""
    arr = np.array([(p.x, p.y, p.z) for p in face_landmarks.landmark], dtype=np.float32)
    arr *= np.array([width, height, width], dtype=np.float32)
    return arr


def _overlap(a: Box, b: Box) -> float:
    """Intersection area over the smaller box's area."""
    iw = min(a[2], b[2]) - max(a[0], b[0])
    ih = min(a[3], b[3]) - max(a[1], b[1])
    if iw <= 0 or ih <= 0:
        return 0.0
    smaller = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return float(iw * ih / max(smaller, 1e-6))


def _is_new(box: Box, known: list[Box]) -> bool:
    return all(_overlap(box, k) < _SAME_FACE_OVERLAP for k in known)


def _tile_origins(size: int, tile: int) -> list[int]:
    """Start offsets of tiles of length ``tile`` covering ``size`` with at least 25% overlap."""
    if size <= tile:
        return [0]
    n = math.ceil((size - tile) / (0.75 * tile)) + 1
    return [round(i * (size - tile) / (n - 1)) for i in range(n)]


@dataclass(frozen=True, slots=True)
class _Crop:
    x0: int
    y0: int
    x1: int
    y1: int

    @classmethod
    def around(cls, box: Box, width: int, height: int) -> _Crop:
        cx, cy = (box[0] + box[2]) / 2.0, (box[1] + box[3]) / 2.0
        half = _CROP_MARGIN * max(box[2] - box[0], box[3] - box[1]) / 2.0
        return cls(
            max(0, int(cx - half)),
            max(0, int(cy - half)),
            min(width, math.ceil(cx + half)),
            min(height, math.ceil(cy + half)),
        )


class MediaPipeFaceTracker:
    """`FaceTracker` on MediaPipe's face mesh with iris refinement (478 landmarks)."""

    def __init__(self, options: TrackerOptions | None = None) -> None:
        self._options = options or TrackerOptions()
        o = self._options
        self._mesh = mp.solutions.face_mesh.FaceMesh(
            static_image_mode=False,
            max_num_faces=o.max_faces,
            refine_landmarks=True,
            min_detection_confidence=o.min_detection_confidence,
            min_tracking_confidence=o.min_tracking_confidence,
        )
        # Created on first need: most sessions never see a small face.
        self._crop_mesh: Any = None
        self._detector: Any = None
        self._crop_boxes: list[Box] = []
        self._frames_since_detection = math.inf
        self._last_ts: int | None = None
        self._closed = False

    @property
    def options(self) -> TrackerOptions:
        return self._options

    def track(self, frame: NDArray[np.uint8], timestamp_ms: int) -> TrackerResult:
        """Find up to ``max_faces`` faces in ``frame``; ``timestamp_ms`` must increase."""
        if self._closed:
            raise RuntimeError("MediaPipeFaceTracker.track() called after close()")
        frame = validate_frame(frame)
        if self._last_ts is not None and timestamp_ms <= self._last_ts:
            raise ValueError(
                f"timestamps must increase strictly: got {timestamp_ms} ms after {self._last_ts} ms"
            )
        self._last_ts = timestamp_ms
        h, w = frame.shape[:2]
        image = np.ascontiguousarray(frame)

        o = self._options
        if o.find_small_faces and len(self._crop_boxes) >= o.max_faces:
            found = []  # every face is followed on crops: the full-frame pass missed them
        else:
            found = self._run_mesh(self._mesh, image, timestamp_ms)
        faces = [(lm, 1.0) for lm in found]
        from_crops = 0
        if o.find_small_faces and len(faces) < o.max_faces:
            extra = self._find_small_faces(image, [self._box(lm) for lm, _ in faces])
            faces.extend(extra)
            from_crops = len(extra)
        else:
            self._crop_boxes = []

        faces.sort(key=lambda f: -self._area(self._box(f[0])))
        faces = faces[: o.max_faces]
        observations = tuple(
            observation_from_landmarks(lm, (w, h), timestamp_ms, score, index=i)
            for i, (lm, score) in enumerate(faces)
        )
        return TrackerResult(observations, timestamp_ms, (w, h), faces_from_crops=from_crops)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for graph in (self._mesh, self._crop_mesh, self._detector):
            if graph is not None:
                graph.close()

    def __enter__(self) -> MediaPipeFaceTracker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- internals -------------------------------------------------------------------------

    @staticmethod
    def _box(lm: NDArray[np.float32]) -> Box:
        x0, y0 = lm[:, :2].min(axis=0)
        x1, y1 = lm[:, :2].max(axis=0)
        return (float(x0), float(y0), float(x1), float(y1))

    @staticmethod
    def _area(box: Box) -> float:
        return (box[2] - box[0]) * (box[3] - box[1])

    @staticmethod
    def _run_mesh(
        mesh: Any, image: NDArray[np.uint8], timestamp_ms: int | None
    ) -> list[NDArray[np.float32]]:
        if timestamp_ms is not None:
            # The legacy solutions API stamps packets itself (+33.333 ms per call); feed it the
            # frame's real time instead so its landmark smoothing sees real motion.
            mesh._simulated_timestamp = timestamp_ms * 1000 - 33333
        result = mesh.process(image)
        h, w = image.shape[:2]
        return [_to_pixels(f, w, h) for f in (result.multi_face_landmarks or [])]

    def _find_small_faces(
        self, image: NDArray[np.uint8], known: list[Box]
    ) -> list[tuple[NDArray[np.float32], float]]:
        """Faces the full-frame mesh missed: follow last frame's crops, detect now and then."""
        h, w = image.shape[:2]
        want = self._options.max_faces - len(known)
        candidates = [b for b in self._crop_boxes if _is_new(b, known)]
        self._frames_since_detection += 1
        if (
            len(candidates) < want
            and self._frames_since_detection >= self._options.detection_interval
        ):
            self._frames_since_detection = 0
            for box, _ in self._detect(image):
                if _is_new(box, known + candidates):
                    candidates.append(box)
        found: list[tuple[NDArray[np.float32], float]] = []
        boxes = list(known)
        for box in candidates:
            if len(found) >= want:
                break
            lm = self._mesh_on_crop(image, _Crop.around(box, w, h))
            if lm is None:
                continue
            lm_box = self._box(lm)
            if _is_new(lm_box, boxes):
                found.append((lm, 1.0))
                boxes.append(lm_box)
        self._crop_boxes = [self._box(lm) for lm, _ in found]
        return found

    def _mesh_on_crop(self, image: NDArray[np.uint8], crop: _Crop) -> NDArray[np.float32] | None:
        if crop.x1 - crop.x0 < 16 or crop.y1 - crop.y0 < 16:
            return None
        if self._crop_mesh is None:
            self._crop_mesh = mp.solutions.face_mesh.FaceMesh(
                static_image_mode=True,
                max_num_faces=1,
                refine_landmarks=True,
                min_detection_confidence=self._options.min_detection_confidence,
            )
        patch = np.ascontiguousarray(image[crop.y0 : crop.y1, crop.x0 : crop.x1])
        found = self._run_mesh(self._crop_mesh, patch, None)
        if not found:
            return None
        lm = found[0]
        lm[:, 0] += crop.x0
        lm[:, 1] += crop.y0
        return lm

    def _detect(self, image: NDArray[np.uint8]) -> list[tuple[Box, float]]:
        """Full-range face detection on the whole frame and on overlapping tiles (merged)."""
        if self._detector is None:
            self._detector = mp.solutions.face_detection.FaceDetection(
                model_selection=1, min_detection_confidence=self._options.min_detection_confidence
            )
        h, w = image.shape[:2]
        tile = max(192, min(w, h) * 2 // 3)
        windows = [(0, 0, w, h)]
        if max(w, h) > tile * 1.2:
            windows += [
                (x0, y0, min(w, x0 + tile), min(h, y0 + tile))
                for y0 in _tile_origins(h, tile)
                for x0 in _tile_origins(w, tile)
            ]
        found: list[tuple[Box, float]] = []
        for x0, y0, x1, y1 in windows:
            patch = (
                image if (x1 - x0, y1 - y0) == (w, h) else np.ascontiguousarray(image[y0:y1, x0:x1])
            )
            result = self._detector.process(patch)
            for det in result.detections or []:
                rb = det.location_data.relative_bounding_box
                pw, ph = x1 - x0, y1 - y0
                box = (
                    x0 + rb.xmin * pw,
                    y0 + rb.ymin * ph,
                    x0 + (rb.xmin + rb.width) * pw,
                    y0 + (rb.ymin + rb.height) * ph,
                )
                found.append((box, float(det.score[0])))
        found.sort(key=lambda d: -d[1])
        merged: list[tuple[Box, float]] = []
        for box, score in found:
            if _is_new(box, [m[0] for m in merged]):
                merged.append((box, score))
        log.debug("full-range detector: %d face(s) in %d window(s)", len(merged), len(windows))
        return merged
