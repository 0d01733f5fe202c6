"""The passport framing and checks: the ICAO geometry on the astronaut, and the eye and
mouth checks against our labels of the real-face test set."""

from __future__ import annotations

import numpy as np
import pytest
from face_set import FacePhoto, LabeledFace
from numpy.typing import NDArray

from headshot.helpers import SINGLE_FACE_IDS, SINGLE_FACES, landmarks_of, photo_of
from tryon.headshot.framing import PRESETS, frame, head_geometry
from tryon.headshot.passport import (
    MAX_MOUTH_OPENING,
    MIN_EYE_OPENNESS,
    eye_openness,
    mouth_opening,
    passport_checks,
)
from tryon.tracking.still import faces_in_still


def _verdicts(
    landmarks: NDArray[np.float64], size: tuple[int, int], angles: tuple[float, float, float]
) -> dict[str, bool]:
    w, h = size
    image = np.full((h, w, 3), 240, dtype=np.uint8)
    background = np.ones((h, w), dtype=bool)
    background[h // 3 :, w // 4 : 3 * w // 4] = False
    lm = np.concatenate([landmarks, np.zeros((len(landmarks), 1))], axis=1).astype(np.float32)
    return {c.name: c.passed for c in passport_checks(lm, angles, image, background)}


def test_the_passport_crop_meets_the_icao_geometry(astronaut: NDArray[np.uint8]) -> None:
    lm = landmarks_of(astronaut)
    head = head_geometry(lm.astype(np.float32))
    crop = frame((512, 512), head, PRESETS["passport"], out_size=(413, 531))
    assert crop.width / crop.height == pytest.approx(35 / 45, abs=0.01)
    mapped = crop.map_points(lm)
    verdicts = _verdicts(mapped, (413, 531), (0.0, 0.0, 0.0))
    geometry = ("head size", "eye line", "centred", "resolution")
    assert all(verdicts[name] for name in geometry), verdicts
    placed = head_geometry(mapped.astype(np.float32))
    assert placed.height / 531 == pytest.approx(0.75, abs=0.01)
    assert 1 - placed.eyes[1] / 531 == pytest.approx(0.58, abs=0.01)


def test_a_badly_framed_or_turned_head_fails_its_checks(astronaut: NDArray[np.uint8]) -> None:
    lm = landmarks_of(astronaut)
    # the whole 512x512 photo: the head is small, high and left of centre
    whole = _verdicts(lm, (512, 512), (0.0, 0.0, 0.0))
    assert not whole["head size"] and not whole["eye line"] and not whole["resolution"]
    crop = frame((512, 512), head_geometry(lm.astype(np.float32)), PRESETS["passport"])
    mapped = crop.map_points(lm)
    assert not _verdicts(mapped, (crop.width, crop.height), (12.0, 0.0, 0.0))["facing the camera"]
    assert not _verdicts(mapped, (crop.width, crop.height), (0.0, 0.0, 9.0))["facing the camera"]
    assert _verdicts(mapped, (crop.width, crop.height), (4.0, -4.0, 7.0))["facing the camera"]


def test_a_shadow_on_the_background_fails() -> None:
    image = np.full((200, 160, 3), 240, dtype=np.uint8)
    background = np.ones((200, 160), dtype=bool)
    checks = {c.name: c for c in passport_checks(_frontal(), (0, 0, 0), image, background)}
    assert checks["plain light background"].passed
    image[120:, :30] = 150  # a shadow falling on the lower left
    checks = {c.name: c for c in passport_checks(_frontal(), (0, 0, 0), image, background)}
    assert not checks["plain light background"].passed
    assert "darkest 2 % at 62% of the median" in checks["plain light background"].detail


def _frontal() -> NDArray[np.float32]:
    lm = np.zeros((478, 3), dtype=np.float32)
    lm[:, 0], lm[:, 1] = 80, 100
    return lm


@pytest.mark.parametrize(("file", "label"), SINGLE_FACES, ids=SINGLE_FACE_IDS)
def test_eye_and_mouth_checks_agree_with_the_labels(
    face_set: list[FacePhoto], file: str, label: LabeledFace
) -> None:
    lm = landmarks_of(np.ascontiguousarray(photo_of(face_set, file).rgb)).astype(np.float32)
    lm3 = np.concatenate([lm, np.zeros((478, 1), np.float32)], axis=1)
    eyes, mouth = eye_openness(lm3), mouth_opening(lm3)
    assert (eyes < MIN_EYE_OPENNESS) == label.eyes_closed, f"{label.tag()}: eyes {eyes:.2f}"
    assert (mouth > MAX_MOUTH_OPENING) == label.mouth_open, f"{label.tag()}: mouth {mouth:.2f}"


def test_closed_eyes_are_told_apart_in_a_group(face_set: list[FacePhoto]) -> None:
    """Every labelled face of the group photos: the laughing mother's closed eyes fail, the
    others' open eyes pass."""
    seen = {True: 0, False: 0}
    for photo in face_set:
        if photo.grid or len(photo.faces) < 2:
            continue
        for face in faces_in_still(photo.rgb, max_faces=16):
            x0, y0, x1, y1 = face.observation.bbox
            label = photo.label_of(((x0 + x1) / 2, (y0 + y1) / 2), (x1 - x0) / 2)
            assert label is not None
            eyes = eye_openness(face.observation.landmarks)
            assert (eyes < MIN_EYE_OPENNESS) == label.eyes_closed, (
                f"{photo.id} {label.tag()}: eyes {eyes:.2f}"
            )
            seen[label.eyes_closed] += 1
    assert seen[True] >= 1 and seen[False] >= 5, seen
