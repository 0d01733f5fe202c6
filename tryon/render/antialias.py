"""Anti-aliasing: which kind suits the GL renderer, and the FXAA post pass.

Multisampling (MSAA) is close to free on a GPU but multiplies the rasterisation work of a
software renderer (Mesa llvmpipe: about 3.5x the frame time at 640x480). There an FXAA-style
post pass over the drawn box smooths the products' edges for a fraction of a millisecond.
``"auto"`` picks FXAA on software renderers (and on contexts without multisampling), MSAA
elsewhere.
"""

from __future__ import annotations

from typing import Literal, get_args

import moderngl

from tryon.render.programs import ProgramCache

__all__ = [
    "MSAA_SAMPLES",
    "SOFTWARE_RENDERERS",
    "Antialias",
    "AntialiasMode",
    "FxaaPass",
    "choose_antialias",
    "is_software_renderer",
    "pick_antialias",
]

#: What a caller may ask for.
Antialias = Literal["auto", "msaa", "fxaa", "none"]
#: What a renderer does.
AntialiasMode = Literal["msaa", "fxaa", "none"]

#: Samples per pixel of the multisampled framebuffer.
MSAA_SAMPLES = 4
#: Substrings of ``GL_RENDERER`` that name a CPU rasteriser (Mesa, SwiftShader).
SOFTWARE_RENDERERS = ("llvmpipe", "softpipe", "swrast", "swiftshader")


def is_software_renderer(gl_renderer: str) -> bool:
    """Whether a ``GL_RENDERER`` string names a CPU rasteriser."""
    name = gl_renderer.lower()
    return any(s in name for s in SOFTWARE_RENDERERS)


def pick_antialias(requested: Antialias, gl_renderer: str, max_samples: int) -> AntialiasMode:
    """The mode for ``requested`` on a GL renderer of that name and sample limit:
    ``"auto"`` resolves to FXAA on software renderers (or without 4x multisampling), MSAA
    otherwise; explicit modes are kept (MSAA only where 4 samples are offered)."""
    if requested not in get_args(Antialias):
        choices = ", ".join(repr(a) for a in get_args(Antialias))
        raise ValueError(f"antialias must be one of {choices}, got {requested!r}")
    if requested == "msaa" and max_samples < MSAA_SAMPLES:
        raise ValueError(
            f"antialias='msaa' needs {MSAA_SAMPLES} samples, but {gl_renderer} offers {max_samples}"
        )
    if requested != "auto":
        return requested
    if is_software_renderer(gl_renderer) or max_samples < MSAA_SAMPLES:
        return "fxaa"
    return "msaa"


def choose_antialias(ctx: moderngl.Context, requested: Antialias) -> AntialiasMode:
    """:func:`pick_antialias` for the context's renderer."""
    return pick_antialias(requested, str(ctx.info["GL_RENDERER"]), ctx.max_samples)


class FxaaPass:
    """Draws the FXAA-smoothed box of a colour texture into a framebuffer (``fxaa.frag``):
    a pass that copies the box and marks its edge pixels in the depth buffer, then the
    smoothing pass, which the depth test limits to those pixels (a software rasteriser
    skips it for blocks without an edge)."""

    def __init__(self, ctx: moderngl.Context, programs: ProgramCache) -> None:
        self.ctx = ctx
        self._mark = programs.get("fullscreen", "fxaa", {"MARK": True})
        self.program = programs.get("fullscreen", "fxaa")
        self._mark_vao = ctx.vertex_array(self._mark, [])
        self.vao = ctx.vertex_array(self.program, [])
        for program in (self._mark, self.program):
            program["u_scene"] = 0

    def draw(
        self, scene: moderngl.Texture, fbo: moderngl.Framebuffer, size: tuple[int, int]
    ) -> None:
        """Smooth the ``size`` box at ``scene``'s corner into the same box of ``fbo``, a
        framebuffer with a depth buffer whose box this overwrites (``fbo`` gets bound;
        depth test and blending must be off, and are off again after). ``scene`` filters
        bilinearly."""
        fbo.viewport = fbo.scissor = (0, 0, *size)
        fbo.use()
        scene.use(0)
        self.ctx.enable(moderngl.DEPTH_TEST)
        try:
            for program, vao, depth_func in (
                (self._mark, self._mark_vao, "1"),  # every texel copied, its mark written
                (self.program, self.vao, "<="),  # drawn at depth 1: the marked texels only
            ):
                self.ctx.depth_func = depth_func
                program["u_box"] = size
                vao.render(moderngl.TRIANGLES, vertices=3)
        finally:
            self.ctx.depth_func = "<"
            self.ctx.disable(moderngl.DEPTH_TEST)

    def objects(self) -> tuple[moderngl.VertexArray, ...]:
        """The GL objects this pass owns (its programs belong to the cache)."""
        return (self._mark_vao, self.vao)

    def release(self) -> None:
        for vao in self.objects():
            vao.release()
