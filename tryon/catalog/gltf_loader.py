"""Load an untrusted glTF 2.0 / GLB file into an :class:`~tryon.catalog.asset.Asset`.

Parsing is pygltflib's; this module decides what is safe to use. External URIs must stay
inside the asset's folder (relative, no ``..``, no scheme but ``data:``), the file, every
buffer, the vertex and triangle counts, the texture pixel counts (read from the image header
before decoding), node count and nesting depth are capped, node cycles are refused, and
every accessor is bounds-checked against its buffer view before anything is allocated.
Every refusal is an :class:`~tryon.catalog.errors.AssetError` naming the file and reason.

Anchors: every named node without a mesh contributes its world-space origin to
``Asset.anchors`` (``bridge``, ``hinge_left`` ...; the scene's root group too).
"""

from __future__ import annotations

import base64
import binascii
import io
import struct
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pygltflib as gl
from numpy.typing import NDArray
from PIL import Image

from tryon.catalog.asset import AlphaMode, Asset, Material, Primitive, Texture
from tryon.catalog.errors import AssetError
from tryon.catalog.image_header import image_size
from tryon.catalog.paths import resolve_inside

__all__ = ["DEFAULT_LIMITS", "LoadLimits", "load_asset", "vertex_normals"]

_GLB_MAGIC = b"glTF"
_COMPONENTS: dict[int, np.dtype[Any]] = {
    5120: np.dtype("<i1"),
    5121: np.dtype("<u1"),
    5122: np.dtype("<i2"),
    5123: np.dtype("<u2"),
    5125: np.dtype("<u4"),
    5126: np.dtype("<f4"),
}
_WIDTH = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4, "MAT2": 4, "MAT3": 9, "MAT4": 16}
_TRIANGLES = 4
_ARRAYS: dict[str, type] = {
    "accessors": gl.Accessor,
    "bufferViews": gl.BufferView,
    "buffers": gl.Buffer,
    "images": gl.Image,
    "materials": gl.Material,
    "meshes": gl.Mesh,
    "nodes": gl.Node,
    "scenes": gl.Scene,
    "textures": gl.Texture,
}
_ALPHA_MODES: tuple[AlphaMode, ...] = ("OPAQUE", "MASK", "BLEND")


@dataclass(frozen=True, slots=True)
class LoadLimits:
    """Caps applied to every file; the defaults fit real-time try-on products."""

    max_file_bytes: int = 32 * 1024 * 1024
    max_vertices: int = 1_000_000
    max_triangles: int = 500_000
    max_texture_pixels: int = 4096 * 4096
    max_nodes: int = 2048
    max_node_depth: int = 32


DEFAULT_LIMITS = LoadLimits()


def load_asset(path: Path | str, limits: LoadLimits = DEFAULT_LIMITS) -> Asset:
    """The default scene of the ``.glb`` or ``.gltf`` at ``path``, transforms applied."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise AssetError(path, f"cannot read the file ({exc.strerror})") from None
    if size > limits.max_file_bytes:
        raise AssetError(path, f"file is {size} bytes, over the {limits.max_file_bytes} cap")
    data = path.read_bytes()
    loader = _Loader(path, data, limits)
    try:
        return loader.asset()
    except (TypeError, AttributeError, ValueError, KeyError, IndexError) as exc:
        # A value of the wrong JSON type deep in the file that the checks above did not name.
        raise AssetError(path, f"malformed glTF: {type(exc).__name__}: {exc}") from None


class _Loader:
    def __init__(self, path: Path, data: bytes, limits: LoadLimits) -> None:
        self.path = path
        self.folder = path.resolve().parent
        self.limits = limits
        self.gltf = self._parse(data)
        self.buffers: dict[int, bytes] = {}
        self.textures: dict[int, Texture] = {}
        self.vertices = 0
        self.triangles = 0

    def fail(self, reason: str) -> AssetError:
        return AssetError(self.path, reason)

    # -- container --------------------------------------------------------------------

    def _parse(self, data: bytes) -> gl.GLTF2:
        if data[:4] == _GLB_MAGIC:
            if len(data) < 12:
                raise self.fail(f"truncated GLB: {len(data)} bytes, shorter than its header")
            version, length = struct.unpack("<II", data[4:12])
            if version != 2:
                raise self.fail(f"GLB version {version} is not 2")
            if length != len(data):
                raise self.fail(f"truncated GLB: header says {length} bytes, file has {len(data)}")
            loader = gl.GLTF2.load_from_bytes
            what = "GLB"
        elif data.lstrip()[:1] == b"{":
            what = "glTF JSON"

            def loader(raw: bytes) -> gl.GLTF2:
                return gl.GLTF2.from_json(raw.decode("utf-8"))
        else:
            raise self.fail(f"not glTF: starts with {data[:4]!r}, expected b'glTF' or '{{'")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                gltf = loader(data)
        except (ValueError, TypeError, KeyError, AttributeError, OSError, struct.error) as exc:
            raise self.fail(f"malformed {what}: {type(exc).__name__}: {exc}") from None
        if not isinstance(gltf, gl.GLTF2):
            raise self.fail(f"malformed {what}: no JSON chunk")
        return gltf

    def buffer(self, index: Any) -> bytes:
        i = self.index(index, self.gltf.buffers, "buffer")
        if i in self.buffers:
            return self.buffers[i]
        buf = self.gltf.buffers[i]
        declared = self.count(buf.byteLength, f"buffers[{i}].byteLength")
        blob: bytes | None
        if buf.uri is None:
            blob = self.gltf.binary_blob()
            if not isinstance(blob, bytes):
                raise self.fail(f"buffers[{i}] has no uri and the file has no BIN chunk")
        else:
            blob = self.resource(buf.uri, f"buffers[{i}]", declared)
        if len(blob) < declared:
            raise self.fail(f"buffers[{i}] declares {declared} bytes but holds {len(blob)}")
        self.buffers[i] = blob
        return blob

    def resource(self, uri: Any, what: str, max_bytes: int) -> bytes:
        """The bytes behind ``uri``: a ``data:`` URI, or a file inside the asset's folder."""
        if not isinstance(uri, str) or not uri:
            raise self.fail(f"{what}.uri must be a non-empty string, got {uri!r}")
        cap = min(max_bytes, self.limits.max_file_bytes)
        if uri.startswith("data:"):
            header, sep, payload = uri.partition(",")
            if not sep or not header.endswith(";base64"):
                raise self.fail(f"{what}: only base64 data: URIs are supported")
            if len(payload) * 3 // 4 > cap + 3:
                raise self.fail(f"{what}: data: URI over the {cap}-byte cap")
            try:
                return base64.b64decode(payload, validate=True)
            except binascii.Error as exc:
                raise self.fail(f"{what}: bad base64 in data: URI ({exc})") from None
        target = self.local_path(uri, what)
        try:
            size = target.stat().st_size
            if size > cap:
                raise self.fail(f"{what}: {uri!r} is {size} bytes, over the {cap}-byte cap")
            return target.read_bytes()
        except OSError:
            raise self.fail(f"{what}: missing file {uri!r} next to the asset") from None

    def local_path(self, uri: str, what: str) -> Path:
        try:
            return resolve_inside(self.folder, uri)
        except ValueError as exc:
            raise self.fail(f"{what}: URI leaves the product folder: {exc}") from None

    # -- accessors --------------------------------------------------------------------

    def accessor(self, index: Any, what: str) -> NDArray[Any]:
        """Accessor ``index`` as an (count, width) array, bounds-checked before any copy."""
        i = self.index(index, self.gltf.accessors, "accessor")
        acc = self.gltf.accessors[i]
        name = f"accessors[{i}] ({what})"
        if acc.sparse is not None:
            raise self.fail(f"{name}: sparse accessors are not supported")
        dtype = _COMPONENTS.get(acc.componentType)
        width = _WIDTH.get(acc.type)
        if dtype is None or width is None:
            raise self.fail(f"{name}: bad componentType/type {acc.componentType!r}/{acc.type!r}")
        count = self.count(acc.count, f"{name}.count")
        cap = 3 * max(self.limits.max_vertices, self.limits.max_triangles)  # indices: 3/triangle
        if count > cap:
            raise self.fail(f"{name}: count {count} over the {cap}-element cap")
        if acc.bufferView is None:
            raise self.fail(f"{name}: no bufferView")
        v = self.index(acc.bufferView, self.gltf.bufferViews, "bufferView")
        view = self.gltf.bufferViews[v]
        elem = dtype.itemsize * width
        stride = view.byteStride or elem
        offset = self.count(acc.byteOffset or 0, f"{name}.byteOffset")
        view_len = self.count(view.byteLength, f"bufferViews[{v}].byteLength")
        view_off = self.count(view.byteOffset or 0, f"bufferViews[{v}].byteOffset")
        if stride < elem or stride % dtype.itemsize:
            raise self.fail(f"{name}: byteStride {stride} invalid for {elem}-byte elements")
        need = offset + stride * (count - 1) + elem if count else 0
        if need > view_len:
            raise self.fail(
                f"{name}: needs {need} bytes of bufferViews[{v}], which has {view_len}"
                f" (count {count})"
            )
        blob = self.buffer(view.buffer)
        if view_off + view_len > len(blob):
            raise self.fail(f"bufferViews[{v}] runs past the end of buffers[{view.buffer}]")
        base = np.frombuffer(blob, dtype=np.uint8, count=view_len, offset=view_off)
        rows = np.lib.stride_tricks.as_strided(
            base[offset:], shape=(count, elem), strides=(stride, 1), writeable=False
        )
        out: NDArray[Any] = np.ascontiguousarray(rows).view(dtype).reshape(count, width)
        if acc.normalized and dtype.kind in "iu":
            info = np.iinfo(dtype)
            out = np.maximum(out.astype(np.float32) / info.max, -1.0)
        return out

    def floats(self, index: Any, what: str, width: int, rows: int | None) -> NDArray[np.float32]:
        arr = self.accessor(index, what)
        if arr.shape[1] != width or (rows is not None and len(arr) != rows):
            raise self.fail(f"{what}: expected {rows} x {width} values, got {arr.shape}")
        out = arr.astype(np.float32)
        if not np.isfinite(out).all():
            raise self.fail(f"{what}: non-finite values")
        return out

    # -- scene ------------------------------------------------------------------------

    def asset(self) -> Asset:
        g = self.gltf
        self.check_types()
        if len(g.nodes) > self.limits.max_nodes:
            raise self.fail(f"{len(g.nodes)} nodes, over the {self.limits.max_nodes} cap")
        if g.scenes:
            scene = g.scenes[self.index(g.scene or 0, g.scenes, "scene")]
            roots = list(scene.nodes or [])
        else:
            children = {c for n in g.nodes for c in (n.children or [])}
            roots = [i for i in range(len(g.nodes)) if i not in children]
        prims: list[Primitive] = []
        anchors: dict[str, NDArray[np.float32]] = {}
        seen: set[int] = set()
        Item = tuple[int, NDArray[np.float64], tuple[str, ...], int]
        stack: list[Item] = [
            (self.index(r, g.nodes, "node"), np.eye(4), (), 1) for r in reversed(roots)
        ]
        while stack:
            i, parent, names, depth = stack.pop()
            if i in seen:
                raise self.fail(f"nodes[{i}] is reached twice (a cycle or a shared child)")
            seen.add(i)
            if depth > self.limits.max_node_depth:
                raise self.fail(f"node nesting deeper than {self.limits.max_node_depth}")
            node = g.nodes[i]
            world = parent @ self.local_matrix(i)
            path = (*names, node.name or f"node{i}")
            if node.mesh is not None:
                prims.extend(self.mesh(node.mesh, world, path))
            elif node.name:
                anchors[node.name] = world[:3, 3].astype(np.float32)
            for c in reversed(node.children or []):
                stack.append((self.index(c, g.nodes, "node"), world, path, depth + 1))
        if not prims:
            raise self.fail("the scene has no triangle meshes")
        return Asset(tuple(prims), anchors)

    def local_matrix(self, i: int) -> NDArray[np.float64]:
        node = self.gltf.nodes[i]
        try:
            if node.matrix is not None:
                m = np.asarray(node.matrix, dtype=np.float64).reshape(4, 4).T  # column-major
            else:
                t = np.asarray(node.translation or (0, 0, 0), dtype=np.float64).reshape(3)
                q = np.asarray(node.rotation or (0, 0, 0, 1), dtype=np.float64).reshape(4)
                s = np.asarray(node.scale or (1, 1, 1), dtype=np.float64).reshape(3)
                m = np.eye(4)
                m[:3, :3] = _quat_matrix(q) * s[None, :]
                m[:3, 3] = t
        except (ValueError, TypeError):
            raise self.fail(f"nodes[{i}]: malformed matrix/translation/rotation/scale") from None
        if not np.isfinite(m).all():
            raise self.fail(f"nodes[{i}]: non-finite transform")
        return m

    def mesh(
        self, index: Any, world: NDArray[np.float64], path: tuple[str, ...]
    ) -> list[Primitive]:
        mesh = self.gltf.meshes[self.index(index, self.gltf.meshes, "mesh")]
        linear = world[:3, :3]
        try:
            normal_matrix = np.linalg.inv(linear).T
        except np.linalg.LinAlgError:
            raise self.fail(f"node {path[-1]!r}: singular transform") from None
        mirrored = np.linalg.det(linear) < 0
        out = []
        for k, prim in enumerate(mesh.primitives or []):
            what = f"meshes[{index}].primitives[{k}]"
            if (prim.mode if prim.mode is not None else _TRIANGLES) != _TRIANGLES:
                raise self.fail(f"{what}: mode {prim.mode} not supported (triangles only)")
            attrs = prim.attributes
            if attrs.POSITION is None:
                raise self.fail(f"{what}: no POSITION")
            pos = self.floats(attrs.POSITION, f"{what}.POSITION", 3, None)
            n = len(pos)
            self.vertices += n
            if self.vertices > self.limits.max_vertices:
                raise self.fail(f"over the {self.limits.max_vertices}-vertex cap")
            if prim.indices is not None:
                idx = self.accessor(prim.indices, f"{what}.indices").reshape(-1)
                if idx.dtype.kind != "u" or (len(idx) and int(idx.max()) >= n):
                    raise self.fail(f"{what}: indices must be unsigned and below {n}")
                indices = idx.astype(np.uint32)
            else:
                indices = np.arange(n, dtype=np.uint32)
            if len(indices) % 3:
                raise self.fail(f"{what}: {len(indices)} indices is not a multiple of 3")
            self.triangles += len(indices) // 3
            if self.triangles > self.limits.max_triangles:
                raise self.fail(f"over the {self.limits.max_triangles}-triangle cap")
            if mirrored:
                indices = indices.reshape(-1, 3)[:, [0, 2, 1]].reshape(-1)
            world_pos = (pos.astype(np.float64) @ linear.T + world[:3, 3]).astype(np.float32)
            if attrs.NORMAL is not None:
                nrm = self.floats(attrs.NORMAL, f"{what}.NORMAL", 3, n) @ normal_matrix.T
                normals = _unit(nrm)
            else:
                normals = vertex_normals(world_pos, indices)
            uvs = None
            if attrs.TEXCOORD_0 is not None:
                uvs = self.floats(attrs.TEXCOORD_0, f"{what}.TEXCOORD_0", 2, n)
            tangents = None
            if attrs.TANGENT is not None:
                tan = self.floats(attrs.TANGENT, f"{what}.TANGENT", 4, n)
                xyz = _unit(tan[:, :3].astype(np.float64) @ linear.T)
                w = tan[:, 3:] * (-1.0 if mirrored else 1.0)
                tangents = np.concatenate([xyz, w], axis=1).astype(np.float32)
            out.append(
                Primitive(
                    node_path=path,
                    positions=world_pos,
                    normals=normals,
                    indices=np.ascontiguousarray(indices),
                    material=self.material(prim.material),
                    uvs=uvs,
                    tangents=tangents,
                )
            )
        return out

    # -- materials --------------------------------------------------------------------

    def material(self, index: Any) -> Material:
        if index is None:
            return Material()
        i = self.index(index, self.gltf.materials, "material")
        m = self.gltf.materials[i]
        pbr = m.pbrMetallicRoughness or gl.PbrMetallicRoughness()
        ext = m.extensions or {}
        alpha_mode = m.alphaMode or "OPAQUE"
        if alpha_mode not in _ALPHA_MODES:
            raise self.fail(
                f"materials[{i}]: alphaMode {alpha_mode!r} is not one of {_ALPHA_MODES}"
            )
        try:
            return Material(
                name=m.name or "",
                base_color=_tuple4(pbr.baseColorFactor or (1.0, 1.0, 1.0, 1.0)),
                metallic=float(1.0 if pbr.metallicFactor is None else pbr.metallicFactor),
                roughness=float(1.0 if pbr.roughnessFactor is None else pbr.roughnessFactor),
                base_color_texture=self.texture(pbr.baseColorTexture, srgb=True),
                metallic_roughness_texture=self.texture(pbr.metallicRoughnessTexture, srgb=False),
                normal_texture=self.texture(m.normalTexture, srgb=False),
                normal_scale=float(getattr(m.normalTexture, "scale", None) or 1.0),
                occlusion_texture=self.texture(m.occlusionTexture, srgb=False),
                occlusion_strength=float(getattr(m.occlusionTexture, "strength", None) or 1.0),
                emissive=_tuple3(m.emissiveFactor or (0.0, 0.0, 0.0)),
                alpha_mode=alpha_mode,
                alpha_cutoff=float(0.5 if m.alphaCutoff is None else m.alphaCutoff),
                double_sided=bool(m.doubleSided),
                transmission=float(
                    ext.get("KHR_materials_transmission", {}).get("transmissionFactor", 0.0)
                ),
                ior=float(ext.get("KHR_materials_ior", {}).get("ior", 1.5)),
            )
        except (TypeError, ValueError, AttributeError):
            raise self.fail(f"materials[{i}]: malformed factors") from None

    def texture(self, info: Any, *, srgb: bool) -> Texture | None:
        if info is None:
            return None
        t = self.index(info.index, self.gltf.textures, "texture")
        key = t * 2 + int(srgb)
        if key in self.textures:
            return self.textures[key]
        source = self.gltf.textures[t].source
        img_i = self.index(source, self.gltf.images, "image")
        image = self.gltf.images[img_i]
        what = f"images[{img_i}]"
        if image.bufferView is not None:
            v = self.index(image.bufferView, self.gltf.bufferViews, "bufferView")
            view = self.gltf.bufferViews[v]
            blob = self.buffer(view.buffer)
            start = self.count(view.byteOffset or 0, f"bufferViews[{v}].byteOffset")
            end = start + self.count(view.byteLength, f"bufferViews[{v}].byteLength")
            if end > len(blob):
                raise self.fail(f"bufferViews[{v}] runs past the end of its buffer")
            raw = blob[start:end]
        else:
            raw = self.resource(image.uri, what, self.limits.max_file_bytes)
        pixels = self.decode_image(raw, what)
        tex = Texture(pixels, srgb=srgb)
        self.textures[key] = tex
        return tex

    def decode_image(self, raw: bytes, what: str) -> NDArray[np.uint8]:
        """PNG or JPEG to RGBA8; the pixel count is read from the header and checked first."""
        try:
            kind, w, h = image_size(raw)
        except ValueError as exc:
            raise self.fail(f"{what}: {exc}") from None
        if w * h > self.limits.max_texture_pixels or w == 0 or h == 0:
            raise self.fail(
                f"{what}: {w}x{h} texture over the {self.limits.max_texture_pixels}-pixel cap"
            )
        try:
            with Image.open(io.BytesIO(raw), formats=(kind,)) as im:
                if im.size != (w, h):
                    raise self.fail(f"{what}: header says {w}x{h}, decoder sees {im.size}")
                return np.asarray(im.convert("RGBA"), dtype=np.uint8)
        except (OSError, ValueError, Image.DecompressionBombError) as exc:
            raise self.fail(f"{what}: not a decodable {kind} ({exc})") from None

    # -- checks -----------------------------------------------------------------------

    def check_types(self) -> None:
        """Every element of the top-level arrays parsed into its glTF object (pygltflib keeps
        values of the wrong JSON type as they are)."""
        for name, cls in _ARRAYS.items():
            items = getattr(self.gltf, name)
            if items is None:
                setattr(self.gltf, name, [])
            elif not isinstance(items, list):
                raise self.fail(f"{name} must be an array, got {type(items).__name__}")
            else:
                for k, item in enumerate(items):
                    if not isinstance(item, cls):
                        raise self.fail(f"{name}[{k}] must be an object, got {item!r:.40}")

    def index(self, value: Any, items: list[Any] | None, kind: str) -> int:
        n = len(items or [])
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < n:
            raise self.fail(f"{kind} index {value!r} out of range (the file has {n})")
        return value

    def count(self, value: Any, what: str) -> int:
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise self.fail(f"{what} must be a non-negative integer, got {value!r}")
        return value


def vertex_normals(
    positions: NDArray[np.float32], indices: NDArray[np.uint32]
) -> NDArray[np.float32]:
    """Area-weighted smooth normals for a triangle list without its own."""
    tri = indices.reshape(-1, 3)
    p = positions.astype(np.float64)
    face = np.cross(p[tri[:, 1]] - p[tri[:, 0]], p[tri[:, 2]] - p[tri[:, 0]])
    acc = np.zeros_like(p)
    for k in range(3):
        np.add.at(acc, tri[:, k], face)
    return _unit(acc)


def _quat_matrix(q: NDArray[np.float64]) -> NDArray[np.float64]:
    n = np.linalg.norm(q)
    if not n > 0:
        raise ValueError("zero quaternion")
    x, y, z, w = q / n
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
        ]
    )


def _unit(v: NDArray[Any]) -> NDArray[np.float32]:
    n = np.linalg.norm(v, axis=1, keepdims=True)
    out: NDArray[np.float32] = (v / np.where(n > 0, n, 1.0)).astype(np.float32)
    return out


def _tuple4(v: Any) -> tuple[float, float, float, float]:
    a, b, c, d = (float(x) for x in v)
    return (a, b, c, d)


def _tuple3(v: Any) -> tuple[float, float, float]:
    a, b, c = (float(x) for x in v)
    return (a, b, c)
