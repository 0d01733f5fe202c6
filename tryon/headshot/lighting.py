"""The photo's light, estimated from the face itself, and relighting toward a studio light.

The face mesh (tracked, metric, in camera space) gives a normal at each vertex. The skin's
linear luminance at the vertices is fitted, by least squares, as ``albedo * E(n)`` with
``E`` the irradiance in order-2 real spherical harmonics (9 coefficients; the albedo folds
into them). A target light is another 9-vector (directional studio lights convolved with the
Lambertian kernel, Ramamoorthi & Hanrahan 2001); the face is relit by multiplying its linear
light by ``E_target(n) / E_estimated(n)``, a smooth ratio image over the face, feathered.
Camera frame: x right, y up, z toward the viewer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

import cv2
import numpy as np
from numpy.typing import NDArray

from tryon.headshot.color import linear_to_srgb8, luminance, srgb8_to_linear
from tryon.headshot.regions import FaceRegions
from tryon.tracking.canonical import load_canonical_face

__all__ = [
    "LIGHTS",
    "LightName",
    "ShLight",
    "estimate_light",
    "relight",
    "sh_basis",
    "target_light",
    "vertex_normals",
]

LightName = Literal["soft-key", "butterfly", "rembrandt", "even"]
LIGHTS: tuple[str, ...] = get_args(LightName)

#: Lambertian convolution factors per SH band (l = 0, 1, 2).
_BAND = np.array([np.pi, *[2 * np.pi / 3] * 3, *[np.pi / 4] * 5])
#: A frontal normal: targets are scaled to match the estimate there (exposure kept).
_FRONT = np.array([0.0, 0.0, 1.0])
#: Ratio bounds: the relight never more than doubles or halves a pixel's light, about.
_RATIO_RANGE = (0.45, 2.2)
#: Studio set-ups: (direction toward the light, intensity) pairs plus an ambient level.
_SETUPS: dict[str, tuple[tuple[tuple[float, float, float], float], ...]] = {
    # a large key 45° to camera left and above, a fill at camera right
    "soft-key": (((-0.55, 0.45, 0.70), 1.0), ((0.6, 0.05, 0.8), 0.35)),
    # key high, straight in front (a butterfly shadow under the nose), a little fill below
    "butterfly": (((0.0, 0.62, 0.78), 1.0), ((0.0, -0.45, 0.9), 0.2)),
    # key high to the side: the far cheek in shade with its triangle of light
    "rembrandt": (((-0.72, 0.5, 0.48), 1.0),),
}
_AMBIENT = {"soft-key": 0.3, "butterfly": 0.3, "rembrandt": 0.12}
#: The SH terms that are odd in x or in y: "even" light keeps the rest.
_ASYMMETRIC = (1, 3, 4, 5, 7)


@dataclass(frozen=True, slots=True)
class ShLight:
    """Order-2 SH irradiance coefficients (9), in the order of `sh_basis`."""

    coefficients: NDArray[np.float64]

    def shading(self, normals: NDArray[np.float64]) -> NDArray[np.float64]:
        out: NDArray[np.float64] = sh_basis(normals) @ self.coefficients
        return out

    @property
    def direction(self) -> NDArray[np.float64]:
        """The dominant light direction (the order-1 terms), unit length (x, y, z)."""
        c = self.coefficients
        d = np.array([c[3], c[1], c[2]])
        n = float(np.linalg.norm(d))
        return d / n if n > 0 else _FRONT.copy()

    @property
    def lateral(self) -> NDArray[np.float64]:
        """The order-1 terms (x, y) relative to the ambient term: where the light comes from
        across the face, and how strongly (0 for light even across it)."""
        c = self.coefficients
        return np.array([c[3], c[1]]) / max(float(c[0]), 1e-9)


def sh_basis(n: NDArray[np.float64]) -> NDArray[np.float64]:
    """The 9 real SH basis functions at unit normals ``(N, 3)`` -> ``(N, 9)``."""
    x, y, z = n[:, 0], n[:, 1], n[:, 2]
    return np.stack(
        [
            np.full_like(x, 0.282095),
            0.488603 * y,
            0.488603 * z,
            0.488603 * x,
            1.092548 * x * y,
            1.092548 * y * z,
            0.315392 * (3 * z * z - 1),
            1.092548 * x * z,
            0.546274 * (x * x - y * y),
        ],
        axis=1,
    )


def vertex_normals(vertices: NDArray[np.float32]) -> NDArray[np.float64]:
    """Unit normals ``(478, 3)`` of the tracked mesh (area-weighted over the canonical
    triangles), pointing out of the face, toward the camera."""
    v = np.asarray(vertices, dtype=np.float64)
    tri = load_canonical_face().triangles
    face_n = np.cross(v[tri[:, 1]] - v[tri[:, 0]], v[tri[:, 2]] - v[tri[:, 0]])
    normals = np.zeros_like(v)
    for k in range(3):
        np.add.at(normals, tri[:, k], face_n)
    normals /= np.maximum(np.linalg.norm(normals, axis=1, keepdims=True), 1e-12)
    if normals[:468, 2].mean() < 0:
        normals = -normals
    return normals


def estimate_light(
    rgb: NDArray[np.uint8], regions: FaceRegions, normals: NDArray[np.float64]
) -> ShLight:
    """The photo's light on the face: SH fitted to the skin's linear luminance at the mesh
    vertices (a light ridge keeps the terms the visible hemisphere cannot pin down from
    running off; a second pass drops the worst-fitting tenth, highlights and stray hair).
    A stronger ridge on the order-2 terms was tried: it pushes their share of the face's
    shading into the order-1 terms, and relighting then overshoots its target."""
    ys, xs = regions.slices
    lum = luminance(srgb8_to_linear(np.ascontiguousarray(rgb[ys, xs])))
    lum = np.asarray(
        cv2.GaussianBlur(lum, (0, 0), max(0.8, regions.face_width * 0.01)), dtype=np.float32
    )
    pts = np.round(regions.points[:468]).astype(np.int64)
    h, w = lum.shape
    inside = (pts[:, 0] >= 0) & (pts[:, 0] < w) & (pts[:, 1] >= 0) & (pts[:, 1] < h)
    ids = np.flatnonzero(inside)
    ids = ids[regions.skin[pts[ids, 1], pts[ids, 0]] > 0.5]
    ids = ids[normals[ids, 2] > 0.05]  # seen faces only
    if len(ids) < 30:
        raise ValueError(f"too little skin visible to estimate the light ({len(ids)} points)")
    basis = sh_basis(normals[ids]) * _BAND
    values = lum[pts[ids, 1], pts[ids, 0]].astype(np.float64)
    keep = np.ones(len(ids), dtype=bool)
    for _ in range(2):
        c = _ridge(basis[keep], values[keep])
        residual = np.abs(basis @ c - values)
        keep = residual <= np.quantile(residual, 0.9)
    return ShLight(c * _BAND)


def _ridge(a: NDArray[np.float64], b: NDArray[np.float64]) -> NDArray[np.float64]:
    scale = float(np.mean(b)) or 1.0
    reg = np.full(a.shape[1], 0.02 * len(b))
    reg[0] = 0.0
    lhs = a.T @ a + np.diag(reg)
    out: NDArray[np.float64] = np.linalg.solve(lhs, a.T @ b / scale) * scale
    return out


def target_light(name: LightName, estimated: ShLight) -> ShLight:
    """The studio light ``name`` as SH, scaled to the estimate's level on a frontal normal
    (so exposure stays), or, for ``"even"``, the estimate without its one-sided terms."""
    if name == "even":
        c = estimated.coefficients.copy()
        c[list(_ASYMMETRIC)] = 0.0
        return ShLight(c)
    if name not in _SETUPS:
        raise ValueError(f"unknown light {name!r}; expected one of {', '.join(LIGHTS)}")
    c = np.zeros(9)
    c[0] = _AMBIENT[name] / 0.282095  # uniform irradiance
    for direction, intensity in _SETUPS[name]:
        d = np.asarray(direction, dtype=np.float64)
        c += intensity * sh_basis((d / np.linalg.norm(d))[None])[0] * _BAND
    front = float(ShLight(c).shading(_FRONT[None])[0])
    wanted = float(estimated.shading(_FRONT[None])[0])
    return ShLight(c * (wanted / front))


def relight(
    rgb: NDArray[np.uint8],
    regions: FaceRegions,
    normals: NDArray[np.float64],
    estimated: ShLight,
    target: ShLight,
    strength: float,
    person: NDArray[np.float32] | None = None,
) -> NDArray[np.uint8]:
    """The ROI relit from ``estimated`` toward ``target`` by ``strength`` in [0, 1]: linear
    light times a feathered ratio image; pixels with no weight keep their bytes.

    With the ROI's ``person`` matte, the relight runs on past the face's edge onto the ears,
    neck and hairline (the ratio carried on from the edge, fading out), so the face does not
    stand out from them as a mask; without it, it stays inside the face oval."""
    ys, xs = regions.slices
    roi = np.ascontiguousarray(rgb[ys, xs])
    est = estimated.shading(normals)
    floor = 0.15 * float(estimated.shading(_FRONT[None])[0])
    ratio = np.clip(target.shading(normals) / np.maximum(est, floor), *_RATIO_RANGE)
    log_ratio = _rasterize(np.log(ratio), regions)
    sigma = regions.face_width * 0.06
    if person is None:
        inside = cv2.GaussianBlur(regions.face, (0, 0), sigma) * regions.face
        spread = np.asarray(cv2.GaussianBlur(inside, (0, 0), sigma * 0.5), dtype=np.float32)
    else:
        grown = np.asarray(cv2.GaussianBlur(regions.face, (0, 0), sigma * 2), dtype=np.float32)
        spread = np.minimum(grown * 2.0, 1.0) * person
    weight = (spread * strength).astype(np.float32)
    gain = np.exp(log_ratio * weight)[..., None]
    out = linear_to_srgb8(srgb8_to_linear(roi) * gain)
    return np.where((weight > 1e-4)[..., None], out, roi)


def _rasterize(values: NDArray[np.float64], regions: FaceRegions) -> NDArray[np.float32]:
    """Per-vertex ``values`` spread smoothly over the face: each canonical triangle filled
    with its mean, then a normalised Gaussian blur (so the face's edge does not pull in 0),
    and carried on past the face's edge by a wider one."""
    shape = regions.face.shape
    acc = np.zeros(shape, dtype=np.float32)
    cover = np.zeros(shape, dtype=np.float32)
    tri = load_canonical_face().triangles
    tri = tri[(tri < 468).all(axis=1)]
    corners = np.round(regions.points[tri] * 4).astype(np.int32)  # 2 fractional bits
    means = values[tri].mean(axis=1)
    for poly, value in zip(corners, means, strict=True):
        cv2.fillConvexPoly(acc, poly, float(value), cv2.LINE_8, 2)  # type: ignore[call-overload]
        cv2.fillConvexPoly(cover, poly, 1.0, cv2.LINE_8, 2)  # type: ignore[call-overload]
    near = _normalized_blur(acc, cover, max(1.0, regions.face_width * 0.03))
    far = _normalized_blur(acc, cover, regions.face_width * 0.25)
    reach = cv2.GaussianBlur(cover, (0, 0), max(1.0, regions.face_width * 0.03))
    out: NDArray[np.float32] = np.where(reach > 0.2, near, far).astype(np.float32)
    return out


def _normalized_blur(
    values: NDArray[np.float32], cover: NDArray[np.float32], sigma: float
) -> NDArray[np.float32]:
    """Gaussian blur of ``values`` where ``cover`` is 1, carried on past its edge."""
    blurred = cv2.GaussianBlur(values * cover, (0, 0), sigma)
    weight = cv2.GaussianBlur(cover, (0, 0), sigma)
    out: NDArray[np.float32] = blurred / np.maximum(weight, 1e-6)
    return out
