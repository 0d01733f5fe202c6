"""MediaPipe face-mesh backend (``mediapipe.solutions``, models inside the 0.10.21 wheel).

Fast path: the video-mode face mesh (478 points with iris) on the full frame. When it finds
fewer faces than asked for (small or far faces its short-range detector misses), the bundled
full-range face detector looks on the whole frame and on overlapping tiles, and a static face
mesh runs on a crop around each new face; faces found that way are followed on crops around
their previous landmarks in the next frames, so the detector runs only now and then.

MediaPipe's native code chatters on stderr when a graph starts (TFLite's ``INFO: Created
TensorFlow Lite XNNPACK delegate``, absl's ``W0000 ... inference_feedback_manager.cc`` and
``landmark_projection_calculator.cc ... NORM_RECT without IMAGE_DIMENSIONS``). Neither honours
``GLOG_minloglevel`` nor ``TF_CPP_MIN_LOG_LEVEL`` (absl logging before ``InitializeLog`` and
TFLite's minimal logger write to stderr unconditionally), and graph threads print them after
the constructor has returned. So each graph is made on first use, and until it has given
landmarks (or detections) once, or for its first `QUIET_CALLS` calls, each call runs with file
descriptor 2 captured: those known lines are dropped and everything else is written back when
the call returns. The bound keeps a stream that never shows a face (an empty kiosk, a covered
camera) from capturing, and serialising on the capture lock, forever.
``TRYON_DEBUG=1`` (or this module's logger at DEBUG) shows them all.
"""

from __future__ import annotations

import logging
import math
import os
import re
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

import mediapipe as mp
import numpy as np
from mediapipe.framework.formats import landmark_pb2
from mediapipe.python._framework_bindings import _packet_getter
from numpy.typing import NDArray

from tryon.frames import validate_frame
from tryon.tracking.landmarks import IRIS_CENTERS, IRIS_HORIZONTAL
from tryon.tracking.low_light import prepare_for_tracking
from tryon.tracking.observation import NUM_LANDMARKS, FaceObservation
from tryon.tracking.tracker import TrackerOptions, TrackerResult

__all__ = ["MediaPipeFaceTracker", "observation_from_landmarks", "quiet_native_startup"]

log = logging.getLogger(__name__)

Box = tuple[float, float, float, float]
#: The MediaPipe graphs a tracker may run: the video-mode mesh on full frames, a static mesh
#: on crops around small faces, the full-range face detector.
_Graph = Literal["mesh", "crop_mesh", "detector"]

#: A crop around a face is this many times the face's bounding-box size.
_CROP_MARGIN = 2.2
#: Two boxes overlapping more than this (intersection over the smaller box) are one face.
_SAME_FACE_OVERLAP = 0.4


#: Start-up lines of MediaPipe's native code that say nothing to a user (see the docstring).
_NATIVE_NOISE = re.compile(
    rb"INFO: Created TensorFlow Lite XNNPACK delegate for CPU\."
    rb"|INFO: Replacing \d+ node\(s\) with delegate"
    rb"|WARNING: All log messages before absl::InitializeLog\(\) is called"
    rb"|[IW]\d{4} [\d:.]+ +\d+ (inference_feedback_manager|landmark_projection_calculator"
    rb"|gl_context_egl|gl_context)\.cc:"
)
#: Calls per graph after which its output is no longer captured, face or no face.
QUIET_CALLS = 90
#: One capture of file descriptor 2 at a time (trackers may start on several threads).
_STDERR_LOCK = threading.Lock()


def _native_logs_wanted() -> bool:
    return os.environ.get("TRYON_DEBUG", "") not in ("", "0") or log.isEnabledFor(logging.DEBUG)


@contextmanager
def quiet_native_startup() -> Iterator[None]:
    """Drop MediaPipe's known start-up lines from stderr (fd 2) while the block runs; any
    other output (ours, or another thread's) is written back when it ends."""
    if _native_logs_wanted():
        yield
        return
    with _STDERR_LOCK, tempfile.TemporaryFile() as capture:
        sys.stderr.flush()
        saved = os.dup(2)
        os.dup2(capture.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            kept = [
                line
                for line in capture.read().splitlines(keepends=True)
                if not _NATIVE_NOISE.match(line)
            ]
            if kept:
                os.write(2, b"".join(kept))


_IRIS_CENTERS = np.array(IRIS_CENTERS, dtype=np.intp)
_IRIS_ENDS = tuple(np.array(ends, dtype=np.intp) for ends in zip(*IRIS_HORIZONTAL, strict=True))


def observation_from_landmarks(
    landmarks: NDArray[np.float32],
    image_size: tuple[int, int],
    timestamp_ms: int,
    presence: float = 1.0,
    index: int = 0,
    *,
    iris_diameters_px: NDArray[np.float32] | None = None,
    face_id: int = 0,
) -> FaceObservation:
    """Build a `FaceObservation` from ``(478, 3)`` full-frame pixel landmarks.

    Iris diameters are the image-plane length of each iris's horizontal chord, unless given;
    yaw shortens it, which `tryon.tracking.solve.solve_geometry` corrects with the head pose.
    """
    if landmarks.shape != (NUM_LANDMARKS, 3):
        raise ValueError(f"expected landmarks of shape (478, 3), got {landmarks.shape}")
    lm = landmarks.astype(np.float32, copy=False)
    if iris_diameters_px is None:
        a, b = _IRIS_ENDS
        chords = lm[a, :2] - lm[b, :2]
        chords *= chords
        iris_diameters_px = np.sqrt(chords[:, 0] + chords[:, 1])
    return FaceObservation(
        landmarks=lm,
        iris_centers=lm[_IRIS_CENTERS, :2],
        iris_diameters_px=iris_diameters_px,
        presence=float(presence),
        bbox=_bounds(lm),
        image_size=image_size,
        timestamp_ms=int(timestamp_ms),
        index=index,
        face_id=face_id,
    )


#: A serialized ``NormalizedLandmark`` holding x, y and z only: field 1 of the list (tag
#: 0x0a, 15 bytes), then tags 0x0d, 0x15, 0x1d each before a little-endian float32.
_LANDMARK_BYTES = 17
_LANDMARK_TAGS = {0: 0x0A, 1: 0x0F, 2: 0x0D, 7: 0x15, 12: 0x1D}
#: Each tag byte of a record as a one-byte string.
_TAG_BYTES = tuple((offset, bytes([tag])) for offset, tag in _LANDMARK_TAGS.items())


def _decode_landmarks(serialized: bytes) -> NDArray[np.float32] | None:
    """x, y, z ``(N, 3)`` of a serialized ``NormalizedLandmarkList`` read straight from its
    bytes, or None when they are not laid out as `_LANDMARK_BYTES` records of x, y and z (a
    coordinate of exactly 0 is left out, visibility or presence added)."""
    if not serialized or len(serialized) % _LANDMARK_BYTES:
        return None
    count = len(serialized) // _LANDMARK_BYTES
    # Every record's byte at each tag's offset, as one string (bytes slicing is C-fast).
    for offset, tag in _TAG_BYTES:
        if serialized[offset::_LANDMARK_BYTES].count(tag) != count:
            return None
    xyz: NDArray[np.float32] = np.ndarray(
        (count, 3),
        dtype="<f4",
        buffer=serialized,
        offset=3,
        strides=(_LANDMARK_BYTES, 5),
    )
    return xyz.astype(np.float32)


def _parse_landmarks(serialized: bytes) -> NDArray[np.float32]:
    """x, y, z ``(N, 3)`` of a serialized ``NormalizedLandmarkList`` through protobuf."""
    landmarks = landmark_pb2.NormalizedLandmarkList.FromString(serialized).landmark
    return np.array([(p.x, p.y, p.z) for p in landmarks], dtype=np.float32).reshape(-1, 3)


def _to_pixels(serialized: bytes, width: int, height: int) -> NDArray[np.float32]:
    """A face's serialized MediaPipe normalised landmarks to ``(478, 3)`` pixels (z on the
    x scale)."""
    arr = _decode_landmarks(serialized)
    if arr is None:
        arr = _parse_landmarks(serialized)
    arr *= np.array([width, height, width], dtype=np.float32)
    return arr


def _serialized_faces(graph: Any, image: NDArray[np.uint8]) -> list[bytes]:
    """Run a legacy-solutions face mesh ``graph`` on ``image``: each face's landmarks,
    serialized. What ``graph.process`` does, without the namedtuple class it builds and
    the protobuf objects it parses on every call."""
    graph._graph_outputs.clear()
    ((stream, data_type),) = graph._input_stream_type_info.items()
    graph._simulated_timestamp += 33333
    packet = graph._make_packet(data_type, image).at(graph._simulated_timestamp)
    graph._graph.add_packet_to_input_stream(stream=stream, packet=packet)
    graph._graph.wait_until_idle()
    out = graph._graph_outputs.get("multi_face_landmarks")
    if out is None or out.is_empty():
        return []
    return list(_packet_getter._get_serialized_proto_list(out))


def _bounds(lm: NDArray[np.float32]) -> Box:
    """``(x0, y0, x1, y1)`` of landmarks' x and y (column by column: numpy's min over the
    first axis of an ``(N, 2)`` slice is several times slower)."""
    x, y = lm[:, 0], lm[:, 1]
    return (float(x.min()), float(y.min()), float(x.max()), float(y.max()))


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
        # MediaPipe graphs by kind, made on first use (most sessions never see a small face).
        self._graphs: dict[_Graph, Any] = {}
        #: Graphs whose start-up chatter is over (they have found something once).
        self._settled: set[_Graph] = set()
        self._quiet_calls: dict[_Graph, int] = {}
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
        o = self._options
        image = np.ascontiguousarray(prepare_for_tracking(frame) if o.low_light_denoise else frame)
        if o.find_small_faces and len(self._crop_boxes) >= o.max_faces:
            found = []  # every face is followed on crops: the full-frame pass missed them
        else:
            found = self._run_mesh("mesh", image, timestamp_ms)
        faces = [(lm, 1.0) for lm in found]
        from_crops = 0
        if o.find_small_faces and len(faces) < o.max_faces:
            extra = self._find_small_faces(image, [_bounds(lm) for lm, _ in faces])
            faces.extend(extra)
            from_crops = len(extra)
        else:
            self._crop_boxes = []

        if len(faces) > 1:
            faces.sort(key=lambda f: -self._area(_bounds(f[0])))
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
        for graph in self._graphs.values():
            graph.close()

    def __enter__(self) -> MediaPipeFaceTracker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- internals -------------------------------------------------------------------------

    @staticmethod
    def _area(box: Box) -> float:
        return (box[2] - box[0]) * (box[3] - box[1])

    def _make_graph(self, kind: _Graph) -> Any:
        o = self._options
        if kind == "detector":
            return mp.solutions.face_detection.FaceDetection(
                model_selection=1, min_detection_confidence=o.min_detection_confidence
            )
        return mp.solutions.face_mesh.FaceMesh(
            static_image_mode=kind == "crop_mesh",
            max_num_faces=o.max_faces if kind == "mesh" else 1,
            refine_landmarks=True,
            min_detection_confidence=o.min_detection_confidence,
            min_tracking_confidence=o.min_tracking_confidence,
        )

    def _process(
        self, kind: _Graph, image: NDArray[np.uint8], timestamp_ms: int | None = None
    ) -> list[Any]:
        """Run graph ``kind`` on ``image`` (made on first use): what it found (serialized
        landmark lists of a mesh, detections of the detector). Until it has found something
        once, MediaPipe's start-up lines are kept off stderr."""
        if kind in self._settled:
            return self._call(kind, image, timestamp_ms)
        with quiet_native_startup():
            found = self._call(kind, image, timestamp_ms)
        calls = self._quiet_calls[kind] = self._quiet_calls.get(kind, 0) + 1
        if found or calls >= QUIET_CALLS:
            self._settled.add(kind)
        return found

    def _call(self, kind: _Graph, image: NDArray[np.uint8], timestamp_ms: int | None) -> list[Any]:
        graph = self._graphs.get(kind)
        if graph is None:
            graph = self._graphs[kind] = self._make_graph(kind)
        if timestamp_ms is not None:
            # The legacy solutions API stamps packets itself (+33.333 ms per call); feed it the
            # frame's real time instead so its landmark smoothing sees real motion.
            graph._simulated_timestamp = timestamp_ms * 1000 - 33333
        if kind == "detector":
            return list(graph.process(image).detections or [])
        return _serialized_faces(graph, image)

    def _run_mesh(
        self, kind: _Graph, image: NDArray[np.uint8], timestamp_ms: int | None
    ) -> list[NDArray[np.float32]]:
        faces = self._process(kind, image, timestamp_ms)
        h, w = image.shape[:2]
        return [_to_pixels(f, w, h) for f in faces]

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
            lm_box = _bounds(lm)
            if _is_new(lm_box, boxes):
                found.append((lm, 1.0))
                boxes.append(lm_box)
        self._crop_boxes = [_bounds(lm) for lm, _ in found]
        return found

    def _mesh_on_crop(self, image: NDArray[np.uint8], crop: _Crop) -> NDArray[np.float32] | None:
        if crop.x1 - crop.x0 < 16 or crop.y1 - crop.y0 < 16:
            return None
        patch = np.ascontiguousarray(image[crop.y0 : crop.y1, crop.x0 : crop.x1])
        found = self._run_mesh("crop_mesh", patch, None)
        if not found:
            return None
        lm = found[0]
        lm[:, 0] += crop.x0
        lm[:, 1] += crop.y0
        return lm

    def _detect(self, image: NDArray[np.uint8]) -> list[tuple[Box, float]]:
        """Full-range face detection on the whole frame and on overlapping tiles (merged)."""
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
            for det in self._process("detector", patch):
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
