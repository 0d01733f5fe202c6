"""Face identity: ids follow faces across frames, through swaps of place and size and short
losses; a face that is new, or lost for too long, gets a new id."""

from __future__ import annotations

import numpy as np
import pytest

from tryon.tracking.identity import FaceIdentifier, IdentityOptions
from tryon.tracking.mediapipe_tracker import observation_from_landmarks
from tryon.tracking.observation import FaceObservation
from tryon.tracking.tracker import TrackerResult

_UNIT = np.random.default_rng(0).uniform(0.0, 1.0, (478, 3)).astype(np.float32)


def _face(cx: float, cy: float, width: float, ts: int) -> FaceObservation:
    lm = (_UNIT - 0.5) * width + np.array([cx, cy, 0.0], np.float32)
    return observation_from_landmarks(lm.astype(np.float32), (1280, 720), ts)


def _frame(ts: int, *faces: tuple[float, float, float]) -> TrackerResult:
    """Faces given as (centre x, centre y, width), reported largest first like a tracker."""
    obs = sorted((_face(*f, ts) for f in faces), key=lambda o: o.bbox[0] - o.bbox[2])
    return TrackerResult(tuple(obs), ts, (1280, 720))


def _ids_by_x(result: TrackerResult) -> list[int]:
    return [f.face_id for f in sorted(result.faces, key=lambda f: f.bbox[0])]


def test_two_faces_swapping_places_and_sizes_keep_their_ids() -> None:
    ident = FaceIdentifier()
    first = ident.assign(_frame(0, (300, 360, 200), (900, 360, 160)))
    left_id, right_id = _ids_by_x(first)
    assert {left_id, right_id} == {1, 2}
    # They walk past each other (one a little higher), 15 px a frame; the size rank flips too.
    for step in range(1, 41):
        ts = step * 33
        a = (300 + 15 * step, 300, 200 - step)  # the first face, shrinking
        b = (900 - 15 * step, 420, 160 + step)  # the second, growing
        out = ident.assign(_frame(ts, a, b))
        by_id = {f.face_id: f for f in out.faces}
        assert set(by_id) == {left_id, right_id}, f"frame {step}: ids {sorted(by_id)}"
        cx = (by_id[left_id].bbox[0] + by_id[left_id].bbox[2]) / 2
        assert abs(cx - a[0]) < 1.0, f"frame {step}: the first face's id moved to the other face"
    assert _ids_by_x(out) == [right_id, left_id]  # they have swapped places, ids went along


def test_a_face_lost_briefly_gets_its_id_back_and_a_long_loss_gets_a_new_one() -> None:
    ident = FaceIdentifier(IdentityOptions(keep_lost_ms=1000))
    (face,) = ident.assign(_frame(0, (640, 360, 200))).faces
    assert ident.assign(_frame(33)).faces == ()
    (back,) = ident.assign(_frame(500, (660, 370, 205))).faces  # found again near its place
    assert back.face_id == face.face_id
    assert ident.assign(_frame(600)).faces == ()
    (new,) = ident.assign(_frame(1700, (660, 370, 205))).faces  # lost 1.1 s: forgotten
    assert new.face_id not in (face.face_id, 0)


def test_a_face_far_away_or_of_another_size_is_someone_else() -> None:
    ident = FaceIdentifier()
    (a,) = ident.assign(_frame(0, (300, 360, 200))).faces
    (far,) = ident.assign(_frame(33, (900, 360, 200))).faces  # moved 3 face widths in a frame
    (big,) = ident.assign(_frame(66, (900, 360, 400))).faces  # twice as wide
    assert len({a.face_id, far.face_id, big.face_id}) == 3


def test_reset_forgets_every_face() -> None:
    ident = FaceIdentifier()
    ident.assign(_frame(0, (300, 360, 200), (900, 360, 200)))
    ident.reset()
    assert [f.face_id for f in ident.assign(_frame(33, (300, 360, 200))).faces] == [1]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("keep_lost_ms", -1, "keep_lost_ms must be >= 0, got -1"),
        ("max_shift", 0.0, "max_shift must be > 0, got 0.0"),
        ("max_size_ratio", 0.5, "max_size_ratio must be >= 1, got 0.5"),
    ],
)
def test_bad_options_name_the_field(field: str, value: float, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        IdentityOptions(**{field: value})  # type: ignore[arg-type]
