"""The multisampled framebuffer a frame is drawn into, its resolve target and readback.

Only a box of the frame (the pixels the products may cover) is drawn, at the framebuffer's
corner: resolving and reading back scale with the products' size, not the frame's.
"""

from __future__ import annotations

import moderngl
import numpy as np
from numpy.typing import NDArray

__all__ = ["Box", "RenderTarget"]

#: ``(x, y, width, height)`` in image pixels, origin at the top-left corner.
Box = tuple[int, int, int, int]


class RenderTarget:
    """A ``samples``-x MSAA colour + depth framebuffer of one size, resolved into a
    single-sampled one and read back into a preallocated buffer."""

    def __init__(
        self, ctx: moderngl.Context, size: tuple[int, int], samples: int, components: int = 3
    ) -> None:
        if components not in (3, 4):
            raise ValueError(f"components must be 3 (RGB) or 4 (RGBA), got {components}")
        self.ctx = ctx
        self.size = size
        self.samples = samples
        self.components = components
        self._color = ctx.renderbuffer(size, 4, samples=samples)
        self._depth = ctx.depth_renderbuffer(size, samples=samples)
        self.fbo = ctx.framebuffer(color_attachments=[self._color], depth_attachment=self._depth)
        if samples > 0:
            self._resolved = ctx.renderbuffer(size, 4)
            self._resolve_fbo: moderngl.Framebuffer | None = ctx.framebuffer([self._resolved])
        else:
            self._resolve_fbo = None
        width, height = size
        #: The full-frame result buffer that :meth:`read` fills when given no ``out``.
        self.pixels: NDArray[np.uint8] = np.empty((height, width, components), dtype=np.uint8)
        self._scratch: NDArray[np.uint8] = np.empty(width * height * components, dtype=np.uint8)

    def begin(self, width: int, height: int) -> None:
        """Bind the framebuffer for drawing a ``width`` x ``height`` box at its corner."""
        box = (0, 0, width, height)
        self.fbo.viewport = box
        self.fbo.scissor = box
        self.fbo.use()
        self.fbo.clear(depth=1.0, viewport=box)

    def read(self, box: Box, out: NDArray[np.uint8]) -> NDArray[np.uint8]:
        """Resolve the drawn box and read it back (once) into ``out[y:y+h, x:x+w]``."""
        x, y, w, h = box
        if self._resolve_fbo is not None:
            self._resolve_fbo.scissor = (0, 0, w, h)
            self._resolve_fbo.use()  # the scissor limits the resolve blit to the box
            self.ctx.copy_framebuffer(self._resolve_fbo, self.fbo)
            source = self._resolve_fbo
        else:
            source = self.fbo
        region = self._scratch[: w * h * self.components].reshape(h, w, self.components)
        source.read_into(region, viewport=(0, 0, w, h), components=self.components, alignment=1)
        out[y : y + h, x : x + w] = region
        return out

    def objects(self) -> tuple[moderngl.Framebuffer | moderngl.Renderbuffer, ...]:
        """Every GL object this target owns."""
        extra = () if self._resolve_fbo is None else (self._resolved, self._resolve_fbo)
        return (self._color, self._depth, self.fbo, *extra)

    def release(self) -> None:
        if self.ctx.fbo in (self.fbo, self._resolve_fbo):
            # moderngl re-binds ctx.fbo after making any framebuffer: leave it a live one.
            self.ctx.detect_framebuffer(0).use()
        for obj in self.objects():
            obj.release()
