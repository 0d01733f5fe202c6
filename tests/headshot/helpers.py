"""Helpers of the headshot tests: the one-face photos of the test set, re-tracking."""

from __future__ import annotations

import numpy as np
from face_set import FacePhoto, LabeledFace, read_records
from numpy.typing import NDArray

from tryon.headshot.pipeline import HeadshotOptions
from tryon.tracking.still import faces_in_still

#: Nothing but the backdrop: every face control at 0, the photo's own frame.
UNTOUCHED = HeadshotOptions(
    framing=None, light_strength=0.0, smooth=0.0, blemishes=0.0, under_eyes=0.0
)


def _single_face_photos() -> list[tuple[str, LabeledFace]]:
    """(file, label) of the test set's one-person photos, read from the labels alone (no
    fetch at collection time)."""
    return [(r.file, r.faces[0]) for r in read_records() if len(r.faces) == 1 and not r.grid]


SINGLE_FACES = _single_face_photos()
SINGLE_FACE_IDS = [
    f"{file.split('/')[1].rsplit('.', 1)[0]}-{label.tag()}" for file, label in SINGLE_FACES
]


def photo_of(face_set: list[FacePhoto], file: str) -> FacePhoto:
    return next(p for p in face_set if p.file == file)


def landmarks_of(rgb: NDArray[np.uint8]) -> NDArray[np.float64]:
    """The landmarks of the largest face, by a fresh still-image tracker (no state carried
    from one photo to the next, so before and after are tracked alike)."""
    faces = faces_in_still(rgb)
    assert faces, "no face tracked"
    return faces[0].observation.landmarks[:, :2].astype(np.float64)
