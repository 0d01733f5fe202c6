"""Write a node tree of generated meshes and materials as one self-contained GLB (pygltflib)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pygltflib as gl
from numpy.typing import NDArray
from PIL import Image

from tryon.catalog.asset import Material, Texture
from tryon.catalog.meshgen import MeshData

__all__ = ["NodeSpec", "write_glb"]

_ARRAY_BUFFER = 34962
_ELEMENT_ARRAY_BUFFER = 34963
_FLOAT = 5126
_UNSIGNED_SHORT = 5123
_UNSIGNED_INT = 5125
_LINEAR = 9729
_LINEAR_MIPMAP_LINEAR = 9987
_REPEAT = 10497
_TRANSMISSION = "KHR_materials_transmission"


@dataclass(frozen=True, slots=True)
class NodeSpec:
    """A glTF node: local TRS (quaternion x, y, z, w), an optional mesh of (geometry,
    material) parts, children. A node with no parts and no children is an empty anchor."""

    name: str
    translation: tuple[float, float, float] = (0.0, 0.0, 0.0)
    rotation: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 1.0)
    parts: tuple[tuple[MeshData, Material], ...] = ()
    children: tuple[NodeSpec, ...] = ()


def write_glb(roots: Sequence[NodeSpec], *, generator: str) -> bytes:
    """The GLB bytes of a scene holding ``roots``; identical input gives identical bytes."""
    return _Builder(generator).build(roots)


class _Builder:
    def __init__(self, generator: str) -> None:
        self.gltf = gl.GLTF2(asset=gl.Asset(version="2.0", generator=generator))
        self.blob = bytearray()
        self.materials: dict[int, int] = {}  # id(Material) -> index
        self.textures: dict[int, int] = {}  # id(Texture) -> index

    def build(self, roots: Sequence[NodeSpec]) -> bytes:
        g = self.gltf
        g.scenes = [gl.Scene(nodes=[self._node(r) for r in roots])]
        g.scene = 0
        if any(_TRANSMISSION in m.extensions for m in g.materials):
            g.extensionsUsed = [_TRANSMISSION]
        if g.textures:
            g.samplers = [
                gl.Sampler(
                    magFilter=_LINEAR, minFilter=_LINEAR_MIPMAP_LINEAR, wrapS=_REPEAT, wrapT=_REPEAT
                )
            ]
        g.buffers = [gl.Buffer(byteLength=len(self.blob))]
        g.set_binary_blob(bytes(self.blob))
        return b"".join(g.save_to_bytes())

    def _node(self, spec: NodeSpec) -> int:
        node = gl.Node(name=spec.name)
        if any(spec.translation):
            node.translation = [float(v) for v in spec.translation]
        if spec.rotation != (0.0, 0.0, 0.0, 1.0):
            q = np.asarray(spec.rotation, dtype=np.float64)
            node.rotation = [float(v) for v in q / np.linalg.norm(q)]
        if spec.parts:
            node.mesh = self._mesh(spec.name, spec.parts)
        self.gltf.nodes.append(node)
        index = len(self.gltf.nodes) - 1
        node.children = [self._node(c) for c in spec.children]
        return index

    def _mesh(self, name: str, parts: tuple[tuple[MeshData, Material], ...]) -> int:
        prims = []
        for mesh, material in parts:
            attrs = gl.Attributes(
                POSITION=self._accessor(mesh.positions, "VEC3", with_bounds=True),
                NORMAL=self._accessor(mesh.normals, "VEC3"),
                TEXCOORD_0=self._accessor(mesh.uvs, "VEC2"),
            )
            small = len(mesh.positions) < 65535
            indices = mesh.indices.astype(np.uint16 if small else np.uint32)
            prims.append(
                gl.Primitive(
                    attributes=attrs,
                    indices=self._accessor(indices, "SCALAR", target=_ELEMENT_ARRAY_BUFFER),
                    material=self._material(material),
                )
            )
        self.gltf.meshes.append(gl.Mesh(name=name, primitives=prims))
        return len(self.gltf.meshes) - 1

    def _view(self, data: bytes, target: int | None) -> int:
        self.blob.extend(b"\0" * (-len(self.blob) % 4))
        view = gl.BufferView(buffer=0, byteOffset=len(self.blob), byteLength=len(data))
        if target is not None:
            view.target = target
        self.blob.extend(data)
        self.gltf.bufferViews.append(view)
        return len(self.gltf.bufferViews) - 1

    def _accessor(
        self,
        array: NDArray[Any],
        kind: str,
        *,
        with_bounds: bool = False,
        target: int = _ARRAY_BUFFER,
    ) -> int:
        component = {
            np.dtype(np.float32): _FLOAT,
            np.dtype(np.uint16): _UNSIGNED_SHORT,
            np.dtype(np.uint32): _UNSIGNED_INT,
        }[array.dtype]
        acc = gl.Accessor(
            bufferView=self._view(np.ascontiguousarray(array).tobytes(), target),
            componentType=component,
            count=len(array),
            type=kind,
        )
        if with_bounds:
            acc.min = [float(v) for v in array.min(axis=0)]
            acc.max = [float(v) for v in array.max(axis=0)]
        self.gltf.accessors.append(acc)
        return len(self.gltf.accessors) - 1

    def _material(self, m: Material) -> int:
        if id(m) in self.materials:
            return self.materials[id(m)]
        pbr = gl.PbrMetallicRoughness(
            baseColorFactor=[float(v) for v in m.base_color],
            metallicFactor=float(m.metallic),
            roughnessFactor=float(m.roughness),
        )
        if m.base_color_texture is not None:
            pbr.baseColorTexture = gl.TextureInfo(index=self._texture(m.base_color_texture))
        out = gl.Material(
            name=m.name,
            pbrMetallicRoughness=pbr,
            alphaMode=m.alpha_mode,
            doubleSided=m.double_sided,
        )
        if m.transmission > 0.0:
            out.extensions = {_TRANSMISSION: {"transmissionFactor": float(m.transmission)}}
        self.gltf.materials.append(out)
        self.materials[id(m)] = len(self.gltf.materials) - 1
        return self.materials[id(m)]

    def _texture(self, tex: Texture) -> int:
        if id(tex) in self.textures:
            return self.textures[id(tex)]
        png = io.BytesIO()
        pixels = tex.pixels if (tex.pixels[..., 3] < 255).any() else tex.pixels[..., :3]
        Image.fromarray(np.ascontiguousarray(pixels)).save(png, format="PNG")
        self.gltf.images.append(
            gl.Image(bufferView=self._view(png.getvalue(), None), mimeType="image/png")
        )
        self.gltf.textures.append(gl.Texture(sampler=0, source=len(self.gltf.images) - 1))
        self.textures[id(tex)] = len(self.gltf.textures) - 1
        return self.textures[id(tex)]
