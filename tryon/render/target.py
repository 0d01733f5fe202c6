"""The multisampled framebuffer a frame is drawn into, its resolve target and readback."""

from __future__ import annotations

import moderngl
import numpy as np
from numpy.typing import NDArray

__all__ = ["RenderTarget"]


class RenderTarget:
    """A ``samples``-x MSAA colour + depth framebuffer of one size, resolved into a
    single-sampled one and read back once into a preallocated ``(H, W, components)`` array."""

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
        self.pixels: NDArray[np.uint8] = np.empty((height, width, components), dtype=np.uint8)

    def read(self, out: NDArray[np.uint8] | None = None) -> NDArray[np.uint8]:
        """Resolve the samples and read the pixels (framebuffer row 0 first) into ``out``, or
        into :attr:`pixels`, which the next read overwrites."""
        target = self.pixels if out is None else out
        if target.shape != self.pixels.shape or target.dtype != np.uint8:
            raise ValueError(
                f"out must be a uint8 array of shape {self.pixels.shape}, "
                f"got {target.dtype} {target.shape}"
            )
        if not target.flags.c_contiguous or not target.flags.writeable:
            raise ValueError("out must be a writeable C-contiguous array")
        source = self.fbo
        if self._resolve_fbo is not None:
            self.ctx.copy_framebuffer(self._resolve_fbo, self.fbo)
            source = self._resolve_fbo
        source.read_into(target, components=self.components, alignment=1)
        return target

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
