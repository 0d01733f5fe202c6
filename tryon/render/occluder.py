"""The head occluder: depth only, so products behind the face or the head are hidden.

Two meshes per face: the tracked face mesh (eyes and mouth closed, vertices rewritten in place
each frame) and the :class:`~tryon.render.fit.HeadProxy` ellipsoid (a unit hemisphere uploaded
once, drawn twice with a per-face matrix: front half and back half). The ellipsoid is closed
and the camera outside it, so its inner faces, always behind its outer ones, are culled (a
software rasteriser pays for every triangle it fills).
"""

from __future__ import annotations

import math

import moderngl
import numpy as np
from numpy.typing import NDArray

from tryon.render.fit import HeadProxy
from tryon.render.programs import ProgramCache
from tryon.render.uniforms import set_matrix, set_uniform
from tryon.tracking.geometry import FaceGeometry
from tryon.tracking.observation import NUM_LANDMARKS

__all__ = ["FACE_PUSH_M", "HeadOccluder", "unit_hemisphere"]

#: The face surface is pushed this far away from the camera so that tracking noise (and a
#: smile's raised cheeks) does not cut into a frame resting on the nose and cheeks; the nose
#: still hides the far rim of a strongly turned head.
FACE_PUSH_M = 0.008

_IDENTITY = np.eye(4, dtype=np.float32)
#: The faces to cull of the proxy's (front, back) halves: the front half's matrix mirrors z,
#: which turns its outer faces into back faces.
_CULL_FACES = ("front", "back")


def unit_hemisphere(
    rings: int = 8, segments: int = 24
) -> tuple[NDArray[np.float32], NDArray[np.uint32]]:
    """Vertices ``(N, 3)`` and triangle indices of the z <= 0 half of the unit sphere, the
    rim (z = 0) included; triangles are counter-clockwise seen from outside. The default
    8 x 24 stays within 0.9% of the sphere (about a millimetre on the skull proxy)."""
    polar = np.linspace(0.0, math.pi / 2, rings + 1)  # from the pole (0, 0, -1) to the rim
    azimuth = np.linspace(0.0, 2 * math.pi, segments, endpoint=False)
    p, a = np.meshgrid(polar, azimuth, indexing="ij")
    verts = np.stack([np.sin(p) * np.cos(a), np.sin(p) * np.sin(a), -np.cos(p)], axis=-1).reshape(
        -1, 3
    )
    r = np.arange(rings)[:, None]
    s = np.arange(segments)[None, :]
    s1 = (s + 1) % segments
    a0, a1 = r * segments + s, r * segments + s1
    b0, b1 = (r + 1) * segments + s, (r + 1) * segments + s1
    tris = np.stack([a0, b1, b0, a0, a1, b1], axis=-1).reshape(-1, 3)
    return verts.astype(np.float32), tris.astype(np.uint32).ravel()


class HeadOccluder:
    """Writes the depth of each face's head; colour writes are masked off while it draws."""

    def __init__(
        self,
        ctx: moderngl.Context,
        programs: ProgramCache,
        face_triangles: NDArray[np.integer],  # type: ignore[type-arg]
    ) -> None:
        self.ctx = ctx
        self.program = programs.get("occluder", "occluder")
        self._face_vbo = ctx.buffer(reserve=NUM_LANDMARKS * 3 * 4, dynamic=True)
        self._face_ibo = ctx.buffer(np.ascontiguousarray(face_triangles, dtype=np.uint32).ravel())
        self._face_vao = ctx.vertex_array(
            self.program, [(self._face_vbo, "3f", "in_position")], index_buffer=self._face_ibo
        )
        verts, tris = unit_hemisphere()
        self._proxy_vbo = ctx.buffer(verts)
        self._proxy_ibo = ctx.buffer(tris)
        self._proxy_vao = ctx.vertex_array(
            self.program, [(self._proxy_vbo, "3f", "in_position")], index_buffer=self._proxy_ibo
        )

    def draw(
        self,
        fbo: moderngl.Framebuffer,
        face: FaceGeometry,
        proxy: HeadProxy,
        projection: NDArray[np.float32],
    ) -> None:
        """Write the depth of ``face``'s head (its mesh and skull ``proxy``) into ``fbo``
        (bound, depth test on, front faces clockwise as the flipped projection draws them)."""
        vertices = np.ascontiguousarray(face.vertices, dtype=np.float32)
        if vertices.shape != (NUM_LANDMARKS, 3):
            raise ValueError(
                f"FaceGeometry.vertices must be ({NUM_LANDMARKS}, 3), got {vertices.shape}"
            )
        self._face_vbo.write(vertices)
        mask = fbo.color_mask
        fbo.color_mask = (False, False, False, False)
        fbo.use()  # moderngl applies a framebuffer's masks when it is bound
        set_matrix(self.program, "u_projection", projection)
        set_matrix(self.program, "u_model", _IDENTITY)
        set_uniform(self.program, "u_push", FACE_PUSH_M)
        self._face_vao.render(moderngl.TRIANGLES)
        set_uniform(self.program, "u_push", 0.0)
        self.ctx.enable(moderngl.CULL_FACE)
        for half, cull in zip(proxy.half_matrices(face), _CULL_FACES, strict=True):
            self.ctx.cull_face = cull
            set_matrix(self.program, "u_model", half)
            self._proxy_vao.render(moderngl.TRIANGLES)
        self.ctx.cull_face = "back"
        self.ctx.disable(moderngl.CULL_FACE)
        fbo.color_mask = mask
        fbo.use()

    def objects(self) -> tuple[moderngl.Buffer | moderngl.VertexArray, ...]:
        return (
            self._face_vao,
            self._face_vbo,
            self._face_ibo,
            self._proxy_vao,
            self._proxy_vbo,
            self._proxy_ibo,
        )

    def release(self) -> None:
        for obj in self.objects():
            obj.release()
