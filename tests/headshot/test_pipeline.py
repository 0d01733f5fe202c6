"""The headshot pipeline on real photos: background replaced and the person kept, the face's
geometry unchanged, each control at 0 leaving the face's bytes alone, relighting toward the
asked light."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from face_set import FacePhoto
from numpy.typing import NDArray

from headshot.helpers import SINGLE_FACE_IDS, SINGLE_FACES, UNTOUCHED, landmarks_of, photo_of
from tryon.headshot.backdrop import Backdrop
from tryon.headshot.lighting import estimate_light, target_light, vertex_normals
from tryon.headshot.pipeline import HeadshotError, HeadshotMaker, HeadshotOptions
from tryon.headshot.regions import face_regions
from tryon.tracking.still import faces_in_still

GREY = (200, 100, 50)


def _face_mask(rgb: NDArray[np.uint8]) -> NDArray[np.bool_]:
    face = faces_in_still(rgb)[0]
    regions = face_regions(rgb, face.observation.landmarks)
    mask = np.zeros(rgb.shape[:2], dtype=bool)
    mask[regions.slices] = regions.face > 0
    return mask


def test_background_is_replaced_and_the_person_kept(
    maker: HeadshotMaker, astronaut: NDArray[np.uint8]
) -> None:
    shot = maker.make(astronaut, replace(UNTOUCHED, backdrop=Backdrop("solid", GREY)))
    out = shot.image
    assert out.shape == astronaut.shape
    # the flag (top left) and the shuttle (right) are background: now the backdrop exactly
    for part in (out[10:60, 0:30], out[100:160, 470:505]):
        assert (part == GREY).all()
    # the face and the suit are the person: their bytes are the photo's
    face = _face_mask(astronaut)
    assert (out[face] == astronaut[face]).all()
    suit = (slice(330, 420), slice(80, 200))
    assert (out[suit] == astronaut[suit]).all()
    kept = (shot.matte >= 1.0).mean()
    assert 0.35 < kept < 0.8, f"{kept:.0%} of the photo kept as the person"
    assert [op.name for op in shot.operations] == ["background"]


CONTROLS = ("smooth", "blemishes", "under_eyes", "light_strength")


@pytest.mark.parametrize("control", CONTROLS)
def test_a_control_at_zero_leaves_the_face_byte_identical(
    maker: HeadshotMaker, astronaut: NDArray[np.uint8], control: str
) -> None:
    face = _face_mask(astronaut)
    on = maker.make(astronaut, replace(UNTOUCHED, **{control: 0.8})).image
    off = maker.make(astronaut, replace(UNTOUCHED, **{control: 0.0})).image
    assert (off[face] == astronaut[face]).all()
    changed = np.abs(on[face].astype(int) - astronaut[face].astype(int)).max(axis=-1) > 0
    assert changed.sum() > 20, f"{control} at 0.8 changed only {changed.sum()} face pixels"


def test_smoothing_keeps_the_pores(maker: HeadshotMaker, astronaut: NDArray[np.uint8]) -> None:
    """Fine texture (the finest band) survives full smoothing; mid-band blotches drop."""
    import cv2

    out = maker.make(astronaut, replace(UNTOUCHED, smooth=1.0)).image
    cheek = (slice(135, 160), slice(170, 195))

    def band(img: NDArray[np.uint8], lo: float, hi: float) -> float:
        g = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY).astype(np.float32)
        diff = cv2.GaussianBlur(g, (0, 0), lo) - cv2.GaussianBlur(g, (0, 0), hi)
        return float(diff[cheek].std())

    fine_before, fine_after = band(astronaut, 0.01, 0.7), band(out, 0.01, 0.7)
    mid_before, mid_after = band(astronaut, 1.5, 5.0), band(out, 1.5, 5.0)
    assert fine_after > 0.8 * fine_before, (fine_before, fine_after)
    assert mid_after < 0.8 * mid_before, (mid_before, mid_after)


def _check_landmarks_kept(maker: HeadshotMaker, rgb: NDArray[np.uint8], what: str) -> None:
    """The default headshot (every edit, a new background) tracked again: the mesh stays
    within 1 px mean, or 2 % of the eye-corner distance on large faces. The tracker itself
    moves about that much when only the background changes (the face's bytes identical)."""
    before = landmarks_of(rgb)
    shot = maker.make(rgb, HeadshotOptions(framing=None))
    after = landmarks_of(shot.image)
    err = float(np.linalg.norm(after - before, axis=1).mean())
    eyes = float(np.linalg.norm(before[33] - before[263]))
    assert err < max(1.0, 0.02 * eyes), f"{what}: landmarks moved {err:.2f} px mean ({eyes:.0f})"


def test_the_face_geometry_is_unchanged_on_the_astronaut(
    maker: HeadshotMaker, astronaut: NDArray[np.uint8]
) -> None:
    _check_landmarks_kept(maker, astronaut, "astronaut")


def test_the_framed_headshot_maps_back_onto_the_photo(
    maker: HeadshotMaker, astronaut: NDArray[np.uint8]
) -> None:
    before = landmarks_of(astronaut)
    shot = maker.make(astronaut, HeadshotOptions(out_size=(600, 600)))
    assert shot.image.shape == (600, 600, 3)
    after = landmarks_of(shot.image)
    err = np.linalg.norm(after - shot.crop.map_points(before), axis=1)
    scale = 600 / shot.crop.width
    assert err.mean() < 1.0 * scale + 0.5, f"moved {err.mean():.2f} px at {scale:.2f}x"


@pytest.mark.slow
@pytest.mark.parametrize(("file", "label"), SINGLE_FACES, ids=SINGLE_FACE_IDS)
def test_the_face_geometry_is_unchanged_on_real_faces(
    maker: HeadshotMaker, face_set: list[FacePhoto], file: str, label: object
) -> None:
    photo = photo_of(face_set, file)
    _check_landmarks_kept(maker, np.ascontiguousarray(photo.rgb), photo.id)


@pytest.mark.parametrize("light", ["soft-key", "butterfly", "rembrandt", "even"])
def test_relighting_moves_the_estimated_light_toward_the_target(
    maker: HeadshotMaker, astronaut: NDArray[np.uint8], light: str
) -> None:
    options = replace(UNTOUCHED, light=light, light_strength=1.0, backdrop=Backdrop("keep"))
    shot = maker.make(astronaut, options)
    face = faces_in_still(shot.image)[0]
    regions = face_regions(shot.image, face.observation.landmarks)
    after = estimate_light(shot.image, regions, vertex_normals(face.vertices))
    before = shot.light
    if light == "even":
        assert np.linalg.norm(after.lateral) < 0.6 * np.linalg.norm(before.lateral)
        return
    target = target_light(light, before)  # type: ignore[arg-type]
    gap_before = np.linalg.norm(before.lateral - target.lateral)
    gap_after = np.linalg.norm(after.lateral - target.lateral)
    assert gap_after < 0.7 * gap_before, (before.lateral, after.lateral, target.lateral)


def test_products_are_worn_in_the_headshot(
    maker: HeadshotMaker, astronaut: NDArray[np.uint8]
) -> None:
    from tryon.catalog.look import Look

    plain = maker.make(astronaut, UNTOUCHED).image
    worn = maker.make(astronaut, replace(UNTOUCHED, look=Look.of("round-gunmetal")))
    eyes = (slice(105, 125), slice(200, 290))
    assert np.abs(worn.image[eyes].astype(int) - plain[eyes].astype(int)).max(-1).mean() > 8
    assert worn.operations[-1].detail == "rendered round-gunmetal"


def test_a_photo_without_a_face_is_refused(maker: HeadshotMaker) -> None:
    grey = np.full((240, 320, 3), 128, dtype=np.uint8)
    with pytest.raises(HeadshotError, match="no face found in the photo"):
        maker.make(grey, HeadshotOptions())


def test_a_passport_photo_with_two_faces_is_refused(
    maker: HeadshotMaker, astronaut: NDArray[np.uint8]
) -> None:
    pair = np.ascontiguousarray(np.concatenate([astronaut, astronaut[:, ::-1]], axis=1))
    with pytest.raises(HeadshotError, match="found 2 faces"):
        maker.make(
            pair, HeadshotOptions(framing=replace(HeadshotOptions().framing, name="passport"))
        )  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("smooth", 1.5, r"smooth must be in \[0, 1\], got 1.5"),
        ("light_strength", -0.1, r"light_strength must be in \[0, 1\], got -0.1"),
        ("light", "disco", "unknown light 'disco'; expected one of soft-key, butterfly"),
        ("out_size", (8, 8), r"at least 16x16, got \(8, 8\)"),
    ],
)
def test_bad_options_say_what_is_allowed(field: str, value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        HeadshotOptions(**{field: value})  # type: ignore[arg-type]
