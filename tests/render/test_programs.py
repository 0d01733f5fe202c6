"""Shader programs: loaded by name, specialised with defines, cached per context."""

from __future__ import annotations

from pathlib import Path

import moderngl
import numpy as np
import pytest

from tryon.render.programs import ProgramCache, ShaderError, specialise
from tryon.render.uniforms import set_matrix, set_uniform


def test_specialise_puts_defines_after_version_and_inlines_includes(tmp_path: Path) -> None:
    (tmp_path / "common.glsl").write_text("float helper() { return 1.0; }\n")
    src = '#version 330 core\n#include "common.glsl"\nvoid main() {}\n'
    out = specialise(src, {"B_FLAG": True, "A_SIZE": 4, "OFF": False}, tmp_path)
    lines = out.splitlines()
    assert lines[:3] == ["#version 330 core", "#define A_SIZE 4", "#define B_FLAG"]
    assert "float helper() { return 1.0; }" in lines
    assert not any("OFF" in line or "#include" in line for line in lines)


def test_specialise_inlines_nested_includes_once_each(tmp_path: Path) -> None:
    """An included file's own includes are inlined too; a file that two includes share is
    inlined once (GLSL refuses a function defined twice)."""
    (tmp_path / "base.glsl").write_text("float base() { return 2.0; }\n")
    (tmp_path / "light.glsl").write_text('#include "base.glsl"\nfloat light() { return 3.0; }\n')
    src = '#version 330 core\n#include "base.glsl"\n#include "light.glsl"\nvoid main() {}\n'
    lines = specialise(src, {}, tmp_path).splitlines()
    assert lines.count("float base() { return 2.0; }") == 1
    assert "float light() { return 3.0; }" in lines
    assert not any("#include" in line for line in lines)


def test_specialise_names_a_missing_include(tmp_path: Path) -> None:
    (tmp_path / "light.glsl").write_text('#include "gone.glsl"\n')
    with pytest.raises(ShaderError, match=r"gone\.glsl"):
        specialise('#version 330 core\n#include "light.glsl"\n', {}, tmp_path)


def test_specialise_rejects_a_source_without_version(tmp_path: Path) -> None:
    with pytest.raises(ShaderError, match="#version"):
        specialise("void main() {}\n", {}, tmp_path)


def test_programs_are_compiled_once_per_name_and_defines(gl_ctx: moderngl.Context) -> None:
    cache = ProgramCache(gl_ctx)
    try:
        plain = cache.get("product", "pbr")
        assert cache.get("product", "pbr") is plain
        mapped = cache.get("product", "pbr", {"HAS_UV": True, "HAS_NORMAL_MAP": True})
        assert mapped is not plain
        assert "u_normal_map" in mapped and "u_normal_map" not in plain
        assert cache.get("product", "pbr", {"HAS_NORMAL_MAP": True, "HAS_UV": True}) is mapped
        assert len(cache) == 2
    finally:
        cache.release()
    assert len(cache) == 0


def test_missing_shader_file_is_named(gl_ctx: moderngl.Context) -> None:
    cache = ProgramCache(gl_ctx)
    with pytest.raises(ShaderError, match=r"nosuch\.vert not found"):
        cache.get("nosuch", "pbr")


def test_compile_error_names_the_files(gl_ctx: moderngl.Context, tmp_path: Path) -> None:
    (tmp_path / "bad.vert").write_text("#version 330 core\nvoid main() { gl_Position = 1; }\n")
    frag = "#version 330 core\nout vec4 c;\nvoid main() { c = vec4(1); }\n"
    (tmp_path / "ok.frag").write_text(frag)
    cache = ProgramCache(gl_ctx, tmp_path)
    with pytest.raises(ShaderError, match=r"bad\.vert \+ ok\.frag"):
        cache.get("bad", "ok")


def test_uniform_writes_reach_gl_and_repeats_are_skipped(gl_ctx: moderngl.Context) -> None:
    """set_uniform / set_matrix write what changed (a list or numpy value as well as a
    tuple) and skip a repeat; a uniform the program lacks gets nothing, and no error."""
    cache = ProgramCache(gl_ctx)
    try:
        background = cache.get("fullscreen", "background")  # u_offset: ivec2
        set_uniform(background, "u_offset", (3, 4))
        assert background["u_offset"].value == (3, 4)
        background["u_offset"].value = (9, 9)  # behind the cache's back: it still says (3, 4)
        set_uniform(background, "u_offset", (3, 4))
        assert background["u_offset"].value == (9, 9)  # a repeat is skipped
        set_uniform(background, "u_offset", np.array([5, 6]))
        assert background["u_offset"].value == (5, 6)
        set_uniform(background, "u_offset", [7, 8])
        assert background["u_offset"].value == (7, 8)
        set_uniform(background, "u_no_such_uniform", 1.0)  # optimised away or absent: no-op

        occluder = cache.get("occluder", "occluder")
        m = np.arange(16, dtype=np.float32).reshape(4, 4)
        set_matrix(occluder, "u_model", m)
        assert occluder["u_model"].value == tuple(m.T.ravel())  # column-major in GLSL
        set_matrix(occluder, "u_model", 2 * m)
        assert occluder["u_model"].value == tuple(2 * m.T.ravel())
    finally:
        cache.release()
