"""A product asset on the GPU: uploaded once, drawn every frame."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import moderngl
import numpy as np
from numpy.typing import NDArray

from tryon.catalog.asset import Asset, Material, Primitive, Texture
from tryon.render.fit import Part
from tryon.render.lod import Level, MeshLod, build_lod
from tryon.render.programs import DefineValue, ProgramCache

__all__ = ["GpuAsset", "GpuPrimitive"]

#: OpenGL's GL_SRGB8_ALPHA8: colour textures decode to linear when sampled.
_GL_SRGB8_ALPHA8 = 0x8C43

#: Material texture slots: (Material attribute, sampler uniform, define).
_MAPS = (
    ("base_color_texture", "u_base_color_map", "HAS_BASE_COLOR_MAP"),
    ("metallic_roughness_texture", "u_metallic_roughness_map", "HAS_METALLIC_ROUGHNESS_MAP"),
    ("normal_texture", "u_normal_map", "HAS_NORMAL_MAP"),
    ("occlusion_texture", "u_occlusion_map", "HAS_OCCLUSION_MAP"),
)


@dataclass(slots=True)
class GpuPrimitive:
    """One primitive's vertex array, its program, the textures it samples and its levels of
    detail (ranges of its index buffer; blended primitives have their full level only)."""

    part: Part
    material: Material
    program: moderngl.Program
    vao: moderngl.VertexArray
    buffers: tuple[moderngl.Buffer, ...]
    lod: MeshLod
    #: Sampler uniform name to texture; texture unit = position in this dict.
    textures: dict[str, moderngl.Texture] = field(default_factory=dict)

    def render(self, level: Level | None = None) -> None:
        """Draw ``level``'s triangles (default: the full mesh) with the bound state."""
        if level is None:
            level = self.lod.full
        self.vao.render(moderngl.TRIANGLES, vertices=level.count, first=level.first)


class GpuAsset:
    """Every primitive of an :class:`Asset` uploaded: opaque ones (PBR) first, blended or
    transmissive ones after, drawn with the ``blended_program`` fragment shader that the
    product kind's pass chooses (``lens`` for eyewear). ``part_of`` says which rigid part
    of the product a primitive moves with, from its glTF node names. Opaque primitives get
    coarser levels of detail (:mod:`tryon.render.lod`) in the same index buffer."""

    def __init__(
        self,
        ctx: moderngl.Context,
        programs: ProgramCache,
        asset: Asset,
        *,
        part_of: Callable[[tuple[str, ...]], Part],
        blended_program: str = "lens",
    ) -> None:
        if not asset.primitives:
            raise ValueError("asset has no primitives to draw")
        self.ctx = ctx
        self._textures: dict[int, moderngl.Texture] = {}
        self._part_of = part_of
        self._blended_program = blended_program
        prims = [self._upload(programs, p) for p in asset.primitives]
        #: Asset-frame (min, max) corners of each part, to find the pixels a pose covers.
        self.part_bounds: dict[Part, NDArray[np.float64]] = {}
        for part in {p.part for p in prims}:
            pts = np.concatenate(
                [
                    a.positions
                    for a, g in zip(asset.primitives, prims, strict=True)
                    if g.part == part
                ]
            ).astype(np.float64)
            self.part_bounds[part] = np.stack([pts.min(axis=0), pts.max(axis=0)])
        self.opaque = tuple(p for p in prims if not p.material.is_blended)
        self.blended = tuple(p for p in prims if p.material.is_blended)

    def _texture(self, texture: Texture) -> moderngl.Texture:
        tex = self._textures.get(id(texture))
        if tex is None:
            pixels = np.ascontiguousarray(texture.pixels, dtype=np.uint8)
            if pixels.ndim != 3 or pixels.shape[2] != 4:
                raise ValueError(f"texture pixels must be (H, W, 4) RGBA8, got {pixels.shape}")
            height, width = pixels.shape[:2]
            tex = self.ctx.texture(
                (width, height),
                4,
                pixels,
                internal_format=_GL_SRGB8_ALPHA8 if texture.srgb else None,
            )
            tex.build_mipmaps()
            tex.filter = (moderngl.LINEAR_MIPMAP_LINEAR, moderngl.LINEAR)
            self._textures[id(texture)] = tex
        return tex

    def _upload(self, programs: ProgramCache, prim: Primitive) -> GpuPrimitive:
        material = prim.material
        has_uv = prim.uvs is not None
        defines: dict[str, DefineValue] = {"HAS_UV": has_uv}
        maps = _MAPS[:1] if material.is_blended else _MAPS  # lenses read only the tint map
        for attr, _, define in maps:
            defines[define] = has_uv and getattr(material, attr) is not None
        if material.is_blended:
            defines["TRANSMISSION"] = material.transmission > 0.0
        fragment = self._blended_program if material.is_blended else "pbr"
        program = programs.get("product", fragment, defines)
        columns = [prim.positions, prim.normals]
        fmt, names = "3f 3f", ["in_position", "in_normal"]
        if has_uv and "in_uv" in program and prim.uvs is not None:
            columns.append(prim.uvs)
            fmt, names = fmt + " 2f", [*names, "in_uv"]
        vertices = np.ascontiguousarray(np.hstack(columns), dtype=np.float32)
        # blended ones (lenses, hair cards) are drawn whole: their layers show through
        indices, lod = build_lod(prim.indices, prim.positions, simplify=not material.is_blended)
        vbo = self.ctx.buffer(vertices)
        ibo = self.ctx.buffer(indices)
        vao = self.ctx.vertex_array(program, [(vbo, fmt, *names)], index_buffer=ibo)
        textures = {
            uniform: self._texture(getattr(material, attr))
            for attr, uniform, define in maps
            if defines[define]
        }
        return GpuPrimitive(
            part=self._part_of(prim.node_path),
            material=material,
            program=program,
            vao=vao,
            buffers=(vbo, ibo),
            lod=lod,
            textures=textures,
        )

    @property
    def primitives(self) -> tuple[GpuPrimitive, ...]:
        return self.opaque + self.blended

    def objects(self) -> tuple[moderngl.Buffer | moderngl.VertexArray | moderngl.Texture, ...]:
        """Every GL object this asset owns (programs belong to the cache)."""
        out: list[moderngl.Buffer | moderngl.VertexArray | moderngl.Texture] = []
        for p in self.primitives:
            out.append(p.vao)
            out.extend(p.buffers)
        out.extend(self._textures.values())
        return tuple(out)

    def release(self) -> None:
        for obj in self.objects():
            obj.release()
        self._textures.clear()
