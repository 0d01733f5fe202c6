"""Drawing uploaded product primitives: PBR for opaque parts (at the level of detail their
size on screen needs), transmission or blending for lenses. The caller sets GL state (depth
test, culling, blending) per pass."""

from __future__ import annotations

import moderngl
import numpy as np
from numpy.typing import NDArray

from tryon.render.gpu_asset import GpuPrimitive
from tryon.render.uniforms import set_matrix, set_uniform

__all__ = ["BACKDROP_UNIT", "draw_lens", "draw_opaque"]

#: Texture unit of the lenses' backdrop (material maps use 0..3).
BACKDROP_UNIT = 7


def _bind(
    prim: GpuPrimitive, model: NDArray[np.float32], projection: NDArray[np.float32]
) -> moderngl.Program:
    """Set the transforms, material factors and maps that both programs share."""
    program = prim.program
    m = prim.material
    set_matrix(program, "u_projection", projection)
    set_matrix(program, "u_model", model)
    set_uniform(program, "u_base_color", m.base_color)
    set_uniform(program, "u_metallic", m.metallic)
    set_uniform(program, "u_roughness", m.roughness)
    for unit, (uniform, texture) in enumerate(prim.textures.items()):
        texture.use(unit)
        program[uniform] = unit
    return program


def draw_opaque(
    prim: GpuPrimitive,
    model: NDArray[np.float32],
    projection: NDArray[np.float32],
    handedness: float,
    focal_px: float | None,
) -> None:
    """Draw an opaque or alpha-masked primitive with metallic-roughness shading, at the
    coarsest level of detail within :data:`~tryon.render.lod.TOLERANCE_PX` of the full mesh
    on screen, for a camera of focal length ``focal_px`` pixels (None: the full mesh)."""
    program = _bind(prim, model, projection)
    m = prim.material
    set_uniform(program, "u_emissive", m.emissive)
    set_uniform(program, "u_alpha_cutoff", m.alpha_cutoff if m.alpha_mode == "MASK" else -1.0)
    set_uniform(program, "u_normal_scale", m.normal_scale)
    set_uniform(program, "u_occlusion_strength", m.occlusion_strength)
    set_uniform(program, "u_handedness", handedness)
    prim.render(None if focal_px is None else prim.lod.level(model, focal_px))


def draw_lens(
    prim: GpuPrimitive,
    model: NDArray[np.float32],
    projection: NDArray[np.float32],
    intensity: float,
    backdrop: moderngl.Texture | None,
) -> None:
    """Draw a lens, its tint scaled by ``intensity``; a transmissive one sees ``backdrop``
    (what is drawn behind it, texel for texel with the framebuffer) through it."""
    program = _bind(prim, model, projection)
    m = prim.material
    set_uniform(program, "u_intensity", intensity)
    set_uniform(program, "u_ior", m.ior)
    set_uniform(program, "u_transmission", m.transmission)
    if program.get("u_backdrop", None) is not None:
        if backdrop is None:
            raise ValueError(f"lens material {m.name!r} is transmissive but got no backdrop")
        backdrop.use(BACKDROP_UNIT)
        set_uniform(program, "u_backdrop", BACKDROP_UNIT)
    prim.render()
