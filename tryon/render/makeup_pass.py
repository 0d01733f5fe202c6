"""The makeup pass: lipstick, eyeshadow, liner, mascara, brows, cheeks, foundation, concealer
and coloured contacts, painted on the camera image of each tracked face.

Each region is a feathered mask painted once in the face mesh's UV space
(:mod:`tryon.render.makeup_regions`). Per frame each face's tracked mesh (478 vertices, UVs
and normals) is drawn once, without its eye and mouth openings; the fragment shader
(``shaders/makeup.frag``) applies the face's layers in look order in linear light, shaded by
the bare skin or lips under them, so texture and lighting stay. Gloss and metallic follow the
mesh's normals and a light from above the camera; shimmer's flakes are fixed in UV space.
Coloured contacts are drawn on each eye's opening triangles, inside the iris circle (from
the iris landmarks) and outside the pupil. Items at intensity 0 are not drawn at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum
from functools import lru_cache

import moderngl
import numpy as np
from numpy.typing import NDArray

from tryon.catalog.makeup import MakeupParams
from tryon.render.makeup_regions import MASK_SIZE, Layer, region_masks, triangle_layers
from tryon.render.passes import (
    DrawContext,
    PassFace,
    PassResources,
    RenderPass,
    Stage,
    check_intensity,
)
from tryon.render.target import Box
from tryon.render.uniforms import set_array, set_matrix, set_uniform
from tryon.tracking.camera import CameraIntrinsics
from tryon.tracking.canonical import load_canonical_face
from tryon.tracking.face_regions import opening_masks

__all__ = ["MAX_LAYERS", "MakeupPass", "WornMakeup", "srgb_to_linear"]

#: Most layers one face wears at once (a look of 16 eyeshadows of 3 zones each).
MAX_LAYERS = 48
#: Toward the light, camera space: above and in front of the face.
_LIGHT = (0.0, 0.55 / float(np.hypot(0.55, 1.0)), 1.0 / float(np.hypot(0.55, 1.0)))
#: Draws per face for its skin layers, at most (see ``_grouping``).
_MAX_GROUPS = 10
#: Pixels of margin around the face mesh's projection.
_MARGIN_PX = 2
#: Bare skin where the face's reference colour is read (cheeks, forehead, glabella).
_SKIN_POINTS = (50, 280, 101, 330, 151, 108, 337, 9)
#: The lips' bodies: midpoints of these outer/inner contour pairs.
_LIP_PAIRS = ((0, 13), (17, 14), (84, 87), (314, 317))
#: Each eye's iris landmarks: its centre, then four points on its edge.
_IRISES = ((468, 469, 470, 471, 472), (473, 474, 475, 476, 477))
#: Where the iris ring's reference colour is read, from the centre toward the edge.
_IRIS_RING = 0.65


class Mode(IntEnum):
    """How a layer's colour combines with the skin (see ``shaders/makeup.frag``)."""

    TINT = 0
    MULTIPLY = 1
    HUE = 2
    GLOW = 3


class Base(IntEnum):
    """What a layer is shaded against (see ``shaders/makeup.frag``)."""

    SKIN = 0
    LIPS = 1
    #: The skin, fading where the pixel is not skin-like (hair over the face, a hand).
    BARE_SKIN = 2


_FINISH_CODE = {"matte": 0, "satin": 1, "gloss": 2, "metallic": 3, "shimmer": 4}


@dataclass(frozen=True, slots=True)
class _AreaStyle:
    """How an area is drawn: blend mode, opacity at intensity 1, what it is shaded against."""

    mode: Mode
    opacity: float
    base: Base = Base.SKIN


_STYLES: dict[str, _AreaStyle] = {
    "lips": _AreaStyle(Mode.TINT, 0.82, Base.LIPS),
    "lip-liner": _AreaStyle(Mode.TINT, 0.9, Base.LIPS),
    "eyeshadow": _AreaStyle(Mode.TINT, 0.6),
    "eyeliner": _AreaStyle(Mode.TINT, 0.95),
    "mascara": _AreaStyle(Mode.MULTIPLY, 0.95),
    "contacts": _AreaStyle(Mode.TINT, 0.7),
    "brows": _AreaStyle(Mode.MULTIPLY, 0.6),
    "blush": _AreaStyle(Mode.HUE, 0.32, Base.BARE_SKIN),
    "contour": _AreaStyle(Mode.MULTIPLY, 0.55, Base.BARE_SKIN),
    "highlighter": _AreaStyle(Mode.GLOW, 0.55, Base.BARE_SKIN),
    "foundation": _AreaStyle(Mode.TINT, 0.45, Base.BARE_SKIN),
    "concealer": _AreaStyle(Mode.TINT, 0.45, Base.BARE_SKIN),
}

_AREA_LAYER: dict[str, Layer] = {
    "lips": Layer.LIPS,
    "lip-liner": Layer.LIP_LINER,
    "mascara": Layer.LASHES,
    "brows": Layer.BROWS,
    "blush": Layer.BLUSH,
    "contour": Layer.CONTOUR,
    "highlighter": Layer.HIGHLIGHT,
    "foundation": Layer.FOUNDATION,
    "concealer": Layer.CONCEALER,
}

_WING_LAYER = {
    "none": Layer.LINER_NONE,
    "classic": Layer.LINER_CLASSIC,
    "dramatic": Layer.LINER_DRAMATIC,
}


def srgb_to_linear(hex_color: str) -> tuple[float, float, float]:
    """``#rrggbb`` as linear RGB in [0, 1]."""
    c = np.array([int(hex_color[i : i + 2], 16) for i in (1, 3, 5)], dtype=np.float64) / 255.0
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return (float(lin[0]), float(lin[1]), float(lin[2]))


@dataclass(frozen=True, slots=True)
class WornMakeup:
    """A makeup product as worn: its parameters and ``intensity`` (0 = not drawn at all,
    1 = the area's full opacity)."""

    params: MakeupParams
    intensity: float = 1.0

    def __post_init__(self) -> None:
        check_intensity("WornMakeup", self.intensity)

    def layers(self) -> tuple[tuple[Layer | None, str], ...]:
        """The mask layers it paints and the sRGB colour of each (contacts: no mask, they
        are drawn on the irises)."""
        p = self.params
        if p.area == "eyeshadow":
            zones: tuple[tuple[Layer, str | None], ...] = (
                (Layer.LID, p.color),
                (Layer.CREASE, p.crease_color),
                (Layer.OUTER_CORNER, p.outer_color),
            )
            return tuple((layer, color) for layer, color in zones if color is not None)
        if p.area == "eyeliner":
            return ((_WING_LAYER[p.effective_wing], p.color),)
        if p.area == "contacts":
            return ((None, p.color),)
        return ((_AREA_LAYER[p.area], p.color),)


@dataclass(frozen=True, slots=True)
class _Entry:
    """One layer to draw: a mask layer (None: the irises) and how it is painted."""

    layer: Layer | None
    mode: Mode
    finish: int
    base: Base
    color: tuple[float, float, float]  # linear RGB
    opacity: float


def _entries(items: Sequence[WornMakeup]) -> list[_Entry]:
    """The items' layers in look order (intensity 0: none), at most MAX_LAYERS."""
    out = []
    for item in items:
        if item.intensity <= 0.0:
            continue
        p = item.params
        style = _STYLES[p.area]
        for layer, color in item.layers():
            out.append(
                _Entry(
                    layer,
                    style.mode,
                    _FINISH_CODE[p.effective_finish],
                    style.base,
                    srgb_to_linear(color),
                    style.opacity * item.intensity,
                )
            )
    return out[:MAX_LAYERS]


def _finish_defines(entries: Sequence[_Entry]) -> dict[str, bool]:
    """The finishes to compile in for ``entries`` (matte costs nothing)."""
    present = {e.finish for e in entries}
    return {name.upper(): code in present for name, code in _FINISH_CODE.items() if code}


class _Layers:
    """The per-layer uniform arrays of one draw (GLSL arrays of MAX_LAYERS), filled once."""

    def __init__(self, entries: Sequence[_Entry]) -> None:
        self.count = len(entries)
        self.kind = np.zeros((MAX_LAYERS, 4), np.int32)
        self.paint = np.zeros((MAX_LAYERS, 4), np.float32)
        for i, e in enumerate(entries):
            layer = -1 if e.layer is None else int(e.layer)
            self.kind[i] = (layer, int(e.mode), e.finish, int(e.base))
            self.paint[i] = (*e.color, e.opacity)

    def write(self, program: moderngl.Program) -> None:
        set_uniform(program, "u_count", self.count)
        set_array(program, "u_kind", self.kind)
        set_array(program, "u_paint", self.paint)


@dataclass(frozen=True, slots=True)
class _Group:
    """Skin triangles touched by the same layers: a range of the plan's index buffer."""

    first: int
    count: int
    layers: _Layers
    program: moderngl.Program
    vao: moderngl.VertexArray


@dataclass(frozen=True, slots=True)
class _Plan:
    """How one look's skin layers are drawn: the skin triangles that any of its layers
    touches, sorted into groups by the layers touching them (each fragment then loops over
    its own group's layers only), in one index buffer."""

    ibo: moderngl.Buffer
    groups: tuple[_Group, ...]
    #: The vertices of the triangles drawn (what the pass's box must hold).
    vertex_ids: NDArray[np.int32]

    def objects(self) -> tuple[moderngl.Buffer | moderngl.VertexArray, ...]:
        vaos = {id(g.vao): g.vao for g in self.groups}
        return (self.ibo, *vaos.values())


@dataclass(slots=True)
class _FaceDraw:
    """One face's makeup this frame: its mesh data and reference points (frame pixels)."""

    mesh: NDArray[np.float32]  # (478, 6): camera-space position and normal
    skin_points: NDArray[np.int32]  # (8, 2)
    lip_points: NDArray[np.int32]  # (4, 2)
    plan: _Plan | None
    contacts: _Layers | None
    irises: list[tuple[NDArray[np.float64], float, NDArray[np.int32]]]  # per eye


def _vertex_normals(
    vertices: NDArray[np.float32], triangles: NDArray[np.int32]
) -> NDArray[np.float64]:
    """Area-weighted vertex normals (outward: triangles are counter-clockwise outside)."""
    v = vertices.astype(np.float64)
    t = triangles
    face = np.cross(v[t[:, 1]] - v[t[:, 0]], v[t[:, 2]] - v[t[:, 0]])
    out = np.zeros_like(v)
    for k in range(3):
        idx = t[:, k]
        for axis in range(3):
            out[:, axis] += np.bincount(idx, weights=face[:, axis], minlength=len(v))
    norm = np.linalg.norm(out, axis=1, keepdims=True)
    normals: NDArray[np.float64] = out / np.maximum(norm, 1e-12)
    return normals


@lru_cache(maxsize=16)
def _grouping(layers: tuple[int, ...]) -> list[tuple[NDArray[np.intp], NDArray[np.bool_]]]:
    """The skin triangles that ``layers`` (mask layers in look order) touch, in groups:
    each group's triangles (indices into the skin triangles) and which of the layers it
    draws. Triangles touched by the same layers start in one group; then the pair of groups
    whose merging adds the least fragment work (UV area times layers looped over) is merged,
    until at most ``_MAX_GROUPS`` draws remain."""
    canonical = load_canonical_face()
    skin = _skin_triangles()
    touches = triangle_layers()[skin][:, list(layers)]
    uv = canonical.uvs[canonical.triangles[skin]].astype(np.float64)
    edge1, edge2 = uv[:, 1] - uv[:, 0], uv[:, 2] - uv[:, 0]
    area = 0.5 * np.abs(edge1[:, 0] * edge2[:, 1] - edge1[:, 1] * edge2[:, 0])
    found: dict[bytes, list[int]] = {}
    for t, key in enumerate(np.packbits(touches, axis=1)):
        if touches[t].any():
            found.setdefault(key.tobytes(), []).append(t)
    members = [np.array(tris) for tris in found.values()]
    on = np.array([touches[tris[0]] for tris in members], dtype=bool).reshape(-1, len(layers))
    sizes = np.array([area[tris].sum() for tris in members], dtype=np.float64)
    while len(members) > _MAX_GROUPS:
        work = sizes * on.sum(axis=1)
        union = (on[:, None, :] | on[None, :, :]).sum(axis=2)
        extra = (sizes[:, None] + sizes[None, :]) * union - work[:, None] - work[None, :]
        extra[np.tril_indices(len(members))] = np.inf
        i, j = np.unravel_index(int(np.argmin(extra)), extra.shape)
        members[i] = np.concatenate([members[i], members[j]])
        on[i] |= on[j]
        sizes[i] += sizes[j]
        del members[j]
        on = np.delete(on, j, axis=0)
        sizes = np.delete(sizes, j)
    return list(zip(members, on, strict=True))


@lru_cache(maxsize=1)
def _skin_triangles() -> NDArray[np.bool_]:
    """Which canonical triangles are skin (not closing the eyes or the mouth)."""
    openings = opening_masks(load_canonical_face().triangles)
    skin: NDArray[np.bool_] = ~(openings["mouth"] | openings["right_eye"] | openings["left_eye"])
    return skin


class MakeupPass(RenderPass[WornMakeup]):
    """Draws :class:`WornMakeup` on the face image (masks uploaded on first use; a look's
    plan made when it is first worn and kept while it is among the last few worn)."""

    stages = (Stage.FACE_IMAGE,)
    #: Looks whose plans are kept (beyond this all are dropped and remade on demand).
    MAX_PLANS = 8

    def __init__(self, resources: PassResources) -> None:
        super().__init__(resources)
        canonical = load_canonical_face()
        triangles = canonical.triangles
        openings = opening_masks(triangles)
        self._triangles = triangles
        self._contacts_program = self.programs.get("makeup", "makeup", {"CONTACTS": True})
        ctx = self.ctx
        self._masks: moderngl.TextureArray | None = None
        self._mesh_vbo = ctx.buffer(reserve=canonical.vertices.size * 2 * 4, dynamic=True)
        self._uv_vbo = ctx.buffer(np.ascontiguousarray(canonical.uvs, dtype=np.float32))
        eyes = [triangles[openings[eye]] for eye in ("right_eye", "left_eye")]
        self._eye_ibos = [ctx.buffer(np.ascontiguousarray(e, dtype=np.int32)) for e in eyes]
        self._eye_vaos = [self._mesh_vao(self._contacts_program, ibo) for ibo in self._eye_ibos]
        self._eye_vertex_ids = [np.unique(e) for e in eyes]
        self._plans: dict[tuple[WornMakeup, ...], _Plan] = {}
        self._swatch_programs: dict[tuple[bool, int], moderngl.Program] = {}
        self._swatch_vaos: dict[tuple[bool, int], moderngl.VertexArray] = {}
        self._draws: list[_FaceDraw] = []

    # ------------------------------------------------------------------ RenderPass

    def prepare(
        self, faces: Sequence[PassFace[WornMakeup]], camera: CameraIntrinsics
    ) -> Box | None:
        self._draws = []
        boxes: list[NDArray[np.float64]] = []
        for f in faces:
            worn = [i for i in f.items if i.intensity > 0.0]
            skin = tuple(i for i in worn if i.params.area != "contacts")
            contacts = _entries([i for i in worn if i.params.area == "contacts"])
            plan = self._plan(skin) if skin else None
            if (plan is None or not plan.groups) and not contacts:
                continue
            vertices = f.face.vertices
            if (vertices[:, 2] > -0.01).any():  # at or behind the camera: nothing sensible
                continue
            px = camera.project(vertices).astype(np.float64)
            mesh = np.concatenate([vertices, _vertex_normals(vertices, self._triangles)], axis=1)
            lips = np.stack([(px[a] + px[b]) * 0.5 for a, b in _LIP_PAIRS])
            self._draws.append(
                _FaceDraw(
                    mesh=np.ascontiguousarray(mesh, dtype=np.float32),
                    skin_points=self._pixels(px[list(_SKIN_POINTS)], camera),
                    lip_points=self._pixels(lips, camera),
                    plan=plan,
                    contacts=_Layers(contacts) if contacts else None,
                    irises=self._irises(px, camera) if contacts else [],
                )
            )
            if plan is not None:
                boxes.append(px[plan.vertex_ids])
            if contacts:
                boxes += [px[ids] for ids in self._eye_vertex_ids]
        if not boxes:
            return None
        pts = np.concatenate(boxes)
        x0 = max(int(np.floor(pts[:, 0].min())) - _MARGIN_PX, 0)
        y0 = max(int(np.floor(pts[:, 1].min())) - _MARGIN_PX, 0)
        x1 = min(int(np.ceil(pts[:, 0].max())) + _MARGIN_PX, camera.width)
        y1 = min(int(np.ceil(pts[:, 1].max())) + _MARGIN_PX, camera.height)
        if x1 <= x0 or y1 <= y0:
            self._draws = []
            return None
        return (x0, y0, x1 - x0, y1 - y0)

    def draw(self, stage: Stage, dc: DrawContext) -> None:
        if stage != Stage.FACE_IMAGE or not self._draws:
            return
        frame = dc.frame.texture
        if frame is None:
            return
        offset = (dc.box[0], dc.box[1])
        frame.use(0)
        self._mask_texture().use(1)
        programs = {id(g.program): g.program for d in self._draws if d.plan for g in d.plan.groups}
        programs[id(self._contacts_program)] = self._contacts_program
        for program in programs.values():
            set_matrix(program, "u_projection", dc.projection)
            set_uniform(program, "u_frame", 0)
            set_uniform(program, "u_masks", 1)
            set_uniform(program, "u_offset", offset)
            set_uniform(program, "u_light", _LIGHT)
        dc.ctx.enable(moderngl.DEPTH_TEST)
        dc.ctx.depth_func = "<="
        try:
            for d in self._draws:
                self._mesh_vbo.write(d.mesh)
                for program in programs.values():
                    set_array(program, "u_skin_points", d.skin_points)
                if d.plan is not None:
                    self._draw_plan(d.plan, d.lip_points)
                if d.contacts is not None:
                    self._draw_contacts(d, d.contacts, offset)
        finally:
            dc.ctx.depth_func = "<"
            dc.ctx.disable(moderngl.DEPTH_TEST)

    def thumbnail(self, item: WornMakeup, dc: DrawContext) -> None:
        """A round swatch of the item's colour and finish (eyeshadow: a sector per zone;
        contacts: an iris with its pupil)."""
        entries = _entries([WornMakeup(item.params, 1.0)])
        key = (item.params.area == "contacts", entries[0].finish)
        program = self._swatch_programs.get(key)
        if program is None:
            defines = {"SWATCH": True, "SWATCH_IRIS": key[0], **_finish_defines(entries)}
            program = self.programs.get("fullscreen", "makeup", defines)
            self._swatch_programs[key] = program
            self._swatch_vaos[key] = self.ctx.vertex_array(program, [])
        _Layers(entries).write(program)
        set_uniform(program, "u_size", float(dc.box[2]))
        set_uniform(program, "u_light", _LIGHT)
        self._swatch_vaos[key].render(moderngl.TRIANGLES, vertices=3)

    def objects(self) -> tuple[object, ...]:
        objs: list[object] = [self._mesh_vbo, self._uv_vbo, *self._eye_ibos, *self._eye_vaos]
        objs += list(self._swatch_vaos.values())
        for plan in self._plans.values():
            objs += list(plan.objects())
        if self._masks is not None:
            objs.append(self._masks)
        return tuple(objs)

    def release(self) -> None:
        for obj in self.objects():
            obj.release()  # type: ignore[attr-defined]  # every object has release()
        self._plans.clear()
        self._swatch_vaos.clear()
        self._swatch_programs.clear()
        self._masks = None
        self._draws = []

    # ------------------------------------------------------------------ internals

    def _plan(self, items: tuple[WornMakeup, ...]) -> _Plan:
        """The plan of a face's skin items (made on first use)."""
        plan = self._plans.get(items)
        if plan is not None:
            return plan
        if len(self._plans) >= self.MAX_PLANS:
            for old in self._plans.values():
                for obj in old.objects():
                    obj.release()
            self._plans.clear()
        entries = _entries(items)
        skin = self._triangles[_skin_triangles()]
        layers = [int(e.layer) for e in entries if e.layer is not None]  # skin: all have one
        ordered = _grouping(tuple(layers))
        indices = np.concatenate([skin[tris] for tris, _ in ordered]) if ordered else skin[:0]
        data = np.ascontiguousarray(indices, dtype=np.int32)
        ibo = self.ctx.buffer(data) if data.size else self.ctx.buffer(reserve=4)
        vaos: dict[int, moderngl.VertexArray] = {}
        made = []
        first = 0
        for tris, on_group in ordered:
            chosen = [e for e, on in zip(entries, on_group, strict=True) if on]
            program = self.programs.get("makeup", "makeup", _finish_defines(chosen))
            vao = vaos.get(id(program))
            if vao is None:
                vao = vaos[id(program)] = self._mesh_vao(program, ibo)
            made.append(_Group(first, 3 * len(tris), _Layers(chosen), program, vao))
            first += 3 * len(tris)
        plan = _Plan(ibo, tuple(made), np.unique(indices))
        self._plans[items] = plan
        return plan

    def _mesh_vao(self, program: moderngl.Program, ibo: moderngl.Buffer) -> moderngl.VertexArray:
        return self.ctx.vertex_array(
            program,
            [(self._mesh_vbo, "3f 3f", "in_position", "in_normal"), (self._uv_vbo, "2f", "in_uv")],
            index_buffer=ibo,
            index_element_size=4,
            skip_errors=True,  # the contacts program reads no normals or UVs
        )

    def _mask_texture(self) -> moderngl.TextureArray:
        if self._masks is None:
            masks = region_masks()
            tex = self.ctx.texture_array((MASK_SIZE, MASK_SIZE, len(masks)), 1, masks.tobytes())
            tex.filter = (moderngl.LINEAR, moderngl.LINEAR)
            tex.repeat_x = tex.repeat_y = False
            self._masks = tex
        return self._masks

    @staticmethod
    def _pixels(points: NDArray[np.float64], camera: CameraIntrinsics) -> NDArray[np.int32]:
        """Frame pixels nearest ``points``, inside the frame."""
        xy = np.floor(points).astype(np.int64)
        xy[:, 0] = np.clip(xy[:, 0], 0, camera.width - 1)
        xy[:, 1] = np.clip(xy[:, 1], 0, camera.height - 1)
        return np.ascontiguousarray(xy, dtype=np.int32)

    def _irises(
        self, px: NDArray[np.float64], camera: CameraIntrinsics
    ) -> list[tuple[NDArray[np.float64], float, NDArray[np.int32]]]:
        """Per eye opening (right, left): its iris centre and radius (pixels) and where
        the iris ring's colour is read."""
        out = []
        for ids in self._eye_vertex_ids:
            eye_center = px[ids].mean(axis=0)
            iris = min(_IRISES, key=lambda i: float(np.linalg.norm(px[i[0]] - eye_center)))
            center = px[iris[0]]
            edge = px[list(iris[1:])]
            radius = float(np.linalg.norm(edge - center, axis=1).mean())
            ring = center + (edge - center) * _IRIS_RING
            out.append((center, radius, self._pixels(ring, camera)))
        return out

    @staticmethod
    def _draw_plan(plan: _Plan, lip_points: NDArray[np.int32]) -> None:
        for group in plan.groups:
            set_array(group.program, "u_feature_points", lip_points)
            group.layers.write(group.program)
            group.vao.render(moderngl.TRIANGLES, vertices=group.count, first=group.first)

    def _draw_contacts(self, d: _FaceDraw, layers: _Layers, offset: tuple[int, int]) -> None:
        program = self._contacts_program
        layers.write(program)
        for vao, (center, radius, ring) in zip(self._eye_vaos, d.irises, strict=True):
            if radius < 0.5:
                continue
            at = (float(center[0] - offset[0]), float(center[1] - offset[1]))
            set_uniform(program, "u_iris_center", at)
            set_uniform(program, "u_iris_radius", radius)
            set_array(program, "u_feature_points", ring)
            vao.render(moderngl.TRIANGLES)
