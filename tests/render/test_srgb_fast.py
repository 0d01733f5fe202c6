"""The hair dye's sRGB conversions without pow (shaders/srgb_fast.glsl), run on the GPU
against the exact formulas: ``to_linear`` at every 8-bit level, ``to_srgb`` over a fine sweep
of linear values, each within a quarter of a level (so drawn colours round to at most one
level from the exact formulas' colours), and every level back to itself."""

from __future__ import annotations

import moderngl
import numpy as np
from numpy.typing import NDArray

from tryon.render.programs import specialise
from tryon.resources import data_dir

_SHADER = """#version 330 core
#include "srgb_fast.glsl"
uniform sampler2D u_values;
out vec4 f_color;
void main() {
    float v = texelFetch(u_values, ivec2(gl_FragCoord.xy), 0).r;
    vec3 lin = to_linear(vec3(v));
    f_color = vec4(lin.r, to_srgb(vec3(v)).r, to_srgb(lin).r, 0.0);
}
"""


def exact_linear(c: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def exact_srgb(x: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.where(x <= 0.0031308, x * 12.92, 1.055 * np.abs(x) ** (1 / 2.4) - 0.055)


def _run(ctx: moderngl.Context, values: NDArray[np.float32]) -> NDArray[np.float32]:
    """(to_linear(v), to_srgb(v), to_srgb(to_linear(v))) on the GPU for each of ``values``."""
    folder = data_dir("shaders")
    vert = (folder / "fullscreen.vert").read_text(encoding="utf-8")
    program = ctx.program(vertex_shader=vert, fragment_shader=specialise(_SHADER, {}, folder))
    width = 1024
    grid = np.zeros((-(-len(values) // width), width), np.float32)
    grid.flat[: len(values)] = values
    size = (width, grid.shape[0])
    src = ctx.texture(size, 1, grid.tobytes(), dtype="f4")
    dst = ctx.texture(size, 4, dtype="f4")
    fbo = ctx.framebuffer([dst])
    vao = ctx.vertex_array(program, [])
    try:
        fbo.use()
        fbo.viewport = (0, 0, *size)
        src.use(0)
        program["u_values"] = 0
        vao.render(moderngl.TRIANGLES, vertices=3)
        out = np.frombuffer(fbo.read(components=4, dtype="f4"), np.float32)
        return out.reshape(-1, 4)[: len(values), :3]
    finally:
        ctx.detect_framebuffer(0).use()  # moderngl keeps the last bound one as ctx.fbo
        for obj in (vao, fbo, dst, src, program):
            obj.release()


def test_to_linear_within_a_quarter_level_at_every_level(gl_ctx: moderngl.Context) -> None:
    levels = np.arange(256) / 255.0
    got = _run(gl_ctx, levels.astype(np.float32)).astype(np.float64)
    exact = exact_linear(levels)
    # An error in linear light, in levels of the exact sRGB value it stands for.
    err = np.abs(exact_srgb(np.maximum(got[:, 0], 0.0)) - levels) * 255.0
    assert err.max() < 0.25, f"to_linear off by {err.max():.3f} levels at {np.argmax(err)}"
    # Relative error: the dye scales linear light up to 6x, it must not grow into a level.
    rel = np.abs(got[1:, 0] - exact[1:]) / exact[1:]
    assert rel.max() < 2e-3, f"to_linear off by {rel.max():.2e} of its value"
    # Every level comes back to itself.
    back = np.round(got[:, 2] * 255.0)
    assert np.array_equal(back, np.arange(256)), "to_srgb(to_linear(c)) misses some levels"


def test_to_srgb_within_a_quarter_level(gl_ctx: moderngl.Context) -> None:
    linear = np.concatenate([np.linspace(0.0, 1.0, 65536), np.geomspace(1e-6, 1.0, 4096)])
    got = _run(gl_ctx, linear.astype(np.float32)).astype(np.float64)
    err = np.abs(got[:, 1] - exact_srgb(linear.astype(np.float32).astype(np.float64))) * 255.0
    worst = int(np.argmax(err))
    assert err.max() < 0.25, f"to_srgb off by {err.max():.3f} levels at {linear[worst]:.6g}"
