"""Setting uniforms that the GLSL compiler may have optimised away, skipping writes that
would not change them.

Each program keeps the values last written through these functions (in its ``extra``
slot): a material's factors, the frame's projection and the like are written once, not
once per draw (each write costs Python and a GL call). Every write to a program's
non-sampler uniforms must go through here, so that what is kept stays what GL holds.
"""

from __future__ import annotations

from collections.abc import Sequence

import moderngl
import numpy as np
from numpy.typing import NDArray

__all__ = ["set_array", "set_matrix", "set_uniform"]


def _member(program: moderngl.Program, name: str) -> moderngl.Uniform | None:
    member = program.get(name, None)  # a dict lookup; ``name in program`` walks all members
    return member if isinstance(member, moderngl.Uniform) else None


def _written(program: moderngl.Program) -> dict[str, object]:
    """The values last written to ``program``'s uniforms through this module, by name."""
    written = program.extra
    if written is None:
        written = program.extra = {}
    assert isinstance(written, dict)
    return written


def _changed(program: moderngl.Program, name: str, value: object) -> bool:
    """Whether ``value`` differs from what was last written to ``name`` (and keep it)."""
    written = _written(program)
    if name in written and written[name] == value:
        return False
    written[name] = value
    return True


def set_uniform(
    program: moderngl.Program, name: str, value: float | Sequence[float] | Sequence[int]
) -> None:
    """``program[name] = value`` if the program has an active uniform of that name and
    ``value`` is not what it holds already."""
    if isinstance(value, np.ndarray):
        value = tuple(value.tolist())  # kept and compared: a plain immutable value
    elif isinstance(value, list):
        value = tuple(value)
    if _changed(program, name, value):
        member = _member(program, name)
        if member is not None:
            member.value = value


def set_matrix(program: moderngl.Program, name: str, matrix: NDArray[np.floating]) -> None:  # type: ignore[type-arg]
    """Write a row-major numpy ``(4, 4)`` matrix into a GLSL ``mat4`` (column-major)."""
    data = np.ascontiguousarray(matrix.T, dtype=np.float32).tobytes()
    if _changed(program, name, data):
        member = _member(program, name)
        if member is not None:
            member.write(data)


def set_array(program: moderngl.Program, name: str, values: NDArray[np.generic]) -> None:
    """Write a numpy array (its dtype matching the GLSL type, e.g. int32 for ``int[]``,
    float32 ``(N, 3)`` for ``vec3[]``) into a uniform array, if active: as many leading
    elements as the compiled program keeps (it may drop an array's unused tail)."""
    member = _member(program, name)
    if member is not None:
        data = np.ascontiguousarray(values[: member.array_length]).tobytes()
        if _changed(program, name, data):
            member.write(data)
