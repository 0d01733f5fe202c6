"""Parametric eyewear: a GLB built from the frame's size markings ("52□18-140") and a style.

Geometry follows the boxed system: each lens is exactly ``lens_width`` wide and
``lens_height`` tall, the two lenses are ``bridge`` apart at their nasal edges, and each temple
measures ``temple_length`` along its centre line from the hinge to the tip. Frame axes are the
eyewear convention of :mod:`tryon.catalog.asset` (metres, origin at the bridge, +X wearer's
left, +Y up, +Z toward the viewer, temples toward -Z).

Nodes: ``glasses`` > ``frame_front`` (rims, bridge, hinges, pads) > ``lens_left``,
``lens_right`` and the empty anchors ``bridge``, ``hinge_left``, ``hinge_right``;
``glasses`` > ``temple_left``/``temple_right`` (origin at the hinge, so a rotation about the
node's Y axis folds it) > ``temple_bend_*``, ``temple_end_*``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
from numpy.typing import NDArray

from tryon.catalog.asset import Material, Texture
from tryon.catalog.glb_writer import NodeSpec, write_glb
from tryon.catalog.meshgen import (
    MeshData,
    ellipsoid,
    lens_cap,
    merge,
    resample_closed,
    rotation_y,
    sweep,
)
from tryon.catalog.textures import lens_gradient, tortoiseshell

__all__ = [
    "FINISHES",
    "STYLES",
    "TINTS",
    "Finish",
    "GlassesSpec",
    "LensTint",
    "Style",
    "Tint",
    "build_glasses",
    "lens_outline",
    "srgb_to_linear",
]

Style = Literal["round", "rectangle", "aviator", "cat-eye", "browline", "rimless"]
Finish = Literal["acetate", "tortoiseshell", "metal"]
Tint = Literal["clear", "grey", "brown", "gradient", "mirror"]
STYLES: tuple[Style, ...] = get_args(Style)
FINISHES: tuple[Finish, ...] = get_args(Finish)

F64 = NDArray[np.float64]
MM = 1e-3
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
_OUTLINE_POINTS = 96
_LENS_CURVE_RADIUS = 0.10  # about a 5-base front curve
_PAD_STYLES = ("aviator", "browline", "rimless")


@dataclass(frozen=True, slots=True)
class LensTint:
    """How a tint looks: sRGB colour, transmission, and the fallback alpha."""

    colour: str
    transmission: float
    alpha: float
    gradient: bool = False
    mirror: bool = False


TINTS: dict[Tint, LensTint] = {
    "clear": LensTint("#f8fafc", transmission=1.0, alpha=0.08),
    "grey": LensTint("#5a5d60", transmission=1.0, alpha=0.72),
    "brown": LensTint("#6e4a2a", transmission=1.0, alpha=0.68),
    "gradient": LensTint("#4a4644", transmission=1.0, alpha=0.75, gradient=True),
    "mirror": LensTint("#9ab4d8", transmission=0.35, alpha=0.9, mirror=True),
}

_RANGES_MM = {
    "lens_width_mm": (30.0, 75.0),
    "bridge_mm": (10.0, 30.0),
    "temple_length_mm": (110.0, 165.0),
    "lens_height_mm": (20.0, 65.0),
}


@dataclass(frozen=True, slots=True)
class GlassesSpec:
    """Everything the generator needs; sizes in millimetres, colours as sRGB ``#rrggbb``."""

    style: Style = "rectangle"
    lens_width_mm: float = 52.0
    bridge_mm: float = 18.0
    temple_length_mm: float = 140.0
    lens_height_mm: float = 40.0
    finish: Finish = "acetate"
    colour: str = "#1b1b1d"
    metal_colour: str = "#c9c9cc"
    tint: Tint = "grey"

    def __post_init__(self) -> None:
        if self.style not in STYLES:
            raise ValueError(f"GlassesSpec.style must be one of {STYLES}, got {self.style!r}")
        if self.finish not in FINISHES:
            raise ValueError(f"GlassesSpec.finish must be one of {FINISHES}, got {self.finish!r}")
        if self.tint not in TINTS:
            raise ValueError(f"GlassesSpec.tint must be one of {tuple(TINTS)}, got {self.tint!r}")
        for name, (lo, hi) in _RANGES_MM.items():
            value = getattr(self, name)
            if not lo <= value <= hi:
                raise ValueError(f"GlassesSpec.{name} must be in [{lo}, {hi}] mm, got {value!r}")
        for name in ("colour", "metal_colour"):
            value = getattr(self, name)
            if not _HEX.match(value):
                raise ValueError(f"GlassesSpec.{name} must be sRGB '#rrggbb', got {value!r}")

    @property
    def marking(self) -> str:
        """The size marking printed inside a temple, e.g. ``52□18-140``."""
        return f"{self.lens_width_mm:g}□{self.bridge_mm:g}-{self.temple_length_mm:g}"


def srgb_to_linear(hex_colour: str) -> tuple[float, float, float]:
    """``#rrggbb`` (sRGB) to linear RGB floats, as glTF colour factors want."""
    c = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)]) / 255.0
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return (float(lin[0]), float(lin[1]), float(lin[2]))


def lens_outline(style: Style, width: float, height: float) -> F64:
    """The left lens's outline (K, 2), counter-clockwise, its box exactly ``width`` x
    ``height`` and centred at the origin; +x is the temporal side, -x the nasal side."""
    t = np.linspace(0.0, 2.0 * np.pi, 720, endpoint=False)
    c, s = np.cos(t), np.sin(t)
    top = s > 0
    exponent = {
        "round": np.full_like(t, 2.0),
        "rectangle": np.full_like(t, 4.5),
        "aviator": np.where(top, 4.0, 2.4),
        "cat-eye": np.where(top, 3.2, 2.6),
        "browline": np.where(top, 5.0, 2.6),
        "rimless": np.full_like(t, 3.2),
    }[style]
    x = np.sign(c) * np.abs(c) ** (2.0 / exponent)
    y = np.sign(s) * np.abs(s) ** (2.0 / exponent)
    if style == "aviator":  # teardrop: full at the temple, the lower nasal side cut away
        nasal_low = np.clip(-c, 0.0, None) * np.clip(-s, 0.0, None)
        x = x * (1.0 - 0.45 * nasal_low**1.2)
        y = np.where(top, y, y * (1.0 + 0.25 * np.clip(c + 0.3, 0.0, None)))
    elif style == "cat-eye":  # upper temporal corner swept up and out, a flatter bottom
        wing = np.exp(-((((t - 0.75 + np.pi) % (2 * np.pi) - np.pi) / 0.6) ** 2))
        y = np.where(top, y, y * 0.85) + 0.35 * wing
        x = x + 0.05 * wing
    pts = resample_closed(np.stack([x, y], axis=1), _OUTLINE_POINTS)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    out: F64 = (pts - (lo + hi) / 2.0) / (hi - lo) * np.array([width, height])
    return out


def build_glasses(spec: GlassesSpec) -> bytes:
    """The GLB bytes of the glasses described by ``spec``."""
    return write_glb([_Glasses(spec).root()], generator=f"tryon eyewear_gen {spec.marking}")


class _Glasses:
    """The parts of one pair of glasses, laid out from a spec."""

    def __init__(self, spec: GlassesSpec) -> None:
        self.spec = spec
        self.w, self.h = spec.lens_width_mm * MM, spec.lens_height_mm * MM
        self.lens_y = -0.22 * self.h  # the bridge sits in the lenses' upper part
        self.lens_z = -_sag_at(self.w / 2)  # nasal lens edges level with the bridge
        self.outline = lens_outline(spec.style, self.w, self.h)
        self.frame_mat = _frame_material(spec)
        self.metal_mat = Material(
            name="metal",
            base_color=(*srgb_to_linear(spec.metal_colour), 1.0),
            metallic=1.0,
            roughness=0.22,
        )
        self.tip_mat = Material(
            name="temple_tip", base_color=(0.02, 0.02, 0.02, 1.0), metallic=0.0, roughness=0.35
        )
        self.pad_mat = Material(
            name="nose_pad", base_color=(0.85, 0.87, 0.88, 1.0), metallic=0.0, roughness=0.3
        )
        self.lens_mat = _lens_material(spec.tint)

    # -- layout -------------------------------------------------------------------------

    @property
    def rim(self) -> Literal["thick", "wire", "browline", "none"]:
        if self.spec.style == "rimless":
            return "none"
        if self.spec.style == "browline":
            return "browline"
        return "wire" if self.spec.finish == "metal" else "thick"

    @property
    def rim_size(self) -> tuple[float, float, float]:
        """Rim section half width (in the lens plane), half depth, centre-line offset."""
        return {
            "thick": (2.4 * MM, 2.0 * MM, 1.4 * MM),
            "wire": (0.75 * MM, 0.75 * MM, 0.4 * MM),
            "browline": (0.6 * MM, 0.6 * MM, 0.3 * MM),
            "none": (0.0, 0.0, 0.0),
        }[self.rim]

    def lens_centre(self, side: int) -> F64:
        """Centre of the lens box; ``side`` +1 wearer's left (+X), -1 right."""
        x = side * (self.spec.bridge_mm * MM + self.w) / 2.0
        return np.array([x, self.lens_y, self.lens_z])

    def side_outline(self, side: int) -> F64:
        """Lens outline in lens coordinates for ``side``, counter-clockwise seen from +Z; the
        right one is the left one mirrored, from the same first point (so that meshes that
        take every n-th point take mirrored points)."""
        if side > 0:
            return self.outline
        mirrored: F64 = np.roll(self.outline[::-1], 1, axis=0) * np.array([-1.0, 1.0])
        return mirrored

    def rim_path(self, side: int) -> F64:
        """Rim centre line (K, 3) in frame coordinates: the outline pushed outward, on the lens
        surface's curve."""
        pts = self.side_outline(side)
        tangent = np.roll(pts, -1, axis=0) - np.roll(pts, 1, axis=0)
        outward = np.stack([tangent[:, 1], -tangent[:, 0]], axis=1)
        outward /= np.linalg.norm(outward, axis=1, keepdims=True)
        pts = pts + self.rim_size[2] * outward
        z = _sag(pts)
        path: F64 = np.concatenate([pts, z[:, None]], axis=1) + self.lens_centre(side)
        return path

    def rim_point(self, side: int, u: float, v: float) -> F64:
        """The rim centre-line point nearest to (u * W/2 toward the temple, v * H/2 up)."""
        path = self.rim_path(side)
        target = self.lens_centre(side)[:2] + np.array([side * u * self.w / 2, v * self.h / 2])
        point: F64 = path[np.argmin(np.linalg.norm(path[:, :2] - target, axis=1))]
        return point

    # -- parts --------------------------------------------------------------------------

    def root(self) -> NodeSpec:
        hinge = {side: self.hinge_point(side) for side in (1, -1)}
        front_parts: list[tuple[MeshData, Material]] = []
        frame_meshes, metal_meshes = self.rims()
        frame_meshes += self.bridges(metal=False)
        metal_meshes += self.bridges(metal=True)
        frame_end, metal_end = self.endpieces(hinge)
        frame_meshes += frame_end
        metal_meshes += metal_end
        pads = self.nose_pads(metal_meshes)
        for meshes, mat in ((frame_meshes, self.frame_mat), (metal_meshes, self.metal_mat)):
            if meshes:
                front_parts.append((merge(meshes), mat))
        if pads:
            front_parts.append((merge(pads), self.pad_mat))
        lenses = tuple(
            NodeSpec(
                f"lens_{_side_name(side)}",
                translation=_t(self.lens_centre(side)),
                parts=((lens_cap(self.side_outline(side), _LENS_CURVE_RADIUS), self.lens_mat),),
            )
            for side in (1, -1)
        )
        anchors = (
            NodeSpec("bridge"),
            NodeSpec("hinge_left", translation=_t(hinge[1])),
            NodeSpec("hinge_right", translation=_t(hinge[-1])),
        )
        front = NodeSpec("frame_front", parts=tuple(front_parts), children=lenses + anchors)
        temples = tuple(self.temple(side, hinge[side]) for side in (1, -1))
        return NodeSpec("glasses", children=(front, *temples))

    def rims(self) -> tuple[list[MeshData], list[MeshData]]:
        """(frame-material meshes, metal meshes) of the two rims."""
        hw, hd, _ = self.rim_size
        frame: list[MeshData] = []
        metal: list[MeshData] = []
        for side in (1, -1):
            path = self.rim_path(side)
            z_axis = np.array([0.0, 0.0, 1.0])
            if self.rim == "thick":
                frame.append(sweep(path, z_axis, hw, hd, closed=True, segments=10))
            elif self.rim in ("wire", "browline"):
                metal.append(sweep(path, z_axis, hw, hd, closed=True, segments=6))
            if self.rim == "browline":
                frame.append(self.brow(side))
        return frame, metal

    def brow(self, side: int) -> MeshData:
        """The thick upper bar of a browline frame, tapering toward its ends."""
        path = self.rim_path(side)
        upper = path[:, 1] - self.lens_y > 0.05 * self.h
        start = int(np.nonzero(upper & ~np.roll(upper, 1))[0][0])
        run = (start + np.arange(int(upper.sum()))) % len(path)
        arc = path[run] + np.array([0.0, 1.6 * MM, 0.8 * MM])
        k = np.linspace(-1.0, 1.0, len(arc))
        taper = 1.0 - 0.45 * k**4
        return sweep(arc, np.array([0.0, 0.0, 1.0]), 3.0 * MM * taper, 2.0 * MM, closed=False)

    def bridges(self, *, metal: bool) -> list[MeshData]:
        """The nose bridge (and an aviator's brow bar) in the frame or the metal material."""
        is_metal = self.rim != "thick"
        if metal != is_metal:
            return []
        size = (0.9 * MM, 0.9 * MM) if is_metal else (2.3 * MM, 2.0 * MM)
        v = 2.0 * (-1.2 * MM - self.lens_y) / self.h  # ends 1.2 mm below the bridge's top
        left, right = self.rim_point(1, -1.0, v), self.rim_point(-1, -1.0, v)
        arch = _bezier(left, -(left + right) / 2.0, right, 25)  # its middle at the origin
        parts = [sweep(arch, np.array([0.0, 0.0, 1.0]), *size, closed=False)]
        if self.spec.style == "aviator":
            top_l, top_r = self.rim_point(1, -0.3, 0.95), self.rim_point(-1, -0.3, 0.95)
            bar = _bezier(
                top_l, (top_l + top_r) / 2 + np.array([0.0, 0.8 * MM, 0.6 * MM]), top_r, 24
            )
            parts.append(sweep(bar, np.array([0.0, 0.0, 1.0]), *size, closed=False))
        return parts

    def hinge_point(self, side: int) -> F64:
        point: F64 = self.temporal_point(side) + np.array([side * 1.2 * MM, 0.0, -6.0 * MM])
        return point

    def temporal_point(self, side: int) -> F64:
        return self.rim_point(side, 1.0, 0.55)

    def endpieces(self, hinge: dict[int, F64]) -> tuple[list[MeshData], list[MeshData]]:
        """(frame, metal) meshes: the endpiece from the rim back to the hinge, a hinge barrel."""
        frame: list[MeshData] = []
        metal: list[MeshData] = []
        for side in (1, -1):
            start = self.temporal_point(side)
            path = _bezier(
                start, start + np.array([side * 1.2 * MM, 0.0, -1.5 * MM]), hinge[side], 12
            )
            y_axis = np.array([0.0, 1.0, 0.0])
            if self.rim == "thick":
                frame.append(sweep(path, y_axis, 1.6 * MM, 2.6 * MM, closed=False))
            else:
                metal.append(sweep(path, y_axis, 0.9 * MM, 1.3 * MM, closed=False))
            barrel = np.linspace(hinge[side] + [0, 2.2 * MM, 0], hinge[side] - [0, 2.2 * MM, 0], 4)
            metal.append(sweep(barrel, np.array([1.0, 0.0, 0.0]), 1.0 * MM, 1.0 * MM, closed=False))
        return frame, metal

    def nose_pads(self, metal: list[MeshData]) -> list[MeshData]:
        """Pads on wire arms behind the lower nasal rim (metal frames); arms go to ``metal``."""
        if self.spec.finish != "metal" and self.spec.style not in _PAD_STYLES:
            return []
        pads: list[MeshData] = []
        for side in (1, -1):
            root = self.rim_point(side, -0.85, -0.35)
            pad_centre = np.array(
                [side * (self.spec.bridge_mm * MM / 2 + 0.5 * MM), root[1] - 3.0 * MM, -7.0 * MM]
            )
            arm = _bezier(root, root + np.array([0.0, 0.0, -4.0 * MM]), pad_centre, 10)
            metal.append(sweep(arm, np.array([0.0, 1.0, 0.0]), 0.45 * MM, 0.45 * MM, closed=False))
            pad = ellipsoid((0.8 * MM, 5.5 * MM, 3.6 * MM))
            pads.append(pad.transformed(rotation_y(-side * math.radians(25.0)), pad_centre))
        return pads

    def temple(self, side: int, hinge: F64) -> NodeSpec:
        """A temple in its own node at the hinge: straight back, a rounded bend down behind
        the ear, a straight tail; centre line exactly ``temple_length`` long."""
        length = self.spec.temple_length_mm * MM
        bend_at, bend_radius, bend_angle = 0.72 * length, 9.0 * MM, math.radians(35.0)
        arc_len = bend_radius * bend_angle
        tail = length - bend_at - arc_len
        # Straight runs are sampled only where the section changes (the taper's knot, the
        # tip sleeve's start): a tube along a line, its size linear between samples, needs
        # no more rings, and a software rasteriser pays for every triangle.
        taper_knot, sleeve_at = 0.15, 0.62
        run = np.array([0.0, taper_knot * length, sleeve_at * length, bend_at])
        straight = run[:, None] * np.array([0.0, 0.0, -1.0])
        a = np.linspace(0.0, bend_angle, 13)[1:]
        centre = np.array([0.0, -bend_radius, -bend_at])
        arc = centre + bend_radius * np.stack([0 * a, np.cos(a), -np.sin(a)], axis=1)
        direction = np.array([0.0, -math.sin(bend_angle), -math.cos(bend_angle)])
        path = np.concatenate([straight, arc, [arc[-1] + tail * direction]])
        s = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(path, axis=0), axis=1))])
        x_axis = np.array([1.0, 0.0, 0.0])
        if self.spec.finish == "metal" or self.rim == "none":
            sleeve_from = int(np.searchsorted(run, sleeve_at * length))
            parts: tuple[tuple[MeshData, Material], ...] = (
                (
                    sweep(path[: sleeve_from + 2], x_axis, 0.8 * MM, 0.8 * MM, closed=False),
                    self.metal_mat,
                ),
                (sweep(path[sleeve_from:], x_axis, 1.6 * MM, 1.3 * MM, closed=False), self.tip_mat),
            )
        else:
            height = np.interp(s / length, [0.0, taper_knot, 1.0], [2.6 * MM, 2.0 * MM, 1.6 * MM])
            parts = ((sweep(path, x_axis, height, 1.1 * MM, closed=False), self.frame_mat),)
        splay = side * math.radians(3.0)  # temples open slightly outward
        name = _side_name(side)
        return NodeSpec(
            f"temple_{name}",
            translation=_t(hinge),
            rotation=(0.0, math.sin(-splay / 2), 0.0, math.cos(-splay / 2)),
            parts=parts,
            children=(
                NodeSpec(f"temple_bend_{name}", translation=_t(arc[len(arc) // 2])),
                NodeSpec(f"temple_end_{name}", translation=_t(path[-1])),
            ),
        )


def _frame_material(spec: GlassesSpec) -> Material:
    if spec.finish == "metal":
        rgb = srgb_to_linear(spec.colour)
        return Material(name="frame_metal", base_color=(*rgb, 1.0), metallic=1.0, roughness=0.22)
    if spec.finish == "tortoiseshell":
        tex = Texture(tortoiseshell(), srgb=True)
        return Material(name="tortoiseshell", metallic=0.0, roughness=0.25, base_color_texture=tex)
    rgb = srgb_to_linear(spec.colour)
    return Material(name="acetate", base_color=(*rgb, 1.0), metallic=0.0, roughness=0.28)


def _lens_material(tint: Tint) -> Material:
    look = TINTS[tint]
    rgb = srgb_to_linear(look.colour)
    texture = None
    if look.gradient:
        texture = Texture(lens_gradient(_to_srgb_floats(look.colour)), srgb=True)
        rgb = (1.0, 1.0, 1.0)
    return Material(
        name=f"lens_{tint}",
        base_color=(*rgb, look.alpha),
        metallic=0.9 if look.mirror else 0.0,
        roughness=0.05,
        base_color_texture=texture,
        alpha_mode="OPAQUE",
        double_sided=True,
        transmission=look.transmission,
    )


def _to_srgb_floats(hex_colour: str) -> tuple[float, float, float]:
    r, g, b = (int(hex_colour[i : i + 2], 16) / 255.0 for i in (1, 3, 5))
    return (r, g, b)


def _sag(xy: F64) -> F64:
    """Depth (<= 0) of the lens's front surface at lens-plane points ``xy`` (K, 2)."""
    r2 = np.sum(xy**2, axis=1)
    out: F64 = np.sqrt(_LENS_CURVE_RADIUS**2 - r2) - _LENS_CURVE_RADIUS
    return out


def _sag_at(r: float) -> float:
    return float(_sag(np.array([[r, 0.0]]))[0])


def _bezier(p0: F64, p1: F64, p2: F64, count: int) -> F64:
    t = np.linspace(0.0, 1.0, count)[:, None]
    out: F64 = (1 - t) ** 2 * p0 + 2 * (1 - t) * t * p1 + t**2 * p2
    return out


def _t(v: F64) -> tuple[float, float, float]:
    return (float(v[0]), float(v[1]), float(v[2]))


def _side_name(side: int) -> str:
    return "left" if side > 0 else "right"
