"""Where a pair of glasses sits on a face: pure numpy, no GL.

The asset is metric (glTF metres) and so is :class:`~tryon.tracking.geometry.FaceGeometry`, so
nothing is scaled to the face: a 52□18 frame covers as much of the image as it would in a
mirror. The fit only decides the pose:

* the bridge rests on the nose, ``bridge_clearance_m`` in front of the nose surface at the
  height where the lens centres line up with the pupils (MediaPipe iris centres 468 / 473);
* the frame tilts ``pantoscopic_tilt_deg`` about the head's x axis (lower rims toward the face);
* each temple turns about its hinge so that the point resting on the ear (the
  ``temple_bend_*`` node, else the temple end) lands at the top of the ear: the face-oval
  landmarks 234 / 454 give the ear's side, its height is a little above them;
  ``temple_clearance_m`` outside the head;
* the :class:`HeadProxy` (an ellipsoid through the ears behind the face) is what hides the far
  temple when the head turns; the renderer makes it once per face and frame and hands it to
  both the fit and the occluder.

Anchor points are read from the asset under the node names that the product manifest gives
(``eyewear.anchors``, :class:`~tryon.catalog.manifest.EyewearAnchors`; its defaults when the
caller has no manifest). The manifest names no bend point: a ``temple_bend_left`` /
``temple_bend_right`` node is used when the model has one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from tryon.catalog.asset import Asset
from tryon.catalog.manifest import EyewearAnchors
from tryon.tracking.geometry import FaceGeometry

__all__ = [
    "EyewearFit",
    "EyewearPose",
    "HeadProxy",
    "Part",
    "eyewear_part",
    "fit_eyewear",
    "head_frame_vertices",
    "head_proxy",
]

Part = Literal["front", "temple_left", "temple_right"]

#: MediaPipe face mesh landmarks the fit reads.
NOSE_BRIDGE, NOSE_UPPER = 168, 6
IRIS_RIGHT, IRIS_LEFT = 468, 473
EAR_RIGHT, EAR_LEFT = 234, 454

#: The landmarks the head proxy and the fit read.
_PROXY_LANDMARKS = (EAR_RIGHT, EAR_LEFT, IRIS_RIGHT, IRIS_LEFT)
_FIT_LANDMARKS = (NOSE_BRIDGE, NOSE_UPPER, IRIS_RIGHT, IRIS_LEFT, EAR_RIGHT, EAR_LEFT)

#: The ear's top (where a temple rests) above the face-oval landmarks 234 / 454 (tragus level).
EAR_TOP_ABOVE_OVAL_M = 0.025

#: Anchor node names of a product without a manifest.
_DEFAULT_ANCHORS = EyewearAnchors()

#: Largest temple turn away from the asset's own direction (a frame's hinges stop there).
MAX_TEMPLE_TURN_DEG = 20.0


@dataclass(frozen=True, slots=True)
class EyewearFit:
    """Per-product fit parameters (the manifest may override them)."""

    pantoscopic_tilt_deg: float = 8.0
    #: Gap between the nose surface and the bridge anchor, metres.
    bridge_clearance_m: float = 0.003
    #: Raises (+) or lowers (-) the frame relative to the pupils, metres.
    vertical_offset_m: float = 0.0
    #: Gap between the side of the head and the temple ends, metres.
    temple_clearance_m: float = 0.004

    def __post_init__(self) -> None:
        if not -5.0 <= self.pantoscopic_tilt_deg <= 20.0:
            raise ValueError(
                f"pantoscopic_tilt_deg must be in [-5, 20], got {self.pantoscopic_tilt_deg!r}"
            )
        for name in ("bridge_clearance_m", "temple_clearance_m"):
            value = getattr(self, name)
            if not 0.0 <= value <= 0.03:
                raise ValueError(f"{name} must be in [0, 0.03] metres, got {value!r}")
        if abs(self.vertical_offset_m) > 0.03:
            raise ValueError(
                f"vertical_offset_m must be within ±0.03 metres, got {self.vertical_offset_m!r}"
            )


@dataclass(frozen=True, slots=True)
class HeadProxy:
    """An ellipsoid standing in for the skull behind the face, in the head frame.

    Front and back halves have their own depth radius: the front stays behind the eyes (so it
    never hides a frame front), the back reaches the back of the head.
    """

    center: NDArray[np.float64]  # (3,) head frame, metres
    #: (x, y, z-front, z-back) radii, metres.
    radii: tuple[float, float, float, float]

    def half_matrices(self, face: FaceGeometry) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
        """Camera-from-unit-hemisphere matrices (front, back) for a hemisphere with z <= 0."""
        rx, ry, rz_front, rz_back = self.radii
        out = []
        for rz in (-rz_front, rz_back):
            m = np.eye(4)
            m[:3, :3] = face.rotation @ np.diag([rx, ry, rz])
            m[:3, 3] = face.rotation @ self.center + face.translation
            out.append(m.astype(np.float32))
        return out[0], out[1]


@dataclass(frozen=True, slots=True)
class EyewearPose:
    """Where each part of an eyewear asset goes, as rigid 4x4 transforms."""

    #: Camera-from-asset for the frame front (and lenses).
    model: NDArray[np.float64]
    #: Asset-from-asset turns of the temples about their hinges.
    temple_left: NDArray[np.float64]
    temple_right: NDArray[np.float64]

    def part_matrix(self, part: Part) -> NDArray[np.float32]:
        """Camera-from-asset transform for the primitives of ``part``."""
        m = self.model
        if part == "temple_left":
            m = m @ self.temple_left
        elif part == "temple_right":
            m = m @ self.temple_right
        return m.astype(np.float32)


def eyewear_part(node_path: tuple[str, ...]) -> Part:
    """Which part a primitive belongs to, from its glTF node names."""
    for name in reversed(node_path):
        if name.startswith("temple_left"):
            return "temple_left"
        if name.startswith("temple_right"):
            return "temple_right"
    return "front"


def head_frame_vertices(
    face: FaceGeometry, landmarks: Sequence[int] | None = None
) -> NDArray[np.float64]:
    """The tracked face mesh ``(478, 3)`` in the head frame (metres), or only the rows of
    ``landmarks``, in that order."""
    rows = face.vertices if landmarks is None else face.vertices[list(landmarks)]
    v = np.asarray(rows, dtype=np.float64) - face.translation
    out: NDArray[np.float64] = v @ face.rotation  # R^T applied to each row
    return out


def _landmarks(face: FaceGeometry, ids: Sequence[int]) -> dict[int, NDArray[np.float64]]:
    """Head-frame points of the landmarks ``ids``, by id (the fit reads a handful of 478)."""
    return dict(zip(ids, head_frame_vertices(face, ids), strict=True))


def head_proxy(face: FaceGeometry) -> HeadProxy:
    """The skull ellipsoid for ``face``: as wide as the face oval at the ears, centred a
    little behind them, its front half stopping behind the eyes."""
    v = _landmarks(face, _PROXY_LANDMARKS)
    right, left = v[EAR_RIGHT], v[EAR_LEFT]
    ears = 0.5 * (right + left)
    half_width = 0.5 * float(np.linalg.norm(left - right))
    eyes_z = float(min(v[IRIS_RIGHT][2], v[IRIS_LEFT][2]))
    center = np.array([ears[0], ears[1] + 0.015, ears[2] - 0.01])
    rz_front = max(eyes_z - 0.012 - center[2], 0.02)
    return HeadProxy(center=center, radii=(half_width, 0.12, rz_front, 0.11))


def _rotation_x(deg: float) -> NDArray[np.float64]:
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])


def _rotation_between(
    a: NDArray[np.float64], b: NDArray[np.float64], max_deg: float
) -> NDArray[np.float64]:
    """The smallest rotation taking direction ``a`` toward ``b``, by at most ``max_deg``."""
    ax, ay, az = (float(c) for c in a / math.sqrt(float(a @ a)))
    bx, by, bz = (float(c) for c in b / math.sqrt(float(b @ b)))
    kx, ky, kz = ay * bz - az * by, az * bx - ax * bz, ax * by - ay * bx  # a x b (np.cross is slow)
    s = math.sqrt(kx * kx + ky * ky + kz * kz)
    if s < 1e-12:
        return np.eye(3)
    angle = min(math.atan2(s, ax * bx + ay * by + az * bz), math.radians(max_deg))
    k = np.array([[0.0, -kz, ky], [kz, 0.0, -kx], [-ky, kx, 0.0]]) / s
    out: NDArray[np.float64] = np.eye(3) + math.sin(angle) * k + (1.0 - math.cos(angle)) * (k @ k)
    return out


def _rigid(rotation: NDArray[np.float64], translation: NDArray[np.float64]) -> NDArray[np.float64]:
    m = np.eye(4)
    m[:3, :3] = rotation
    m[:3, 3] = translation
    return m


def _lens_center_y(asset: Asset) -> float:
    lenses = [p.positions for p in asset.primitives if p.material.is_blended]
    if not lenses:  # no lens meshes: the frame front's middle height
        b = asset.bounds
        return 0.5 * float(b[0, 1] + b[1, 1])
    pts = np.concatenate(lenses)
    return 0.5 * float(pts[:, 1].min() + pts[:, 1].max())


def _anchor(asset: Asset, name: str, default: NDArray[np.float64]) -> NDArray[np.float64]:
    point = asset.anchors.get(name)
    return default if point is None else np.asarray(point, dtype=np.float64)


def fit_eyewear(
    face: FaceGeometry,
    asset: Asset,
    fit: EyewearFit | None = None,
    *,
    anchors: EyewearAnchors | None = None,
    proxy: HeadProxy | None = None,
) -> EyewearPose:
    """The pose of eyewear ``asset`` on ``face`` (see the module docstring): ``anchors``
    names the asset's anchor nodes (the manifest's, default names if None), ``proxy`` is
    ``head_proxy(face)`` if the caller has made it already."""
    fit = fit or EyewearFit()
    names = _DEFAULT_ANCHORS if anchors is None else anchors
    v = _landmarks(face, _FIT_LANDMARKS)
    bridge = _anchor(asset, names.bridge, np.zeros(3))
    tilt = _rotation_x(fit.pantoscopic_tilt_deg)

    # Height: lens centres at pupil height (the tilt moves them a little; include it).
    lens_offset = tilt @ (np.array([0.0, _lens_center_y(asset), 0.0]) - bridge)
    pupils_y = 0.5 * float(v[IRIS_RIGHT][1] + v[IRIS_LEFT][1])
    y = pupils_y + fit.vertical_offset_m - float(lens_offset[1])
    # Depth: the nose ridge between landmarks 168 and 6, followed to height y.
    top, low = v[NOSE_BRIDGE], v[NOSE_UPPER]
    t = (y - top[1]) / (low[1] - top[1]) if abs(low[1] - top[1]) > 1e-6 else 0.0
    ridge = top + t * (low - top)
    seat = np.array([ridge[0], y, ridge[2] + fit.bridge_clearance_m])

    head_from_asset = _rigid(tilt, seat - tilt @ bridge)
    camera_from_head = _rigid(face.rotation, face.translation)
    model = camera_from_head @ head_from_asset
    asset_from_head = _rigid(tilt.T, -tilt.T @ head_from_asset[:3, 3])

    proxy = head_proxy(face) if proxy is None else proxy
    temples = {}
    sides = (
        ("left", names.hinge_left, names.temple_end_left, EAR_LEFT, 1.0),
        ("right", names.hinge_right, names.temple_end_right, EAR_RIGHT, -1.0),
    )
    for side, hinge_name, end_name, ear_index, sign in sides:
        hinge = _anchor(asset, hinge_name, np.zeros(3))
        # The temple rests on the ear at its bend (where it starts down behind the ear),
        # or at its end for a straight temple.
        rest = _anchor(asset, end_name, hinge + np.array([0.0, 0.0, -0.14]))
        rest = _anchor(asset, f"temple_bend_{side}", rest)
        along = rest - hinge
        length = float(np.linalg.norm(along))
        if length < 1e-6:
            temples[side] = np.eye(4)
            continue
        # The rest point goes to the ear's side and height, as far back as the temple reaches.
        hinge_head = (head_from_asset @ np.append(hinge, 1.0))[:3]
        dx = proxy.center[0] + sign * (proxy.radii[0] + fit.temple_clearance_m) - hinge_head[0]
        dy = v[ear_index][1] + EAR_TOP_ABOVE_OVAL_M - hinge_head[1]
        dz = math.sqrt(max(length**2 - dx**2 - dy**2, 0.0))
        target = (asset_from_head @ np.append(hinge_head + np.array([dx, dy, -dz]), 1.0))[:3]
        turn = _rotation_between(along, target - hinge, MAX_TEMPLE_TURN_DEG)
        temples[side] = _rigid(turn, hinge - turn @ hinge)
    return EyewearPose(model=model, temple_left=temples["left"], temple_right=temples["right"])
