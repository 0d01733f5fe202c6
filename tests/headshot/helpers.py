"""Helpers of the headshot tests: the one-face photos of the test set, re-tracking."""

from __future__ import annotations

import tomllib

import numpy as np
from face_set import RECORDS, FacePhoto, LabeledFace
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
    out = []
    for rec in tomllib.loads(RECORDS.read_text(encoding="utf-8"))["photo"]:
        if len(rec["face"]) == 1 and not rec.get("grid"):
            f = rec["face"][0]
            label = LabeledFace(
                center=(float(f["center"][0]), float(f["center"][1])),
                skin_mst=int(f["skin_mst"]),
                group=str(f["group"]),
                age=str(f["age"]),
                glasses=bool(f["glasses"]),
                mouth_open=bool(f["mouth_open"]),
                eyes_closed=bool(f["eyes_closed"]),
            )
            out.append((str(rec["file"]), label))
    return out


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
