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

    def draw(
        self,
        image: moderngl.Texture,
        frame_size: tuple[int, int],
        surface: Surface,
        box: tuple[int, int, int, int] | None = None,
    ) -> None:
        """Show a frame of ``frame_size`` in ``surface``'s viewport: all of ``image`` (the
        frame, texel for texel), or, given ``box`` (x, y, width, height in frame pixels, rows
        top-down), ``image``'s corner holding that box, laid where the box falls."""
        fw, fh = frame_size
        x0, y0, bw, bh = (0, 0, fw, fh) if box is None else box
        vx, vy, vw, vh = surface.viewport
        sx, sy = vw / fw, vh / fh
        left = (fw - x0 - bw) if surface.mirror else x0
        rect = (
            vx + round(left * sx),
            vy + round((fh - y0 - bh) * sy),
            max(round(bw * sx), 1),
            max(round(bh * sy), 1),
        )
        surface.fbo.viewport = rect
        surface.fbo.scissor = rect
        surface.fbo.use()
        image.use(0)
        self.program["u_image"] = 0
        self.program["u_size"] = (float(bw), float(bh))
        self.program["u_viewport"] = tuple(float(v) for v in rect)
        self.program["u_mirror"] = surface.mirror
        self.vao.render(moderngl.TRIANGLES, vertices=3)
        surface.fbo.scissor = (0, 0, *surface.fbo.size)

    def release(self) -> None:
        self.vao.release()
