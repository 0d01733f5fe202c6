"""Which anti-aliasing a GL renderer gets: FXAA on CPU rasterisers, MSAA on GPUs."""

from __future__ import annotations

import moderngl
import pytest

from tryon.render.antialias import choose_antialias, is_software_renderer, pick_antialias

SOFTWARE = [
    "llvmpipe (LLVM 15.0.6, 256 bits)",
    "softpipe",
    "SwiftShader Device (Subzero) (0x0000C0DE)",
    "Mesa X11 swrast",
]
GPUS = [
    "NVIDIA GeForce RTX 3060/PCIe/SSE2",
    "Mesa Intel(R) UHD Graphics 620 (KBL GT2)",
    "AMD Radeon RX 6600 (radeonsi, navi23, LLVM 15.0.7, DRM 3.49, 6.1.0)",
    "Apple M1",
]


@pytest.mark.parametrize("name", SOFTWARE)
def test_auto_is_fxaa_on_software_renderers(name: str) -> None:
    assert is_software_renderer(name)
    assert pick_antialias("auto", name, 4) == "fxaa"


@pytest.mark.parametrize("name", GPUS)
def test_auto_is_msaa_on_gpus(name: str) -> None:
    assert not is_software_renderer(name)
    assert pick_antialias("auto", name, 8) == "msaa"


def test_auto_is_fxaa_without_four_samples() -> None:
    assert pick_antialias("auto", GPUS[0], 2) == "fxaa"


@pytest.mark.parametrize("mode", ["msaa", "fxaa", "none"])
def test_an_explicit_mode_is_kept(mode: str) -> None:
    for name in (SOFTWARE[0], GPUS[0]):
        assert pick_antialias(mode, name, 4) == mode  # type: ignore[arg-type]


def test_bad_requests_are_named() -> None:
    with pytest.raises(ValueError, match=r"antialias must be one of .* got 'MSAA'"):
        pick_antialias("MSAA", GPUS[0], 4)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="antialias='msaa' needs 4 samples, but Apple M1 offers 1"):
        pick_antialias("msaa", "Apple M1", 1)


def test_the_context_decides_auto(gl_ctx: moderngl.Context) -> None:
    name = str(gl_ctx.info["GL_RENDERER"])
    expected = "fxaa" if is_software_renderer(name) or gl_ctx.max_samples < 4 else "msaa"
    assert choose_antialias(gl_ctx, "auto") == expected
