"""The framebuffer a frame is drawn into, its single-sampled copy, and the readback.

Only a box of the frame (the pixels the products may cover) is drawn, at the framebuffer's
corner: copying, smoothing and reading back scale with the products' size, not the frame's.

Per anti-aliasing mode (:mod:`tryon.render.antialias`):

* ``msaa``: multisampled colour and depth; the box is resolved into the copy and read there;
* ``fxaa``: single-sampled colour (a texture); the FXAA pass draws the box into the copy
  (with the depth buffer, free again once the products are drawn, marking the edges), which
  is read;
* ``none``: single-sampled colour, read directly.

The copy also serves as the lenses' backdrop (:meth:`RenderTarget.backdrop`): what was drawn
before them, frame and opaque parts, so a temple behind a lens shows through it.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import moderngl
import numpy as np
from numpy.typing import NDArray

from tryon.render.antialias import MSAA_SAMPLES, AntialiasMode, FxaaPass

__all__ = ["Box", "RenderTarget"]

#: ``(x, y, width, height)`` in image pixels, origin at the top-left corner.
Box = tuple[int, int, int, int]


class RenderTarget:
    """Colour + depth framebuffer of one size (multisampled for ``msaa``), the colour alone
    as a framebuffer too, a single-sampled copy of it, and a preallocated readback buffer."""

    def __init__(
        self,
        ctx: moderngl.Context,
        size: tuple[int, int],
        antialias: AntialiasMode,
        fxaa: FxaaPass | None = None,
        components: int = 3,
    ) -> None:
        if components not in (3, 4):
            raise ValueError(f"components must be 3 (RGB) or 4 (RGBA), got {components}")
        if (antialias == "fxaa") != (fxaa is not None):
            raise ValueError(f"an FxaaPass is needed for antialias='fxaa' only, got {antialias!r}")
        self.ctx = ctx
        self.size = size
        self.antialias = antialias
        self.components = components
        self._fxaa = fxaa
        samples = MSAA_SAMPLES if antialias == "msaa" else 0
        self._color: moderngl.Renderbuffer | moderngl.Texture
        if samples:
            self._color = ctx.renderbuffer(size, 4, samples=samples)
        else:
            self._color = ctx.texture(size, 4)
            self._color.filter = (moderngl.LINEAR, moderngl.LINEAR)  # FXAA's bilinear taps
        self._depth = ctx.depth_renderbuffer(size, samples=samples)
        self.fbo = ctx.framebuffer(color_attachments=[self._color], depth_attachment=self._depth)
        #: The colour without the depth: what is drawn without depth costs llvmpipe about
        #: half as much per pixel there (a depth buffer attached slows every shader).
        self.flat_fbo = ctx.framebuffer(color_attachments=[self._color])
        self._copy = ctx.texture(size, 4)
        self._copy.filter = (moderngl.NEAREST, moderngl.NEAREST)
        self._copy_fbo = ctx.framebuffer([self._copy])
        #: The copy with the depth buffer: where FXAA marks the edge pixels it smooths.
        self._smooth_fbo = ctx.framebuffer([self._copy], self._depth) if fxaa is not None else None
        width, height = size
        #: The full-frame result buffer that the renderer fills when given no ``out``.
        self.pixels: NDArray[np.uint8] = np.empty((height, width, components), dtype=np.uint8)
        #: RGBA read back before RGB is kept: Mesa packs RGB texel by texel (0.36 ms for
        #: 640x480 on llvmpipe), OpenCV drops the alpha bytes in 0.03 ms.
        self._scratch: NDArray[np.uint8] = np.empty(width * height * 4, dtype=np.uint8)

    def begin(self, width: int, height: int, depth: bool = True) -> None:
        """Bind the framebuffer for drawing a ``width`` x ``height`` box at its corner (its
        depth cleared; ``depth=False``: the colour alone, :attr:`flat_fbo`)."""
        box = (0, 0, width, height)
        fbo = self.fbo if depth else self.flat_fbo
        fbo.viewport = box
        fbo.scissor = box
        fbo.use()
        if depth:
            fbo.clear(depth=1.0, viewport=box)

    def backdrop(self, width: int, height: int) -> moderngl.Texture:
        """What is drawn so far in the ``width`` x ``height`` box, copied (resolved, with
        MSAA) into a texture that later draws sample; the framebuffer is bound again."""
        self._copy_box(width, height)
        self.fbo.use()
        return self._copy

    def finish(self, width: int, height: int, smooth: bool = True) -> moderngl.Texture:
        """Finish the drawn ``width`` x ``height`` box (resolve it, or smooth it unless
        ``smooth`` is False: nothing with edges was drawn) and return the texture that holds
        it at its corner (rows top-down, as drawn)."""
        if self.antialias == "msaa":
            self._copy_box(width, height)
            return self._copy
        assert isinstance(self._color, moderngl.Texture)  # single-sampled without MSAA
        if self._fxaa is not None and self._smooth_fbo is not None and smooth:
            self._fxaa.draw(self._color, self._smooth_fbo, (width, height))
            return self._copy
        return self._color

    def read(
        self, box: Box, out: NDArray[np.uint8], smooth: bool = True, regions: Sequence[Box] = ()
    ) -> NDArray[np.uint8]:
        """Finish the drawn box and read it back into ``out[y:y+h, x:x+w]``: all of it, or
        only ``regions`` (boxes of the frame inside it)."""
        x, y, w, h = box
        source = self._copy_fbo if self.finish(w, h, smooth) is self._copy else self.fbo
        for rx, ry, rw, rh in regions or (box,):
            region = self._scratch[: rw * rh * 4].reshape(rh, rw, 4)
            source.read_into(region, viewport=(rx - x, ry - y, rw, rh), components=4, alignment=1)
            into = out[ry : ry + rh, rx : rx + rw]
            if self.components == 4:
                into[...] = region
            else:
                converted = cv2.cvtColor(region, cv2.COLOR_RGBA2RGB, dst=into)
                if not np.may_share_memory(converted, out):  # OpenCV made its own array
                    into[...] = converted
        return out

    def _copy_box(self, width: int, height: int) -> None:
        self._copy_fbo.scissor = (0, 0, width, height)
        self._copy_fbo.use()  # the scissor limits the blit to the box
        self.ctx.copy_framebuffer(self._copy_fbo, self.fbo)

    def objects(
        self,
    ) -> tuple[moderngl.Framebuffer | moderngl.Renderbuffer | moderngl.Texture, ...]:
        """Every GL object this target owns."""
        objs = (self._color, self._depth, self.fbo, self.flat_fbo, self._copy, self._copy_fbo)
        return objs if self._smooth_fbo is None else (*objs, self._smooth_fbo)

    def release(self) -> None:
        if self.ctx.fbo in (self.fbo, self.flat_fbo, self._copy_fbo, self._smooth_fbo):
            # moderngl re-binds ctx.fbo after making any framebuffer: leave it a live one.
            self.ctx.detect_framebuffer(0).use()
        for obj in self.objects():
            obj.release()
