"""The makeup pass on real faces of every skin-tone group: lipstick moves the lips toward its
colour and leaves the skin past the lip contour alone, open mouths and the whites of the eyes
stay untouched, intensity 0 draws nothing, looks apply in order, swatches, the box."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import moderngl
import numpy as np
import pytest
from face_set import FacePhoto, LabeledFace, read_records
from numpy.typing import NDArray
from scipy import ndimage
from skimage.draw import disk, polygon

from tryon.catalog.makeup import MakeupParams
from tryon.render.asset_cache import GpuAssetCache
from tryon.render.fit import head_proxy
from tryon.render.makeup_pass import MakeupPass, WornMakeup, srgb_to_linear
from tryon.render.passes import FaceWear, PassFace, PassResources
from tryon.render.programs import ProgramCache
from tryon.render.renderer import Renderer
from tryon.tracking.camera import CameraIntrinsics
from tryon.tracking.face_regions import CONTOURS, OPENING_LOOPS
from tryon.tracking.geometry import FaceGeometry
from tryon.tracking.still import faces_in_still

Image = NDArray[np.uint8]
Mask = NDArray[np.bool_]

#: Faces per skin-tone group that each real-face test runs on.
PER_GROUP = 3


def _labelled(pick: str) -> list[tuple[str, int, LabeledFace]]:
    """``(photo file, face index, label)`` of up to PER_GROUP faces per group that match
    ``pick`` ("any", "mouth_open", "eyes_open"), from the labels alone (collection time)."""
    out: list[tuple[str, int, LabeledFace]] = []
    counts: dict[str, int] = {}
    for rec in read_records():
        if rec.grid:
            continue
        for i, label in enumerate(rec.faces):
            if (pick == "mouth_open" and not label.mouth_open) or (
                pick == "eyes_open" and (label.eyes_closed or label.glasses)
            ):
                continue
            if counts.get(label.group, 0) < PER_GROUP:
                counts[label.group] = counts.get(label.group, 0) + 1
                out.append((rec.file, i, label))
    return out


def _params(pick: str) -> list[object]:
    return [
        pytest.param(file, i, id=f"{label.tag()}-{Path(file).stem}-{i}")
        for file, i, label in _labelled(pick)
    ]


@cache
def _tracked(photo: FacePhoto) -> tuple[FaceGeometry, ...]:
    return faces_in_still(photo.rgb, max_faces=8)


def _face(face_set: list[FacePhoto], file: str, index: int) -> tuple[Image, FaceGeometry]:
    """The photo and its tracked face labelled ``index``."""
    photo = next(p for p in face_set if p.file == file)
    label = photo.faces[index]
    for face in _tracked(photo):
        x0, y0, x1, y1 = face.observation.bbox
        if photo.label_of(((x0 + x1) / 2, (y0 + y1) / 2), size=(x1 - x0) / 2) == label:
            return photo.rgb, face
    pytest.fail(f"{photo.id}: the face labelled at {label.center} was not tracked")


def _worn(area: str, color: str, intensity: float = 1.0, **extra: str) -> WornMakeup:
    return WornMakeup(MakeupParams(area=area, color=color, **extra), intensity)  # type: ignore[arg-type]


def _pixels(face: FaceGeometry) -> NDArray[np.float64]:
    return face.camera.project(face.vertices).astype(np.float64)


def _region(face: FaceGeometry, loop: tuple[int, ...]) -> Mask:
    """Pixels inside the projected landmark loop."""
    px = _pixels(face)[list(loop)]
    mask = np.zeros((face.camera.height, face.camera.width), dtype=bool)
    rr, cc = polygon(px[:, 1], px[:, 0], shape=mask.shape)
    mask[rr, cc] = True
    return mask


def _render(renderer: Renderer, image: Image, face: FaceGeometry, *items: WornMakeup) -> Image:
    return renderer.render(image, [FaceWear(face, items)]).copy()


def _lips(face: FaceGeometry) -> Mask:
    return _region(face, CONTOURS["lips_outer"])


def _lip_body(face: FaceGeometry, inset: int) -> Mask:
    """The lips ``inset`` pixels in from their outer contour, without the open mouth."""
    mouth = ndimage.binary_dilation(_region(face, OPENING_LOOPS["mouth"]), iterations=2)
    return ndimage.binary_erosion(_lips(face), iterations=inset) & ~mouth


@pytest.mark.parametrize(("file", "index"), _params("any"))
def test_lipstick_colours_the_lips_and_nothing_past_their_contour(
    renderer: Renderer, face_set: list[FacePhoto], file: str, index: int
) -> None:
    image, face = _face(face_set, file, index)
    color = "#2050c0"  # no lips are this colour already
    out = _render(renderer, image, face, _worn("lips", color, finish="satin"))
    lips = _lips(face)
    body = _lip_body(face, 3)
    assert body.sum() >= 20, "too few lip pixels to judge"
    target = np.array([int(color[i : i + 2], 16) for i in (1, 3, 5)], dtype=np.float64)
    before = np.abs(image[body].astype(np.float64) - target).mean()
    after = np.abs(out[body].astype(np.float64) - target).mean()
    assert after < 0.7 * before, f"lips moved from {before:.1f} to {after:.1f} levels off"
    outside = ndimage.binary_dilation(lips, iterations=8) & ~ndimage.binary_dilation(
        lips, iterations=3
    )
    diff = np.abs(out[outside].astype(np.int16) - image[outside].astype(np.int16))
    assert diff.max() <= 2, f"skin 3-8 px past the lip contour changed by {diff.max()} levels"


@pytest.mark.parametrize(("file", "index"), _params("mouth_open"))
def test_open_mouth_keeps_teeth_and_tongue(
    renderer: Renderer, face_set: list[FacePhoto], file: str, index: int
) -> None:
    image, face = _face(face_set, file, index)
    out = _render(
        renderer,
        image,
        face,
        _worn("foundation", "#8a5a40"),
        _worn("lips", "#7d1f45", finish="gloss"),
        _worn("lip-liner", "#4a2820"),
    )
    inside = ndimage.binary_erosion(_region(face, OPENING_LOOPS["mouth"]), iterations=2)
    assert inside.sum() >= 10, "the mouth is not open enough to judge"
    assert np.array_equal(out[inside], image[inside])
    assert not np.array_equal(out[_lips(face)], image[_lips(face)])


@pytest.mark.parametrize(("file", "index"), _params("eyes_open"))
def test_contacts_tint_the_iris_and_leave_the_sclera(
    renderer: Renderer, face_set: list[FacePhoto], file: str, index: int
) -> None:
    image, face = _face(face_set, file, index)
    out = _render(renderer, image, face, _worn("contacts", "#3f7fbf"))
    px = _pixels(face)
    changed = (out != image).any(axis=2)
    openings = np.zeros(image.shape[:2], dtype=bool)
    for eye, iris in (("right_eye", 468), ("left_eye", 473)):
        opening = _region(face, OPENING_LOOPS[eye])
        openings |= opening
        center = px[iris]
        radius = float(np.linalg.norm(px[iris + 1 : iris + 5] - center, axis=1).mean())
        if radius < 2.0:
            pytest.skip("irises too small to judge")
        rr, cc = disk((center[1], center[0]), radius + 2.0, shape=opening.shape)
        iris_disk = np.zeros_like(opening)
        iris_disk[rr, cc] = True
        sclera = ndimage.binary_erosion(opening, iterations=1) & ~iris_disk
        assert np.array_equal(out[sclera], image[sclera]), f"{eye}: the sclera changed"
    outside = ~ndimage.binary_dilation(openings, iterations=2)
    assert not changed[outside].any(), "contacts painted outside the eye openings"
    assert changed.sum() >= 10, "the contacts changed no iris pixel"
    blue = out[changed].astype(np.float64)
    before = image[changed].astype(np.float64)
    assert (blue[:, 2] - blue[:, 0]).mean() > (before[:, 2] - before[:, 0]).mean() + 5.0


#: One of every area (and the finishes that light differently).
FULL_LOOK = (
    ("foundation", "#c99a76", {}),
    ("concealer", "#e0b898", {}),
    ("contour", "#8a5a44", {}),
    ("blush", "#c85a70", {}),
    ("highlighter", "#f0dcc0", {"finish": "shimmer"}),
    ("eyeshadow", "#c9a27e", {"crease_color": "#8a5a3c", "outer_color": "#4b2e20"}),
    ("eyeliner", "#121212", {"wing": "dramatic"}),
    ("mascara", "#0c0c0c", {}),
    ("brows", "#4a3226", {}),
    ("contacts", "#3f7fbf", {}),
    ("lip-liner", "#7a1e30", {}),
    ("lips", "#a32840", {"finish": "gloss"}),
)


def _full_look(intensity: float) -> tuple[WornMakeup, ...]:
    return tuple(_worn(a, c, intensity, **extra) for a, c, extra in FULL_LOOK)


def test_intensity_zero_is_the_input_frame(
    renderer: Renderer, astronaut: Image, astronaut_face: FaceGeometry
) -> None:
    out = _render(renderer, astronaut, astronaut_face, *_full_look(0.0))
    assert np.array_equal(out, astronaut)
    lips = _worn("lips", "#a32840")
    with_zero = _render(renderer, astronaut, astronaut_face, _worn("blush", "#c85a70", 0.0), lips)
    assert np.array_equal(with_zero, _render(renderer, astronaut, astronaut_face, lips))
    full = _render(renderer, astronaut, astronaut_face, *_full_look(1.0))
    assert (full != astronaut).any(axis=2).sum() > 2000


def test_intensity_scales_the_change(
    renderer: Renderer, astronaut: Image, astronaut_face: FaceGeometry
) -> None:
    def change(intensity: float) -> float:
        out = _render(renderer, astronaut, astronaut_face, _worn("lips", "#2040c0", intensity))
        return float(np.abs(out.astype(np.int16) - astronaut.astype(np.int16)).sum())

    low, mid, high = change(0.2), change(0.6), change(1.0)
    assert 0 < low < mid < high


def test_look_order_decides_what_lies_on_top(
    renderer: Renderer, astronaut: Image, astronaut_face: FaceGeometry
) -> None:
    foundation = _worn("foundation", "#4a2e20")
    blush = _worn("blush", "#e02060")
    a = _render(renderer, astronaut, astronaut_face, foundation, blush)
    b = _render(renderer, astronaut, astronaut_face, blush, foundation)
    differ = (a != b).any(axis=2)
    assert differ.sum() > 200, "the order of overlapping products changed nothing"
    # where they differ (the cheeks), the product drawn last is the one that shows more
    pink = a[differ].astype(np.float64)
    brown = b[differ].astype(np.float64)
    assert (pink[:, 0] - pink[:, 1]).mean() > (brown[:, 0] - brown[:, 1]).mean()


def test_shading_is_kept_under_lipstick(
    renderer: Renderer, astronaut: Image, astronaut_face: FaceGeometry
) -> None:
    """A matte tint keeps the lips' light and shadow: lip pixels that were brighter stay
    brighter (no flat fill)."""
    out = _render(renderer, astronaut, astronaut_face, _worn("lips", "#a32840", finish="matte"))
    body = _lip_body(astronaut_face, 1)
    before = astronaut[body].astype(np.float64).mean(axis=1)
    after = out[body].astype(np.float64).mean(axis=1)
    assert after.std() > 0.3 * before.std()
    assert np.corrcoef(before, after)[0, 1] > 0.6


def test_gloss_adds_a_highlight_that_matte_does_not(
    renderer: Renderer, astronaut: Image, astronaut_face: FaceGeometry
) -> None:
    body = _lip_body(astronaut_face, 1)
    matte = _render(renderer, astronaut, astronaut_face, _worn("lips", "#7d1f45", finish="matte"))
    gloss = _render(renderer, astronaut, astronaut_face, _worn("lips", "#7d1f45", finish="gloss"))
    assert gloss[body].max(axis=1).max() > matte[body].max(axis=1).max() + 20


@pytest.mark.parametrize(
    ("area", "finish"),
    [("lips", "matte"), ("lips", "gloss"), ("eyeshadow", "shimmer"), ("contacts", None)],
)
def test_swatch_thumbnail(renderer: Renderer, area: str, finish: str | None) -> None:
    extra = {} if finish is None else {"finish": finish}
    thumb = renderer.render_thumbnail(_worn(area, "#a32840", **extra), 64)
    assert thumb.shape == (64, 64, 4)
    assert (thumb[0, 0] == (255, 255, 255, 0)).all(), "outside the swatch: paper, alpha 0"
    assert thumb[32, 44, 3] == 255
    if area == "lips" and finish == "matte":
        lin = np.array(srgb_to_linear("#a32840"))
        got = (thumb[32, 44, :3] / 255.0) ** 2.2
        assert np.abs(got - lin).max() < 0.08


def test_box_holds_what_is_drawn_clipped_to_the_frame(
    gl_ctx: moderngl.Context, astronaut_face: FaceGeometry
) -> None:
    """Lipstick alone covers the lips' box; foundation the face's; a face half out of the
    frame gets a box clipped to it; nothing worn at intensity > 0: no box."""
    programs = ProgramCache(gl_ctx)
    assets = GpuAssetCache(gl_ctx, programs, 1)
    makeup = MakeupPass(PassResources(gl_ctx, programs, assets))
    head = head_proxy(astronaut_face)
    camera = astronaut_face.camera
    px = _pixels(astronaut_face)

    def box_of(*items: WornMakeup, cam: CameraIntrinsics = camera) -> tuple[int, int, int, int]:
        box = makeup.prepare([PassFace(astronaut_face, head, items)], cam)
        assert box is not None
        return box

    def holds(box: tuple[int, int, int, int], pts: NDArray[np.float64], slack: float) -> None:
        x, y, w, h = box
        assert x <= pts[:, 0].min() and x + w >= pts[:, 0].max()
        assert y <= pts[:, 1].min() and y + h >= pts[:, 1].max()
        assert w <= np.ptp(pts[:, 0]) + slack and h <= np.ptp(pts[:, 1]) + slack

    try:
        holds(box_of(_worn("lips", "#a32840")), px[list(CONTOURS["lips_outer"])], 30)
        holds(box_of(_worn("foundation", "#c99a76")), px[list(CONTOURS["silhouette"])], 8)
        # the same face in a frame whose right edge cuts through it
        cut = int(px[:, 0].mean())
        narrow = CameraIntrinsics(cut, camera.height, camera.fx, camera.fy, camera.cx, camera.cy)
        x, y, w, h = box_of(_worn("foundation", "#c99a76"), cam=narrow)
        assert x + w == cut and x >= 0 and y >= 0 and y + h <= camera.height
        none = PassFace(astronaut_face, head, (_worn("lips", "#a32840", 0.0),))
        assert makeup.prepare([none], camera) is None
    finally:
        makeup.release()
        assets.release()
        programs.release()


def test_a_catalog_look_draws_its_products_in_order(
    tmp_path: Path, renderer: Renderer, astronaut: Image, astronaut_face: FaceGeometry
) -> None:
    """Looks from a catalog, expanded and made worn items as the engine does: the same two
    products stacked in the two orders give different frames, and a look draws what its
    items draw in that order."""
    import json

    from tryon.catalog.catalog import Catalog
    from tryon.catalog.look import Look
    from tryon.render.kinds import worn_item

    common = {"brand": "tryon", "price": 9.0, "currency": "EUR", "category": "makeup"}
    products = {
        "deep-foundation": {**common, "makeup": {"area": "foundation", "color": "#4a2e20"}},
        "pink-blush": {**common, "makeup": {"area": "blush", "color": "#e02060"}},
    }
    looks = {"base-first": ("deep-foundation", "pink-blush")}
    looks["blush-first"] = looks["base-first"][::-1]
    for pid, items in looks.items():
        entries = [{"product": p, "intensity": 1.0} for p in items]
        products[pid] = {**common, "category": "look", "look": {"items": entries}}
    for pid, manifest in products.items():
        (tmp_path / pid).mkdir()
        data = {"id": pid, "name": pid, **manifest}
        (tmp_path / pid / "product.json").write_text(json.dumps(data))
    catalog = Catalog(tmp_path)

    def frame(look: Look) -> Image:
        items = tuple(
            worn_item(catalog.get(i.product_id), catalog.asset_for(i.product_id), i.intensity)
            for i in catalog.expand(look).items
        )
        return _render(renderer, astronaut, astronaut_face, *items)

    base_first = frame(Look.of("base-first"))
    blush_first = frame(Look.of("blush-first"))
    assert (base_first != blush_first).any(axis=2).sum() > 200
    assert np.array_equal(base_first, frame(Look.of("deep-foundation", "pink-blush")))
    assert not np.array_equal(base_first, astronaut)
