"""The real-face test set is there, labelled, and its labels match what the tracker finds."""

from __future__ import annotations

from collections import Counter

from face_set import FacePhoto

from tryon.tracking.still import faces_in_still


def test_every_labelled_face_is_found_where_labelled(face_set: list[FacePhoto]) -> None:
    groups: Counter[str] = Counter()
    for photo in face_set:
        found = faces_in_still(photo.rgb, max_faces=16)
        assert found, f"{photo.id}: no face found"
        labels = set()
        for face in found:
            x0, y0, x1, y1 = face.observation.bbox
            label = photo.label_of(((x0 + x1) / 2, (y0 + y1) / 2), size=(x1 - x0) / 2)
            assert label is not None, f"{photo.id}: a face at {face.observation.bbox} has no label"
            labels.add(label)
        if not photo.grid:
            assert labels == set(photo.faces), f"{photo.id}: found {len(labels)} labelled faces"
        groups.update(f.group for f in labels)
    assert set(groups) == {"light", "medium", "dark"}, groups
