"""The camera frame as the first layer: a texture updated in place, drawn texel for texel."""

from __future__ import annotations

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

    def upload(
        self, pixels: NDArray[np.uint8], box: tuple[int, int, int, int] | None = None
    ) -> moderngl.Texture:
        """Write an ``(H, W, 3|4)`` uint8 image (rows top-down) into the texture: all of it,
        or only its ``(x, y, width, height)`` box (the only texels that will be read)."""
        height, width, components = pixels.shape
        tex = self.texture
        if tex is None or tex.size != (width, height) or tex.components != components:
            if tex is not None:
                tex.release()
            tex = self.ctx.texture((width, height), components, alignment=1)
            tex.filter = (moderngl.NEAREST, moderngl.NEAREST)
            self.texture = tex
        if box is None:
            tex.write(np.ascontiguousarray(pixels))
        else:
            x, y, w, h = box
            tex.write(np.ascontiguousarray(pixels[y : y + h, x : x + w]), viewport=box)
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
