"""The camera frame as the first layer: a texture updated in place, drawn texel for texel.

The texture is RGBA even for RGB frames: GL drivers store RGB8 as RGBX anyway, and Mesa
converts an RGB upload texel by texel (0.36 ms for 640x480 on llvmpipe), while OpenCV adds
the alpha byte in 0.04 ms and an RGBA upload is a copy (0.03 ms).
"""

from __future__ import annotations

import cv2
import moderngl
import numpy as np
from numpy.typing import NDArray

from tryon.render.programs import ProgramCache

__all__ = ["BackgroundPass"]


class BackgroundPass:
    """Holds the frame texture (reallocated only when the frame size changes)."""

    def __init__(self, ctx: moderngl.Context, programs: ProgramCache) -> None:
        self.ctx = ctx
        self.program = programs.get("fullscreen", "background")
        self.vao = ctx.vertex_array(self.program, [])
        self.texture: moderngl.Texture | None = None
        #: RGB pixels with the alpha byte added, the size of the texture (reused).
        self._rgba: NDArray[np.uint8] = np.empty(0, np.uint8)

    def upload(
        self, pixels: NDArray[np.uint8], box: tuple[int, int, int, int] | None = None
    ) -> moderngl.Texture:
        """Write an ``(H, W, 3|4)`` uint8 image (rows top-down) into the texture: all of it,
        or only its ``(x, y, width, height)`` box (the only texels that will be read)."""
        height, width, components = pixels.shape
        tex = self.texture
        if tex is None or tex.size != (width, height):
            if tex is not None:
                tex.release()
            tex = self.ctx.texture((width, height), 4, alignment=1)
            tex.filter = (moderngl.NEAREST, moderngl.NEAREST)
            self.texture = tex
            self._rgba = np.empty(width * height * 4, np.uint8)
        x, y, w, h = (0, 0, width, height) if box is None else box
        region = pixels[y : y + h, x : x + w]
        if components == 3:
            rgba = self._rgba[: w * h * 4].reshape(h, w, 4)
            cv2.cvtColor(region, cv2.COLOR_RGB2RGBA, dst=rgba)
            region = rgba
        tex.write(np.ascontiguousarray(region), viewport=(x, y, w, h))
        return tex

    def draw(self, offset: tuple[int, int] = (0, 0)) -> None:
        """Fill the bound framebuffer's viewport with the texture from texel ``offset`` on
        (depth test must be off)."""
        if self.texture is None:
            raise RuntimeError("BackgroundPass.draw() before any upload()")
        self.texture.use(0)
        self.program["u_frame"] = 0
        self.program["u_offset"] = offset
        self.vao.render(moderngl.TRIANGLES, vertices=3)

    def release(self) -> None:
        self.vao.release()
        if self.texture is not None:
            self.texture.release()
            self.texture = None
