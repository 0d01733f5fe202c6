"""Drawing the finished frame into a window: the renderer's seam for a given GL context.

The headless path reads the drawn box back into an array. A window (the kiosk) instead
shows the finished frame in its own framebuffer with :class:`PresentPass`: no readback, no
re-upload; the picture is scaled to the viewport and mirrored when asked.
"""

from __future__ import annotations

from dataclasses import dataclass

import moderngl

from tryon.render.programs import ProgramCache

__all__ = ["PresentPass", "Surface"]


@dataclass(frozen=True, slots=True)
class Surface:
    """Where to show frames: a framebuffer (a window's), the viewport ``(x, y, width,
    height)`` in its pixels (bottom-left origin, as GL's), and whether to mirror."""

    fbo: moderngl.Framebuffer
    viewport: tuple[int, int, int, int]
    mirror: bool = True


class PresentPass:
    """Draws a finished frame texture into a :class:`Surface`."""

    def __init__(self, ctx: moderngl.Context, programs: ProgramCache) -> None:
        self.ctx = ctx
        self.program = programs.get("fullscreen", "present")
        self.vao = ctx.vertex_array(self.program, [])

    def draw(self, image: moderngl.Texture, size: tuple[int, int], surface: Surface) -> None:
        """Show the ``size`` texels at ``image``'s corner in ``surface``'s viewport."""
        surface.fbo.viewport = surface.viewport
        surface.fbo.scissor = surface.viewport
        surface.fbo.use()
        image.use(0)
        self.program["u_image"] = 0
        self.program["u_size"] = (float(size[0]), float(size[1]))
        self.program["u_viewport"] = tuple(float(v) for v in surface.viewport)
        self.program["u_mirror"] = surface.mirror
        self.vao.render(moderngl.TRIANGLES, vertices=3)
        surface.fbo.scissor = (0, 0, *surface.fbo.size)

    def release(self) -> None:
        self.vao.release()
