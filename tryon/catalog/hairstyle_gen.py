"""Parametric hairstyles: a GLB of strand cards over a scalp cap, built from a style spec.

The style is laid out on its design head: the skull ellipsoid that
:func:`~tryon.render.fit.head_proxy` makes for the canonical face (:data:`DESIGN_HEAD`), its
front pushed out to pass over the forehead. Asset frame: metres, origin at the top of the
design head's forehead (face mesh landmark 10, where the renderer anchors the style), +X the
wearer's left, +Y up, +Z out of the face.

* ``cap`` (opaque, dark): the scalp above the hairline, so the cards have hair-dark skin
  under them rather than the camera image.
* ``cards`` (alpha-blended, double-sided): quads along strands, each textured with a dozen
  strands (:func:`strand_texture`: stripes, tapered ends). A strand runs from the crown down
  over the scalp shell; below the widest part of the head it falls straight down. Strands
  that would cross the face are swept to the sides (except a fringe's, which stop above the
  brows). Cards come in layers, innermost first, each layer ordered back to front, so
  drawing them in index order with depth writes off blends right from the front.

``u`` runs across a card (0..1), ``v`` along its strand from the root (0) to the tip (1):
the renderer derives the strand direction from it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np
from numpy.typing import NDArray

from tryon.catalog.asset import Material, Texture
from tryon.catalog.eyewear_gen import srgb_to_linear
from tryon.catalog.glb_writer import NodeSpec, write_glb
from tryon.catalog.meshgen import MeshData, merge
from tryon.catalog.textures import strand_texture

__all__ = ["DESIGN_HEAD", "STYLES", "DesignHead", "HairstyleSpec", "Style", "build_hairstyle"]

Style = Literal["fringe", "bob", "long", "updo"]
STYLES: tuple[Style, ...] = get_args(Style)
F64 = NDArray[np.float64]
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True, slots=True)
class DesignHead:
    """The head a style is made on: the canonical face's head proxy (metres, head frame)."""

    #: Skull ellipsoid centre relative to the nose bridge (landmark 168).
    center: tuple[float, float, float]
    #: (x, y, z-front, z-back) radii of the skull ellipsoid.
    radii: tuple[float, float, float, float]
    #: Front radius of the scalp shell: the ellipsoid pushed out over the forehead.
    forehead_radius: float
    #: The top of the forehead (landmark 10) relative to the nose bridge: the asset's origin.
    forehead: tuple[float, float, float]

    @property
    def width_mm(self) -> float:
        """Ear-to-ear width (what a manifest's ``design_head_width_mm`` holds)."""
        return round(2000.0 * self.radii[0], 1)


#: ``head_proxy`` of the canonical face (checked by the tests), forehead over landmark 10.
DESIGN_HEAD = DesignHead(
    center=(0.0, -0.0126, -0.0771),
    radii=(0.0697, 0.12, 0.0499, 0.11),
    forehead_radius=0.079,
    forehead=(0.0, 0.0404, -0.0076),
)

#: Hairline height (above the ellipsoid centre, metres) by azimuth from the face, degrees.
_HAIRLINE = (
    (0.0, 30.0, 50.0, 70.0, 90.0, 120.0, 150.0, 180.0),
    (0.051, 0.047, 0.036, 0.022, 0.010, -0.03, -0.06, -0.07),
)
#: Strands never cross the face: at a height (first row) their azimuth stays at least this
#: far from the front (second row, degrees), the middle of the face being the azimuth 0.
_FACE_CLEAR = ((-1.0, 0.0, 0.03, 0.06, 0.09), (82.0, 80.0, 62.0, 28.0, 0.0))
#: Where a fringe's strands end (above the ellipsoid centre): about 1 cm above the brows.
_FRINGE_END = 0.038
#: Azimuths (degrees) a fringe covers.
_FRINGE_HALF_DEG = 52.0
_CAP_OFFSET, _FIRST_LAYER, _LAYER_STEP = 0.003, 0.006, 0.004
#: The skull is wider above the ears than the face oval at them (the proxy's width).
_SKULL_WIDENING = 1.07


@dataclass(frozen=True, slots=True)
class HairstyleSpec:
    """What the generator needs: the style, the strands' sRGB colour, strands per layer,
    the number of layers and the length below the ellipsoid centre (metres, for ``bob`` and
    ``long``), and the seed of the strands' jitter."""

    style: Style
    colour: str = "#3b2a20"
    strands: int = 72
    layers: int = 3
    drop_m: float = 0.09
    seed: int = 1

    def __post_init__(self) -> None:
        if self.style not in STYLES:
            raise ValueError(f"HairstyleSpec.style must be one of {STYLES}, got {self.style!r}")
        if not 16 <= self.strands <= 256:
            raise ValueError(f"HairstyleSpec.strands must be in [16, 256], got {self.strands!r}")
        if not 1 <= self.layers <= 6:
            raise ValueError(f"HairstyleSpec.layers must be in [1, 6], got {self.layers!r}")
        if not 0.0 <= self.drop_m <= 0.45:
            raise ValueError(f"HairstyleSpec.drop_m must be in [0, 0.45] m, got {self.drop_m!r}")
        if not _HEX.match(self.colour):
            raise ValueError(f"HairstyleSpec.colour must be sRGB '#rrggbb', got {self.colour!r}")


def build_hairstyle(spec: HairstyleSpec) -> bytes:
    """The GLB bytes of the hairstyle described by ``spec`` (same spec, same bytes)."""
    colour = srgb_to_linear(spec.colour)
    cap = Material(
        name="cap",
        base_color=(0.5 * colour[0], 0.5 * colour[1], 0.5 * colour[2], 1.0),
        metallic=0.0,
        roughness=1.0,
    )
    cards = Material(
        name="strands",
        base_color=(*colour, 1.0),
        metallic=0.0,
        roughness=0.5,
        base_color_texture=Texture(strand_texture(), srgb=True),
        alpha_mode="BLEND",
        double_sided=True,
    )
    shell = _Shell(DESIGN_HEAD)
    # Laid out around the skull centre, written with the forehead top at the origin.
    origin = np.subtract(DESIGN_HEAD.forehead, DESIGN_HEAD.center)
    root = NodeSpec(
        name="hairstyle",
        children=(
            NodeSpec("cap", parts=((shell.cap(spec.style).transformed(np.eye(3), -origin), cap),)),
            NodeSpec(
                "cards", parts=((_cards(spec, shell).transformed(np.eye(3), -origin), cards),)
            ),
        ),
    )
    return write_glb([root], generator=f"tryon hairstyle_gen {spec.style}")


class _Shell:
    """The scalp: an ellipsoid around the skull, its front over the forehead; points by
    azimuth (0 at the face, positive toward the wearer's left), height and offset."""

    def __init__(self, head: DesignHead) -> None:
        rx, ry, _, rz_back = head.radii
        self.rx, self.ry = rx * _SKULL_WIDENING, ry
        self.rz_back, self.rz_front = rz_back, head.forehead_radius

    def point(self, azimuth: F64, y: F64, offset: float | F64) -> tuple[F64, F64]:
        """Positions and outward normals ``(N, 3)`` on the shell grown by ``offset``; below
        the widest ring (y < 0) the shell goes straight down."""
        off = np.broadcast_to(np.asarray(offset, dtype=np.float64), np.shape(azimuth))
        ry = self.ry + off
        ring = np.sqrt(np.clip(1.0 - (np.maximum(y, 0.0) / ry) ** 2, 0.0, 1.0))
        s, c = np.sin(azimuth), np.cos(azimuth)
        rz = np.where(c > 0.0, self.rz_front, self.rz_back) + off
        rx = self.rx + off
        pos = np.stack([rx * ring * s, y, rz * ring * c], axis=-1)
        grad = np.stack([pos[..., 0] / rx**2, np.maximum(y, 0.0) / ry**2, pos[..., 2] / rz**2], -1)
        normal = grad / np.linalg.norm(grad, axis=-1, keepdims=True)
        return pos, normal

    def radii(self, offset: float) -> F64:
        """``(2, 3)`` radii of the shell grown by ``offset``: front half, back half."""
        return np.array(
            [
                [self.rx + offset, self.ry + offset, self.rz_front + offset],
                [self.rx + offset, self.ry + offset, self.rz_back + offset],
            ]
        )

    def cap(self, style: Style) -> MeshData:
        """The scalp above the hairline (an updo's hairline too: it shows the whole cap)."""
        cols, rows = 64, 14
        az = np.linspace(-math.pi, math.pi, cols + 1)
        line = hairline(az)
        t = np.linspace(0.0, 1.0, rows + 1)[:, None]
        y = line[None, :] + (self.ry * 0.9995 - line[None, :]) * np.sin(0.5 * math.pi * t)
        a = np.broadcast_to(az[None, :], y.shape)
        pos, normal = self.point(a, y, _CAP_OFFSET)
        uv = np.stack([np.broadcast_to(az / (2 * math.pi) + 0.5, y.shape), y / self.ry], -1)
        idx = _grid(rows + 1, cols + 1)
        return _mesh(pos.reshape(-1, 3), normal.reshape(-1, 3), uv.reshape(-1, 2), idx)


def hairline(azimuth: F64) -> F64:
    """Height of the hairline above the ellipsoid centre at each azimuth (radians)."""
    deg, height = _HAIRLINE
    out: F64 = np.interp(np.degrees(np.abs(azimuth)), deg, height)
    return out


def _grid(rows: int, cols: int) -> NDArray[np.uint32]:
    """Two triangles per cell of a ``rows`` x ``cols`` vertex grid (row-major)."""
    r, c = np.meshgrid(np.arange(rows - 1), np.arange(cols - 1), indexing="ij")
    a, b = r * cols + c, r * cols + c + 1
    d, e = a + cols, b + cols
    tris: NDArray[np.uint32] = np.stack([a, b, e, a, e, d], axis=-1).reshape(-1).astype(np.uint32)
    return tris


def _mesh(pos: F64, normal: F64, uv: F64, idx: NDArray[np.uint32]) -> MeshData:
    n = normal / np.linalg.norm(normal, axis=-1, keepdims=True)
    return MeshData(pos.astype(np.float32), n.astype(np.float32), uv.astype(np.float32), idx)


@dataclass(frozen=True, slots=True)
class _Strand:
    """One card's centre line: positions, outward normals and across directions (P, 3)."""

    pos: F64
    normal: F64
    across: F64
    depth: float  # where it sorts, back (small) to front (large)


def _face_clear_azimuth(azimuth: F64, y: F64) -> F64:
    """Azimuths pushed off the face at each height, keeping their order: the range from the
    nearest allowed azimuth to the back is what the strands fan over."""
    least = np.radians(np.interp(y, *_FACE_CLEAR))
    out: F64 = np.copysign(1.0, azimuth) * (least + np.abs(azimuth) * (math.pi - least) / math.pi)
    return out


def _strand_path(
    spec: HairstyleSpec, shell: _Shell, az0: float, layer: int, rng: np.random.Generator
) -> _Strand:
    """The centre line of a strand rooted at azimuth ``az0`` (crown end first)."""
    style = spec.style
    fringe = style == "fringe" and abs(az0) < math.radians(_FRINGE_HALF_DEG)
    # The innermost layer of a parted style fills the parting: combed forward to the hairline.
    parting = layer == 0 and style in ("bob", "long") and abs(az0) < math.radians(40.0)
    n_shell, n_fall = 16, 10
    offset = _FIRST_LAYER + layer * _LAYER_STEP
    top = shell.ry + offset
    if style == "updo":  # from the hairline up and back to the bun
        return _updo_path(shell, az0, offset, rng)
    if fringe:
        end_y = _FRINGE_END + rng.uniform(-0.002, 0.002)
    elif parting:
        end_y = float(hairline(np.array([az0]))[0]) - 0.004
    elif style == "fringe":  # short layers over the rest of the head
        end_y = float(hairline(np.array([az0]))[0]) - 0.015 + rng.uniform(-0.004, 0.004)
    else:
        back = 1.0 - 0.25 * math.cos(az0) if style == "bob" else 1.0
        end_y = -spec.drop_m * back * rng.uniform(0.94, 1.04)
        if style == "long" and abs(az0) > math.radians(100.0):
            end_y = max(end_y, -0.12)  # behind the neck: nothing shows there from the front
    start = top * 0.93
    on_shell_end = max(end_y, 0.0)
    elev = np.linspace(math.asin(start / top), math.asin(min(on_shell_end / top, 0.999)), n_shell)
    y = top * np.sin(elev)
    if end_y < 0.0:
        y = np.concatenate([y, np.linspace(0.0, end_y, n_fall + 1)[1:]])
    az = np.full_like(y, az0)
    if not (fringe or parting):
        az = _face_clear_azimuth(az, y)
    az += rng.uniform(-0.01, 0.01) + 0.006 * np.sin(y * rng.uniform(60, 120) + rng.uniform(0, 6))
    pos, normal = shell.point(az, y, offset)
    if style == "bob" and end_y < 0.0:  # the ends turn under
        curl = np.clip((y - end_y * 0.55) / (end_y * 0.45), 0.0, 1.0) ** 2
        pos = pos - normal * (0.012 * curl)[:, None]
    across = _unit_rows(np.cross(np.gradient(pos, axis=0), normal))
    return _Strand(pos, normal, across, depth=float(np.cos(az0)))


def _updo_path(shell: _Shell, az0: float, offset: float, rng: np.random.Generator) -> _Strand:
    """From the hairline over the scalp (the shortest way) to the bun at the back of the
    crown: directions slerped on the unit sphere that the shell is a stretched copy of."""
    start_y = float(hairline(np.array([az0]))[0]) - 0.004
    start, _ = shell.point(np.array([az0]), np.array([start_y]), offset)
    bun, _ = shell.point(np.array([math.pi - 0.12]), np.array([0.075]), offset)
    radii = shell.radii(offset)

    def half(p: F64) -> F64:  # the radii of the half each point is in
        out: F64 = np.where(p[:, 2:] > 0.0, radii[0], radii[1])
        return out

    a = _unit_rows(start / half(start))[0]
    b = _unit_rows(bun / half(bun))[0]
    angle = math.acos(float(np.clip(a @ b, -1.0, 1.0)))
    t = np.linspace(0.0, 1.0, 18)[:, None] * rng.uniform(0.9, 1.0)
    unit = (np.sin((1.0 - t) * angle) * a + np.sin(t * angle) * b) / max(math.sin(angle), 1e-6)
    pos = unit * half(unit)
    normal = _unit_rows(pos / half(pos) ** 2)
    tangent = np.gradient(pos, axis=0)
    across = _unit_rows(np.cross(normal, tangent))
    return _Strand(pos[::-1], normal[::-1], across[::-1], depth=float(np.cos(az0)))


def _unit_rows(v: F64) -> F64:
    out: F64 = v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-12)
    return out


def _bun(spec: HairstyleSpec, offset: float) -> list[_Strand]:
    """A coil at the back of the crown: strands wound round a small ellipsoid."""
    shell = _Shell(DESIGN_HEAD)
    centre_az, centre_y = math.pi - 0.15, 0.07
    base, out = shell.point(np.array(centre_az), np.array(centre_y), 0.015)
    centre = base + out * 0.012
    axis = out / np.linalg.norm(out)
    side = np.cross(axis, [0.0, 1.0, 0.0])
    side /= np.linalg.norm(side)
    up = np.cross(side, axis)
    strands: list[_Strand] = []
    for k in range(spec.layers * 6):
        lat = -0.9 + 1.8 * k / (spec.layers * 6 - 1)
        r = (0.026 + offset) * math.cos(lat)
        h = (0.02 + offset) * math.sin(lat)
        phase = 0.7 * k
        t = np.linspace(phase, phase + 1.6 * math.pi, 20)
        pos = centre + np.outer(np.cos(t) * r, side) + np.outer(np.sin(t) * r, up) + h * axis
        radial = np.outer(np.cos(t), side) + np.outer(np.sin(t), up)
        normal = radial * math.cos(lat) + axis * math.sin(lat)
        tangent = np.outer(-np.sin(t), side) + np.outer(np.cos(t), up)
        across: F64 = np.cross(normal, tangent)
        strands.append(_Strand(pos, normal, across, depth=-1.0 + 0.01 * k))
    return strands


def _cards(spec: HairstyleSpec, shell: _Shell) -> MeshData:
    """Every card, innermost layer first, each layer back to front."""
    rng = np.random.default_rng(spec.seed)
    parts = []
    for layer in range(spec.layers):
        offset = _FIRST_LAYER + layer * _LAYER_STEP
        count = spec.strands - 6 * layer
        az0 = (np.arange(count) + 0.25 + 0.5 * (layer % 2)) / count * 2.0 * math.pi - math.pi
        strands = [_strand_path(spec, shell, float(a), layer, rng) for a in az0]
        if spec.style == "updo":
            strands += _bun(spec, offset)
        width = 2.1 * 2.0 * math.pi * (shell.rx + offset) / count
        for strand in sorted(strands, key=lambda s: s.depth):
            parts.append(_card(strand, width * rng.uniform(0.85, 1.15), rng))
    return merge(parts)


def _card(strand: _Strand, width: float, rng: np.random.Generator) -> MeshData:
    """A quad strip along ``strand``, ``width`` wide (narrowing a little to the tip)."""
    p = len(strand.pos)
    v = np.linspace(0.0, 1.0, p)
    half = 0.5 * width * (1.0 - 0.35 * v)[:, None]
    left = strand.pos - strand.across * half
    right = strand.pos + strand.across * half
    pos = np.stack([left, right], axis=1).reshape(-1, 3)
    normal = np.repeat(strand.normal, 2, axis=0)
    across = (0.0, 1.0) if rng.random() < 0.5 else (1.0, 0.0)  # mirrored cards vary the look
    uv = np.stack([np.tile(across, p), np.repeat(v, 2)], axis=-1)
    return _mesh(pos, normal, uv, _grid(p, 2))
