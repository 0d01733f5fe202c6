"""Setting uniforms that the GLSL compiler may have optimised away."""

from __future__ import annotations

from collections.abc import Sequence

import moderngl
import numpy as np
from numpy.typing import NDArray

__all__ = ["set_array", "set_matrix", "set_uniform"]


def _member(program: moderngl.Program, name: str) -> moderngl.Uniform | None:
    member = program.get(name, None)  # a dict lookup; ``name in program`` walks all members
    return member if isinstance(member, moderngl.Uniform) else None


def set_uniform(
    program: moderngl.Program, name: str, value: float | Sequence[float] | Sequence[int]
) -> None:
    """``program[name] = value`` if the program has an active uniform of that name."""
    member = _member(program, name)
    if member is not None:
        member.value = value


def set_matrix(program: moderngl.Program, name: str, matrix: NDArray[np.floating]) -> None:  # type: ignore[type-arg]
    """Write a row-major numpy ``(4, 4)`` matrix into a GLSL ``mat4`` (column-major)."""
    member = _member(program, name)
    if member is not None:
        member.write(np.ascontiguousarray(matrix.T, dtype=np.float32).tobytes())


def set_array(program: moderngl.Program, name: str, values: NDArray[np.generic]) -> None:
    """Write a numpy array (its dtype matching the GLSL type, e.g. int32 for ``int[]``,
    float32 ``(N, 3)`` for ``vec3[]``) into a uniform array, if active: as many leading
    elements as the compiled program keeps (it may drop an array's unused tail)."""
    member = _member(program, name)
    if member is not None:
        member.write(np.ascontiguousarray(values[: member.array_length]).tobytes())
