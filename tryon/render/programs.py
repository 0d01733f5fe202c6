"""GLSL programs loaded by name from ``shaders/``, specialised with ``#define`` lines, cached.

``programs.get("product", "pbr", {"HAS_UV": True})`` compiles ``product.vert`` with
``pbr.frag``; ``#include "lighting.glsl"`` lines are replaced by that file's text (its own
includes inlined in turn, each file once per shader). Each
(vertex, fragment, defines) triple is compiled once per cache, and a cache belongs to one
context.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import moderngl

from tryon.resources import data_dir

__all__ = ["DefineValue", "ProgramCache", "ShaderError", "specialise"]

DefineValue = bool | int | float | str

_INCLUDE = re.compile(r'^\s*#include\s+"([^"]+)"\s*$', re.MULTILINE)


class ShaderError(RuntimeError):
    """A shader file is missing or does not compile; the message names the file."""


def specialise(source: str, defines: Mapping[str, DefineValue], folder: Path) -> str:
    """``source`` with its includes inlined and ``#define`` lines after ``#version``.

    A define whose value is ``True`` becomes ``#define NAME``; ``False`` leaves it out.
    """
    body = _inline(source, folder, set())
    lines = []
    for name, value in sorted(defines.items()):
        if value is False:
            continue
        lines.append(f"#define {name}" if value is True else f"#define {name} {value}")
    head, sep, rest = body.partition("\n")
    if not head.startswith("#version"):
        raise ShaderError(f"shader must start with a #version line, got {head[:40]!r}")
    return head + sep + "".join(line + "\n" for line in lines) + rest


def _inline(source: str, folder: Path, seen: set[str]) -> str:
    """``source`` with each ``#include`` replaced by that file's text, recursively; a file
    already inlined into this shader is left out."""

    def include(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in seen:
            return ""
        seen.add(name)
        return _inline(_read(folder / name), folder, seen)

    return _INCLUDE.sub(include, source)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ShaderError(f"shader file {path} not found") from None


class ProgramCache:
    """Compiled programs of one context, keyed by file names and defines."""

    def __init__(self, ctx: moderngl.Context, folder: Path | None = None) -> None:
        self.ctx = ctx
        self.folder = folder if folder is not None else data_dir("shaders")
        self._programs: dict[tuple[str, str, tuple[tuple[str, str], ...]], moderngl.Program] = {}

    def get(
        self, vertex: str, fragment: str, defines: Mapping[str, DefineValue] | None = None
    ) -> moderngl.Program:
        """The program made of ``{vertex}.vert`` and ``{fragment}.frag`` with ``defines``."""
        defines = defines or {}
        key = (vertex, fragment, tuple(sorted((k, str(v)) for k, v in defines.items())))
        program = self._programs.get(key)
        if program is None:
            program = self._compile(vertex, fragment, defines)
            self._programs[key] = program
        return program

    def _compile(
        self, vertex: str, fragment: str, defines: Mapping[str, DefineValue]
    ) -> moderngl.Program:
        sources = {
            kind: specialise(_read(self.folder / f"{name}.{kind}"), defines, self.folder)
            for kind, name in (("vert", vertex), ("frag", fragment))
        }
        try:
            return self.ctx.program(vertex_shader=sources["vert"], fragment_shader=sources["frag"])
        except moderngl.Error as exc:
            raise ShaderError(f"{vertex}.vert + {fragment}.frag {dict(defines)}: {exc}") from exc

    def __len__(self) -> int:
        return len(self._programs)

    def programs(self) -> tuple[moderngl.Program, ...]:
        """Every program compiled so far."""
        return tuple(self._programs.values())

    def release(self) -> None:
        for program in self._programs.values():
            program.release()
        self._programs.clear()
