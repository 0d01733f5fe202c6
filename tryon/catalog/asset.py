"""A loaded 3D product in memory: what the glTF loader makes and the renderer uploads.

Conventions (glTF 2.0): metres, +Y up. Eyewear sits in its own frame with the origin at the
bridge (where it rests on the nose), +X toward the wearer's left (the viewer's right), +Z out
of the face toward the viewer, temples running toward -Z.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import NDArray

__all__ = ["AlphaMode", "Asset", "Material", "Primitive", "Texture"]

AlphaMode = Literal["OPAQUE", "MASK", "BLEND"]


@dataclass(frozen=True, slots=True)
class Texture:
    """RGBA8 pixels, rows top-down as stored in the image file."""

    pixels: NDArray[np.uint8]
    #: True for colour data (base colour, emissive); False for data maps (normal, ORM).
    srgb: bool


@dataclass(frozen=True, slots=True)
class Material:
    """glTF PBR metallic-roughness material with the extensions the renderer understands."""

    name: str = ""
    #: Linear RGBA factor.
    base_color: tuple[float, float, float, float] = (1.0, 1.0, 1.0, 1.0)
    metallic: float = 1.0
    roughness: float = 1.0
    base_color_texture: Texture | None = None
    #: glTF packing: G = roughness, B = metallic.
    metallic_roughness_texture: Texture | None = None
    normal_texture: Texture | None = None
    normal_scale: float = 1.0
    occlusion_texture: Texture | None = None
    occlusion_strength: float = 1.0
    emissive: tuple[float, float, float] = (0.0, 0.0, 0.0)
    alpha_mode: AlphaMode = "OPAQUE"
    alpha_cutoff: float = 0.5
    double_sided: bool = False
    #: ``KHR_materials_transmission`` factor; 0 when the extension is absent.
    transmission: float = 0.0
    ior: float = 1.5

    @property
    def is_blended(self) -> bool:
        """Alpha-blended or transmissive: drawn after the opaque parts, by the pass that
        owns the product (as lenses for eyewear)."""
        return self.transmission > 0.0 or self.alpha_mode == "BLEND"


@dataclass(frozen=True, slots=True)
class Primitive:
    """One triangle list with one material, node transforms already applied."""

    #: Names of the nodes from the scene root down to the mesh's node.
    node_path: tuple[str, ...]
    positions: NDArray[np.float32]  # (N, 3) metres, asset frame
    normals: NDArray[np.float32]  # (N, 3)
    indices: NDArray[np.uint32]  # (M,) triangles, M % 3 == 0
    material: Material
    uvs: NDArray[np.float32] | None = None  # (N, 2)
    tangents: NDArray[np.float32] | None = None  # (N, 4)


@dataclass(frozen=True, slots=True)
class Asset:
    """All primitives of a product's default scene, plus named anchor points."""

    primitives: tuple[Primitive, ...]
    #: Anchor name (``bridge``, ``hinge_left`` ...) to position (3,) in metres, asset frame.
    anchors: dict[str, NDArray[np.float32]] = field(default_factory=dict)

    @property
    def triangle_count(self) -> int:
        return sum(len(p.indices) // 3 for p in self.primitives)

    @property
    def bounds(self) -> NDArray[np.float32]:
        """``(2, 3)`` min and max corner over all primitives."""
        allpos = np.concatenate([p.positions for p in self.primitives], axis=0)
        out: NDArray[np.float32] = np.stack([allpos.min(axis=0), allpos.max(axis=0)])
        return out.astype(np.float32)
