"""Small GL state helpers shared by the passes."""

from __future__ import annotations

import moderngl

__all__ = ["Culling"]


class Culling:
    """Back-face culling switched per primitive, touching GL only when it changes."""

    def __init__(self, ctx: moderngl.Context) -> None:
        self.ctx = ctx
        self._on: bool | None = None  # GL's state as set here (None: not yet)

    def set(self, cull: bool) -> None:
        if cull != self._on:
            if cull:
                self.ctx.enable(moderngl.CULL_FACE)
            else:
                self.ctx.disable(moderngl.CULL_FACE)
            self._on = cull
