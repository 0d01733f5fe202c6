"""A headshot from one photo, stage by stage, each stage timed and each edit recorded.

Order: track the face (`Engine`), retouch the skin, relight the face, cut the person out and
put them in front of the backdrop, render the look's products (the same `Engine`), frame,
check (passport). The face's geometry is never changed: every edit is a per-pixel gain or a
local fill within the skin, so the mesh tracked on the result matches the one on the input.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType

import cv2
import numpy as np
from numpy.typing import NDArray

from tryon.catalog.catalog import Catalog
from tryon.catalog.look import Look
from tryon.engine import Engine, EngineOptions, StageTimer
from tryon.frames import validate_frame
from tryon.headshot.backdrop import Backdrop, composite, render_backdrop
from tryon.headshot.framing import PRESETS, Crop, FramingSpec, apply_crop, frame, head_geometry
from tryon.headshot.lighting import (
    LIGHTS,
    LightName,
    ShLight,
    estimate_light,
    relight,
    target_light,
    vertex_normals,
)
from tryon.headshot.metadata import Operation
from tryon.headshot.passport import Check, passport_checks
from tryon.headshot.regions import FaceRegions, face_regions
from tryon.headshot.retouch import remove_blemishes, smooth_skin, soften_under_eyes
from tryon.measure.sample import view_angles
from tryon.segmentation.person import MatteSource, SelfieMatte, person_matte
from tryon.tracking.camera import DEFAULT_HFOV_DEG
from tryon.tracking.geometry import FaceGeometry

__all__ = ["Headshot", "HeadshotError", "HeadshotMaker", "HeadshotOptions"]

#: Time between the engine's two calls on a photo (tracking, then products on the edited
#: photo), long enough that its smoothing does not hold the first result.
_FRAME_GAP_MS = 60_000


class HeadshotError(ValueError):
    """The photo cannot make a headshot (no face, several faces for an ID photo, ...)."""


@dataclass(frozen=True, slots=True)
class HeadshotOptions:
    """What to do; every strength is in [0, 1] and 0 leaves the pixels alone."""

    #: Framing; None keeps the photo's own frame.
    framing: FramingSpec | None = PRESETS["head-and-shoulders"]
    #: Output size (width, height) in pixels; None keeps the crop's own pixels.
    out_size: tuple[int, int] | None = None
    backdrop: Backdrop = field(default_factory=Backdrop)
    light: LightName = "soft-key"
    light_strength: float = 0.5
    smooth: float = 0.5
    blemishes: float = 1.0
    under_eyes: float = 0.0
    #: Products worn in the headshot, rendered by the engine.
    look: Look = field(default_factory=Look)

    def __post_init__(self) -> None:
        for name in ("light_strength", "smooth", "blemishes", "under_eyes"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], got {value!r}")
        if self.light not in LIGHTS:
            raise ValueError(f"unknown light {self.light!r}; expected one of {', '.join(LIGHTS)}")
        if self.out_size is not None and min(self.out_size) < 16:
            raise ValueError(f"the output size must be at least 16x16, got {self.out_size}")

    @property
    def passport(self) -> bool:
        return self.framing is not None and self.framing.name == "passport"


@dataclass(frozen=True, slots=True)
class Headshot:
    image: NDArray[np.uint8]
    operations: tuple[Operation, ...]
    #: Passport checks (empty for other framings).
    checks: tuple[Check, ...]
    #: Wall time per stage, ms, in order (plus ``"total"``).
    timings_ms: Mapping[str, float]
    crop: Crop
    #: The tracked face on the input photo.
    face: FaceGeometry
    #: The photo's light on the face before relighting.
    light: ShLight
    #: The person matte over the output.
    matte: NDArray[np.float32]


class HeadshotMaker:
    """Makes headshots: one matte model for all photos, an engine for each (see `make`)."""

    def __init__(
        self,
        *,
        hfov_deg: float = DEFAULT_HFOV_DEG,
        catalog: Catalog | None = None,
        mattes: Sequence[MatteSource] | None = None,
    ) -> None:
        self._engine_options = EngineOptions(max_faces=2, hfov_deg=hfov_deg)
        self._catalog = catalog
        self._selfie = SelfieMatte() if mattes is None else None
        self._mattes: Sequence[MatteSource] = mattes or (self._selfie,)  # type: ignore[assignment]

    def make(self, rgb: NDArray[np.uint8], options: HeadshotOptions) -> Headshot:
        """The headshot of ``rgb``. Each photo gets its own engine: the engine follows
        video, and what it saw in one photo must not steer where it looks in the next."""
        rgb = validate_frame(rgb)
        timer = StageTimer()
        with Engine(self._engine_options, catalog=self._catalog) as engine:
            with timer("tracking"):
                engine.process(rgb, timestamp_ms=0)
            result = engine.last_result
            faces = () if result is None else result.faces
            return self._make(engine, rgb, faces, options, timer)

    def _make(
        self,
        engine: Engine,
        rgb: NDArray[np.uint8],
        faces: tuple[FaceGeometry, ...],
        options: HeadshotOptions,
        timer: StageTimer,
    ) -> Headshot:
        ops: list[Operation] = []
        if not faces:
            raise HeadshotError("no face found in the photo")
        if options.passport and len(faces) > 1:
            raise HeadshotError(
                f"a passport photo shows one person; found {len(faces)} faces in the photo"
            )
        face = faces[0]
        with timer("regions"):
            try:
                regions = face_regions(rgb, face.observation.landmarks)
            except ValueError as exc:
                raise HeadshotError(str(exc)) from None
            normals = vertex_normals(face.vertices)
        out = rgb.copy()
        ys, xs = regions.slices
        with timer("retouch"):
            roi = out[ys, xs]
            if options.blemishes > 0:
                roi, spots = remove_blemishes(roi, regions, options.blemishes)
                ops.append(
                    Operation("blemishes", options.blemishes, f"{spots} small spot(s) filled")
                )
            if options.smooth > 0:
                roi = smooth_skin(roi, regions, options.smooth)
                ops.append(
                    Operation("smooth skin", options.smooth, "mid frequencies evened, pores kept")
                )
            if options.under_eyes > 0:
                roi = soften_under_eyes(roi, regions, options.under_eyes)
                ops.append(Operation("under-eyes", options.under_eyes, "shadows lifted"))
            out[ys, xs] = roi
        matte: NDArray[np.float32] | None = None
        replace_backdrop = options.backdrop.kind != "keep"
        if replace_backdrop or options.passport:  # the passport checks judge the background
            with timer("matte"):
                matte = person_matte(rgb, self._mattes, _kept_faces(rgb, faces, face, regions))
        with timer("light"):
            light = self._estimate(out, regions, normals)
            if options.light_strength > 0:
                target = target_light(options.light, light)
                person = None if matte is None else matte[ys, xs]
                out[ys, xs] = relight(
                    out, regions, normals, light, target, options.light_strength, person
                )
                ops.append(
                    Operation(
                        "relight", options.light_strength, f"toward {options.light}, linear light"
                    )
                )
        if matte is None:
            matte = np.ones(rgb.shape[:2], dtype=np.float32)
        if replace_backdrop:
            with timer("background"):
                head = head_geometry(face.observation.landmarks)
                radius = head.height / 2
                back = render_backdrop(
                    options.backdrop, rgb, matte, (head.center_x, float(head.eyes[1]), radius)
                )
                out = composite(out, matte, back)
                ops.append(Operation("background", None, options.backdrop.describe()))
        if options.look:
            with timer("products"):
                dressed = engine.process(out, options.look, timestamp_ms=_FRAME_GAP_MS)
                drawn = engine.last_result is not None and engine.last_result.faces
                out = dressed
                ids = ", ".join(options.look.product_ids)
                ops.append(
                    Operation(
                        "products",
                        None,
                        f"rendered {ids}" if drawn else f"not rendered ({ids}): face lost",
                    )
                )
        with timer("framing"):
            head = head_geometry(face.observation.landmarks)
            if options.framing is None:
                h, w = rgb.shape[:2]
                crop = Crop(0, 0, w, h, options.out_size or (w, h))
            else:
                crop = frame((rgb.shape[1], rgb.shape[0]), head, options.framing, options.out_size)
            if crop.out_size != (rgb.shape[1], rgb.shape[0]) or crop.width != rgb.shape[1]:
                out = apply_crop(out, crop)
                matte = _crop_matte(matte, crop)
                name = "crop" if options.framing is None else options.framing.name
                ops.append(
                    Operation(
                        "frame",
                        None,
                        f"{name}: {crop.width}x{crop.height} at ({crop.x0}, {crop.y0})"
                        f" -> {crop.out_size[0]}x{crop.out_size[1]}",
                    )
                )
        checks: list[Check] = []
        if options.passport:
            with timer("checks"):
                lm = face.observation.landmarks.astype(np.float64)
                mapped = np.concatenate([crop.map_points(lm[:, :2]), lm[:, 2:]], axis=1)
                angles = view_angles(face.rotation, face.translation)
                checks = passport_checks(mapped.astype(np.float32), angles, out, matte <= 0.0)
            if options.smooth > 0 or options.blemishes > 0 or options.under_eyes > 0:
                checks.append(
                    Check(
                        "not retouched",
                        False,
                        "ICAO 9303 asks for an unaltered likeness: set --smooth, --blemishes"
                        " and --under-eyes to 0 for an ID photo",
                    )
                )
        return Headshot(out, tuple(ops), tuple(checks), timer.done(), crop, face, light, matte)

    def _estimate(
        self, rgb: NDArray[np.uint8], regions: FaceRegions, normals: NDArray[np.float64]
    ) -> ShLight:
        try:
            return estimate_light(rgb, regions, normals)
        except ValueError as exc:
            raise HeadshotError(str(exc)) from None

    def close(self) -> None:
        if self._selfie is not None:
            self._selfie.close()

    def __enter__(self) -> HeadshotMaker:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _kept_faces(
    rgb: NDArray[np.uint8],
    faces: tuple[FaceGeometry, ...],
    face: FaceGeometry,
    regions: FaceRegions,
) -> list[NDArray[np.bool_]]:
    """Every tracked face's oval, grown by 5 % of its eye-corner distance: the matte keeps
    these whole, so no face pixel is ever mixed with the backdrop."""
    kept = []
    for f in faces:
        r = regions if f is face else face_regions(rgb, f.observation.landmarks)
        mask = np.zeros(rgb.shape[:2], dtype=np.uint8)
        mask[r.slices] = r.face > 0
        grow = 2 * max(1, round(0.05 * r.face_width)) + 1
        disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (grow, grow))
        kept.append(np.asarray(cv2.dilate(mask, disk)) > 0)
    return kept


def _crop_matte(matte: NDArray[np.float32], crop: Crop) -> NDArray[np.float32]:
    part = matte[crop.y0 : crop.y0 + crop.height, crop.x0 : crop.x0 + crop.width]
    if crop.out_size == (crop.width, crop.height):
        return np.ascontiguousarray(part)
    out = cv2.resize(part, crop.out_size, interpolation=cv2.INTER_LINEAR)
    return np.asarray(out, dtype=np.float32)
