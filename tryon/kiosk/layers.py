"""What the kiosk draws over the engine's picture in the window: the UI overlay (an RGBA
texture uploaded only when the UI changes, blended by ``kiosk_overlay.frag``) and the
"before" side of the before/after split (the raw frame through the renderer's own
``present.frag``, scissored to the left part of the picture)."""

from __future__ import annotations

import moderngl
import numpy as np
from numpy.typing import NDArray

from tryon.render.programs import ProgramCache
from tryon.render.surface import Surface

__all__ = ["BeforeLayer", "OverlayLayer", "row_spans"]


def row_spans(alpha: NDArray[np.uint8]) -> list[tuple[int, int]]:
    """The ``[start, stop)`` row ranges of ``alpha`` (top row first) with anything drawn."""
    drawn = np.concatenate(([False], alpha.any(axis=1), [False]))
    edges = np.flatnonzero(drawn[1:] != drawn[:-1])
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


class OverlayLayer:
    """The UI image over the window framebuffer, blended only on the rows where it has
    something (on a software renderer every full-screen pass costs)."""

    def __init__(self, ctx: moderngl.Context, programs: ProgramCache, size: tuple[int, int]):
        self.ctx = ctx
        self.size = size
        self.program = programs.get("fullscreen", "kiosk_overlay")
        self.vao = ctx.vertex_array(self.program, [])
        self.texture = ctx.texture(size, 4)
        self.texture.filter = (moderngl.NEAREST, moderngl.NEAREST)
        self._spans: list[tuple[int, int]] = []

    def upload(self, rgba: NDArray[np.uint8]) -> None:
        """Replace the UI image (``(H, W, 4)``, the window's size)."""
        if rgba.shape != (self.size[1], self.size[0], 4):
            raise ValueError(
                f"overlay must be {self.size[0]}x{self.size[1]} RGBA, got {rgba.shape}"
            )
        self.texture.write(np.ascontiguousarray(rgba))
        self._spans = row_spans(rgba[..., 3])

    def draw(self, fbo: moderngl.Framebuffer) -> None:
        fbo.viewport = (0, 0, *self.size)
        fbo.use()
        self.ctx.enable(moderngl.BLEND)
        self.ctx.blend_func = moderngl.SRC_ALPHA, moderngl.ONE_MINUS_SRC_ALPHA
        w, h = self.size
        try:
            self.texture.use(0)
            self.program["u_overlay"] = 0
            self.program["u_size"] = (float(w), float(h))
            for top, bottom in self._spans:
                fbo.scissor = (0, h - bottom, w, bottom - top)
                self.vao.render(moderngl.TRIANGLES, vertices=3)
        finally:
            fbo.scissor = (0, 0, *fbo.size)
            self.ctx.disable(moderngl.BLEND)

    def release(self) -> None:
        self.vao.release()
        self.texture.release()


class BeforeLayer:
    """The raw camera frame on the left part of the picture (the "before" of the split)."""

    def __init__(self, ctx: moderngl.Context, programs: ProgramCache) -> None:
        self.ctx = ctx
        self.program = programs.get("fullscreen", "present")
        self.vao = ctx.vertex_array(self.program, [])
        self.texture: moderngl.Texture | None = None

    def draw(self, frame: NDArray[np.uint8], surface: Surface, split: float) -> None:
        """Show ``frame`` in ``surface``'s viewport left of ``split`` (0..1 of its width)."""
        h, w = frame.shape[:2]
        if self.texture is None or self.texture.size != (w, h):
            if self.texture is not None:
                self.texture.release()
            self.texture = self.ctx.texture((w, h), 3)
        self.texture.write(frame)
        x, y, vw, vh = surface.viewport
        cut = round(vw * min(max(split, 0.0), 1.0))
        if cut <= 0:
            return
        fbo = surface.fbo
        fbo.viewport = surface.viewport
        fbo.scissor = (x, y, cut, vh)
        fbo.use()
        try:
            self.texture.use(0)
            self.program["u_image"] = 0
            self.program["u_size"] = (float(w), float(h))
            self.program["u_viewport"] = tuple(float(v) for v in surface.viewport)
            self.program["u_mirror"] = surface.mirror
            self.vao.render(moderngl.TRIANGLES, vertices=3)
        finally:
            fbo.scissor = (0, 0, *fbo.size)

    def release(self) -> None:
        self.vao.release()
        if self.texture is not None:
            self.texture.release()
            self.texture = None
