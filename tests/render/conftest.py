"""Render test fixtures: a real tracked face, synthetic posed faces, a synthetic pair of
glasses with known geometry, and one renderer per test session."""

from __future__ import annotations

import math
from collections.abc import Iterator

import moderngl
import numpy as np
import pytest
from numpy.typing import NDArray

from tryon.catalog.asset import Asset, Material, Primitive
from tryon.render.fit import EyewearPose, Part, eyewear_part
from tryon.render.renderer import Renderer
from tryon.tracking.camera import CameraIntrinsics
from tryon.tracking.canonical import load_canonical_face
from tryon.tracking.geometry import FaceGeometry
from tryon.tracking.observation import FaceObservation

LENS_HALF_W, LENS_HALF_H, BRIDGE, RIM = 0.026, 0.02, 0.018, 0.004
LENS_X = BRIDGE / 2 + LENS_HALF_W
HINGE_X = LENS_X + LENS_HALF_W + RIM
TEMPLE_LENGTH = 0.14


def rotation_y(deg: float) -> NDArray[np.float64]:
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])


def synthetic_face(
    camera: CameraIntrinsics, yaw_deg: float = 0.0, distance: float = 0.45
) -> FaceGeometry:
    """The canonical face turned ``yaw_deg`` (positive: toward the person's left, i.e. the
    face's +X side goes away from the camera) at ``distance`` metres, centred in view."""
    canonical = load_canonical_face()
    rotation = rotation_y(yaw_deg)
    translation = np.array([0.0, 0.0, -distance])
    vertices = canonical.vertices.astype(np.float64) @ rotation.T + translation
    pixels = camera.project(vertices)
    landmarks = np.column_stack([pixels, (-vertices[:, 2] - distance) * camera.fx / distance])
    iris_px = 11.7e-3 * camera.fx / distance
    obs = FaceObservation(
        landmarks=landmarks.astype(np.float32),
        iris_centers=pixels[[468, 473]],
        iris_diameters_px=np.array([iris_px, iris_px], dtype=np.float32),
        presence=1.0,
        bbox=(
            float(pixels[:, 0].min()),
            float(pixels[:, 1].min()),
            float(pixels[:, 0].max()),
            float(pixels[:, 1].max()),
        ),
        image_size=(camera.width, camera.height),
        timestamp_ms=0,
    )
    return FaceGeometry(
        observation=obs,
        camera=camera,
        rotation=rotation,
        translation=translation,
        mm_per_px=1000.0 * distance / camera.fx,
        vertices=vertices.astype(np.float32),
    )


def _prim(
    path: tuple[str, ...],
    positions: NDArray[np.float64],
    normals: NDArray[np.float64],
    tris: NDArray[np.int64],
    material: Material,
) -> Primitive:
    return Primitive(
        node_path=path,
        positions=positions.astype(np.float32),
        normals=normals.astype(np.float32),
        indices=tris.astype(np.uint32).ravel(),
        material=material,
    )


def _ellipse(cx: float, rx: float, ry: float, n: int = 48) -> NDArray[np.float64]:
    t = np.linspace(0.0, 2 * math.pi, n, endpoint=False)
    return np.column_stack([cx + rx * np.cos(t), ry * np.sin(t), np.zeros(n)])


def _disc(cx: float, n: int = 48) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    ring = _ellipse(cx, LENS_HALF_W, LENS_HALF_H, n)
    verts = np.vstack([[cx, 0.0, 0.0], ring])
    tris = np.array([[0, 1 + i, 1 + (i + 1) % n] for i in range(n)])
    return verts, tris


def _annulus(cx: float, n: int = 48) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    inner = _ellipse(cx, LENS_HALF_W, LENS_HALF_H, n)
    outer = _ellipse(cx, LENS_HALF_W + RIM, LENS_HALF_H + RIM, n)
    verts = np.vstack([inner, outer])
    tris = []
    for i in range(n):
        j = (i + 1) % n
        tris += [[i, n + i, n + j], [i, n + j, j]]
    return verts, np.array(tris)


def _box(
    lo: tuple[float, float, float], hi: tuple[float, float, float]
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.int64]]:
    """An axis-aligned box with flat normals (24 vertices, outward CCW faces)."""
    lo_, hi_ = np.array(lo), np.array(hi)
    verts, norms, tris = [], [], []
    for axis in range(3):
        for sign in (-1.0, 1.0):
            u, v = (axis + 1) % 3, (axis + 2) % 3
            quad = []
            for a, b in ((0, 0), (1, 0), (1, 1), (0, 1)):
                p = np.where(sign > 0, hi_, lo_).astype(float).copy()
                p[u] = (lo_[u], hi_[u])[a]
                p[v] = (lo_[v], hi_[v])[b]
                quad.append(p)
            base = len(verts)
            n = np.zeros(3)
            n[axis] = sign
            verts += quad
            norms += [n] * 4
            order = [[0, 1, 2], [0, 2, 3]] if sign > 0 else [[0, 2, 1], [0, 3, 2]]
            tris += [[base + i for i in t] for t in order]
    return np.array(verts), np.array(norms), np.array(tris)


FRAME_MATERIAL = Material(
    name="acetate",
    base_color=(0.02, 0.02, 0.025, 1.0),
    metallic=0.0,
    roughness=0.3,
    double_sided=True,
)
#: Temples in pure colours (red left, blue right) so that tests can count their pixels.
TEMPLE_MATERIALS = {
    side: Material(name=f"temple_{side}", base_color=color, metallic=0.0, roughness=0.6)
    for side, color in (("left", (0.8, 0.0, 0.0, 1.0)), ("right", (0.0, 0.0, 0.8, 1.0)))
}


def synthetic_glasses(lens: Material | None = None, *, frame: Material = FRAME_MATERIAL) -> Asset:
    """Flat elliptic lenses (52 x 40 mm, bridge 18 mm), 4 mm rims, box temples 140 mm long
    (red, so they are easy to count), in the eyewear frame of :mod:`tryon.catalog.asset`."""
    lens = lens or Material(
        name="grey",
        base_color=(0.2, 0.2, 0.2, 0.7),
        metallic=0.0,
        roughness=0.05,
        double_sided=True,
        transmission=1.0,
    )
    prims = []
    for side, sign in (("left", 1.0), ("right", -1.0)):
        verts, tris = _disc(sign * LENS_X)
        prims.append(
            _prim(
                ("glasses", "frame_front", f"lens_{side}"),
                verts,
                np.tile([0.0, 0.0, 1.0], (len(verts), 1)),
                tris,
                lens,
            )
        )
        verts, tris = _annulus(sign * LENS_X)
        prims.append(
            _prim(
                ("glasses", "frame_front"),
                verts,
                np.tile([0.0, 0.0, 1.0], (len(verts), 1)),
                tris,
                frame,
            )
        )
        x0, x1 = sorted((sign * (HINGE_X - 0.003), sign * HINGE_X))
        verts, norms, tris = _box((x0, 0.004, -TEMPLE_LENGTH), (x1, 0.009, 0.0))
        prims.append(
            _prim(("glasses", f"temple_{side}"), verts, norms, tris, TEMPLE_MATERIALS[side])
        )
    verts, norms, tris = _box((-BRIDGE / 2, 0.008, -0.002), (BRIDGE / 2, 0.012, 0.002))
    prims.append(_prim(("glasses", "frame_front"), verts, norms, tris, frame))
    anchors = {
        "bridge": np.array([0.0, 0.004, -0.004], dtype=np.float32),
        "hinge_left": np.array([HINGE_X, 0.0065, 0.0], dtype=np.float32),
        "hinge_right": np.array([-HINGE_X, 0.0065, 0.0], dtype=np.float32),
        "temple_end_left": np.array([HINGE_X, 0.0065, -TEMPLE_LENGTH], dtype=np.float32),
        "temple_end_right": np.array([-HINGE_X, 0.0065, -TEMPLE_LENGTH], dtype=np.float32),
    }
    return Asset(primitives=tuple(prims), anchors=anchors)


@pytest.fixture(scope="session")
def astronaut_face(astronaut: NDArray[np.uint8]) -> FaceGeometry:
    """The astronaut's face, tracked by MediaPipe and solved to metric geometry."""
    from tryon.tracking.still import faces_in_still

    faces = faces_in_still(astronaut)
    assert faces, "the tracker found no face on the astronaut photo"
    return faces[0]


@pytest.fixture(scope="session")
def _session_renderer(_gl_session_ctx: moderngl.Context) -> Iterator[Renderer]:
    renderer = Renderer(_gl_session_ctx)
    yield renderer
    renderer.release()


@pytest.fixture
def renderer(gl_ctx: moderngl.Context, _session_renderer: Renderer) -> Renderer:
    """The session's renderer on the session's context (checked for GL errors)."""
    return _session_renderer


def silhouette(
    asset: Asset,
    pose: EyewearPose,
    camera: CameraIntrinsics,
    parts: tuple[Part, ...] = ("front", "temple_left", "temple_right"),
) -> NDArray[np.bool_]:
    """Pixels covered by ``asset``'s triangles of ``parts`` at ``pose`` (no occlusion),
    rasterised on the CPU from the projected vertices."""
    from skimage.draw import polygon

    mask = np.zeros((camera.height, camera.width), dtype=bool)
    for prim in asset.primitives:
        part = eyewear_part(prim.node_path)
        if part not in parts:
            continue
        m = pose.part_matrix(part).astype(np.float64)
        cam = prim.positions.astype(np.float64) @ m[:3, :3].T + m[:3, 3]
        px = camera.project(cam)
        for tri in prim.indices.reshape(-1, 3):
            rr, cc = polygon(px[tri, 1], px[tri, 0], shape=mask.shape)
            mask[rr, cc] = True
    return mask
