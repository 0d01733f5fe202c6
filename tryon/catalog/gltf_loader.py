"""Load an untrusted glTF 2.0 / GLB file into an :class:`~tryon.catalog.asset.Asset`.

:func:`~tryon.catalog.gltf_limits.read_gltf` first checks the file's sizes, counts, JSON
nesting and node hierarchy on its raw bytes and plain decoded JSON; this module then walks
that small document and decides what is safe to use. External URIs must stay inside the
asset's folder (relative, no ``..``, no scheme but ``data:``), every resource, the vertex and
triangle counts and the texture pixel counts (read from the image header before decoding)
are capped, and every accessor is bounds-checked against its buffer view before anything is
allocated. Every refusal is an :class:`~tryon.catalog.errors.AssetError` naming the file and
reason.

Anchors: every named node without a mesh contributes its world-space origin to
``Asset.anchors`` (``bridge``, ``hinge_left`` ...; the scene's root group too).
"""

from __future__ import annotations

import base64
import binascii
import io
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from tryon.catalog.asset import AlphaMode, Asset, Material, Primitive, Texture
from tryon.catalog.errors import AssetError
from tryon.catalog.gltf_limits import (
    DEFAULT_LIMITS,
    LoadLimits,
    RawGltf,
    checked_count,
    is_index,
    read_gltf,
)
from tryon.catalog.image_header import image_size
from tryon.catalog.paths import resolve_inside

__all__ = ["DEFAULT_LIMITS", "LoadLimits", "load_asset", "vertex_normals"]

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
_ALPHA_MODES: tuple[AlphaMode, ...] = ("OPAQUE", "MASK", "BLEND")
Json = dict[str, Any]


def load_asset(path: Path | str, limits: LoadLimits = DEFAULT_LIMITS) -> Asset:
    """The default scene of the ``.glb`` or ``.gltf`` at ``path``, transforms applied."""
    path = Path(path)
    loader = _Loader(path, read_gltf(path, limits), limits)
    try:
        return loader.asset()
    except (TypeError, AttributeError, ValueError, KeyError, IndexError, OverflowError) as exc:
        # A value of the wrong JSON type deep in the file that the checks did not name.
        raise AssetError(path, f"malformed glTF: {type(exc).__name__}: {exc}") from None


class _Loader:
    def __init__(self, path: Path, raw: RawGltf, limits: LoadLimits) -> None:
        self.path = path
        self.folder = path.resolve().parent
        self.limits = limits
        self.raw = raw
        self.buffers: dict[int, bytes] = {}
        self.textures: dict[int, Texture] = {}
        self.vertices = 0
        self.triangles = 0
        self.texture_pixels = 0

    def fail(self, reason: str) -> AssetError:
        return AssetError(self.path, reason)

    def item(self, name: str, index: Any, kind: str) -> tuple[int, Json]:
        """Entry ``index`` of the top-level array ``name``, range-checked."""
        items = self.raw.items(name)
        if not is_index(index, len(items)):
            raise self.fail(f"{kind} index {index!r:.40} out of range (the file has {len(items)})")
        return index, items[index]

    def obj(self, parent: Json, key: str, what: str) -> Json | None:
        """``parent[key]`` if it is an object, None if absent; anything else is refused."""
        value = parent.get(key)
        if value is not None and not isinstance(value, dict):
            raise self.fail(f"{what}.{key} must be an object, got {value!r:.40}")
        return value

    # -- buffers ----------------------------------------------------------------------

    def buffer(self, index: Any) -> bytes:
        i, buf = self.item("buffers", index, "buffer")
        if i in self.buffers:
            return self.buffers[i]
        declared: int = buf["byteLength"]
        blob: bytes | None
        if buf.get("uri") is None:
            blob = self.raw.bin_chunk
            if blob is None:
                raise self.fail(f"buffers[{i}] has no uri and the file has no BIN chunk")
        else:
            blob = self.resource(buf["uri"], f"buffers[{i}]", declared)
        if len(blob) < declared:
            raise self.fail(f"buffers[{i}] declares {declared} bytes but holds {len(blob)}")
        self.buffers[i] = blob
        return blob

    def view_bytes(self, index: Any) -> tuple[int, Json, memoryview]:
        """Buffer view ``index`` and its bytes (no copy), checked against its buffer."""
        v, view = self.item("bufferViews", index, "bufferView")
        what = f"bufferViews[{v}]"
        start = checked_count(self.path, view.get("byteOffset", 0), f"{what}.byteOffset")
        length = checked_count(self.path, view.get("byteLength"), f"{what}.byteLength")
        blob = self.buffer(view.get("buffer"))
        if start + length > len(blob):
            raise self.fail(f"{what} runs past the end of buffers[{view['buffer']}]")
        return v, view, memoryview(blob)[start : start + length]

    def resource(self, uri: Any, what: str, max_bytes: int) -> bytes:
        """The bytes behind ``uri``: a ``data:`` URI, or a file inside the asset's folder."""
        if not isinstance(uri, str) or not uri:
            raise self.fail(f"{what}.uri must be a non-empty string, got {uri!r:.40}")
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
        i, acc = self.item("accessors", index, "accessor")
        name = f"accessors[{i}] ({what})"
        if acc.get("sparse") is not None:
            raise self.fail(f"{name}: sparse accessors are not supported")
        kind, shape = acc.get("componentType"), acc.get("type")
        dtype = _COMPONENTS.get(kind) if isinstance(kind, int) else None
        width = _WIDTH.get(shape) if isinstance(shape, str) else None
        if dtype is None or width is None:
            raise self.fail(f"{name}: bad componentType/type {kind!r:.40}/{shape!r:.40}")
        count: int = acc["count"]  # read_gltf checked it against its cap
        if acc.get("bufferView") is None:
            raise self.fail(f"{name}: no bufferView")
        v, view, data = self.view_bytes(acc["bufferView"])
        elem = dtype.itemsize * width
        stride = checked_count(
            self.path, view.get("byteStride") or elem, f"bufferViews[{v}].byteStride"
        )
        offset = checked_count(self.path, acc.get("byteOffset", 0), f"{name}.byteOffset")
        if stride < elem or stride % dtype.itemsize:
            raise self.fail(f"{name}: byteStride {stride} invalid for {elem}-byte elements")
        need = offset + stride * (count - 1) + elem if count else 0
        if need > len(data):
            raise self.fail(
                f"{name}: needs {need} bytes of bufferViews[{v}], which has {len(data)}"
                f" (count {count})"
            )
        base = np.frombuffer(data, dtype=np.uint8)
        rows = np.lib.stride_tricks.as_strided(
            base[offset:], shape=(count, elem), strides=(stride, 1), writeable=False
        )
        out: NDArray[Any] = np.ascontiguousarray(rows).view(dtype).reshape(count, width)
        if acc.get("normalized") is True and dtype.kind in "iu":
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
        """Walk the scene's node forest (read_gltf checked its shape and depth)."""
        nodes = self.raw.items("nodes")
        prims: list[Primitive] = []
        anchors: dict[str, NDArray[np.float32]] = {}
        Item = tuple[int, NDArray[np.float64], tuple[str, ...]]
        stack: list[Item] = [(r, np.eye(4), ()) for r in reversed(self.raw.roots)]
        while stack:
            i, parent, names = stack.pop()
            node = nodes[i]
            world = parent @ self.local_matrix(i, node)
            name = node.get("name")
            name = name if isinstance(name, str) and name else None
            path = (*names, name or f"node{i}")
            if node.get("mesh") is not None:
                prims.extend(self.mesh(node["mesh"], world, path))
            elif name:
                anchors[name] = world[:3, 3].astype(np.float32)
            stack.extend((c, world, path) for c in reversed(node.get("children", [])))
        if not prims:
            raise self.fail("the scene has no triangle meshes")
        return Asset(tuple(prims), anchors)

    def local_matrix(self, i: int, node: Json) -> NDArray[np.float64]:
        try:
            if node.get("matrix") is not None:
                m = np.asarray(node["matrix"], dtype=np.float64).reshape(4, 4).T  # column-major
            else:
                t = np.asarray(node.get("translation", (0, 0, 0)), dtype=np.float64).reshape(3)
                q = np.asarray(node.get("rotation", (0, 0, 0, 1)), dtype=np.float64).reshape(4)
                s = np.asarray(node.get("scale", (1, 1, 1)), dtype=np.float64).reshape(3)
                m = np.eye(4)
                m[:3, :3] = _quat_matrix(q) * s[None, :]
                m[:3, 3] = t
        except (ValueError, TypeError, OverflowError):
            raise self.fail(f"nodes[{i}]: malformed matrix/translation/rotation/scale") from None
        if not np.isfinite(m).all():
            raise self.fail(f"nodes[{i}]: non-finite transform")
        return m

    def mesh(
        self, index: int, world: NDArray[np.float64], path: tuple[str, ...]
    ) -> list[Primitive]:
        mesh = self.raw.items("meshes")[index]  # read_gltf checked the node's mesh index
        linear = world[:3, :3]
        try:
            normal_matrix = np.linalg.inv(linear).T
        except np.linalg.LinAlgError:
            raise self.fail(f"node {path[-1]!r}: singular transform") from None
        mirrored = np.linalg.det(linear) < 0
        out = []
        for k, prim in enumerate(mesh["primitives"]):
            what = f"meshes[{index}].primitives[{k}]"
            mode = prim.get("mode", _TRIANGLES)
            if mode != _TRIANGLES:
                raise self.fail(f"{what}: mode {mode!r:.40} not supported (triangles only)")
            attrs = self.obj(prim, "attributes", what) or {}
            if attrs.get("POSITION") is None:
                raise self.fail(f"{what}: no POSITION")
            pos = self.floats(attrs["POSITION"], f"{what}.POSITION", 3, None)
            n = len(pos)
            self.vertices += n
            if self.vertices > self.limits.max_vertices:
                raise self.fail(f"over the {self.limits.max_vertices}-vertex cap")
            if prim.get("indices") is not None:
                idx = self.accessor(prim["indices"], f"{what}.indices").reshape(-1)
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
            if attrs.get("NORMAL") is not None:
                nrm = self.floats(attrs["NORMAL"], f"{what}.NORMAL", 3, n) @ normal_matrix.T
                normals = _unit(nrm)
            else:
                normals = vertex_normals(world_pos, indices)
            uvs = None
            if attrs.get("TEXCOORD_0") is not None:
                uvs = self.floats(attrs["TEXCOORD_0"], f"{what}.TEXCOORD_0", 2, n)
            tangents = None
            if attrs.get("TANGENT") is not None:
                tan = self.floats(attrs["TANGENT"], f"{what}.TANGENT", 4, n)
                xyz = _unit(tan[:, :3].astype(np.float64) @ linear.T)
                w = tan[:, 3:] * (-1.0 if mirrored else 1.0)
                tangents = np.concatenate([xyz, w], axis=1).astype(np.float32)
            out.append(
                Primitive(
                    node_path=path,
                    positions=world_pos,
                    normals=normals,
                    indices=np.ascontiguousarray(indices),
                    material=self.material(prim.get("material")),
                    uvs=uvs,
                    tangents=tangents,
                )
            )
        return out

    # -- materials --------------------------------------------------------------------

    def material(self, index: Any) -> Material:
        if index is None:
            return Material()
        i, m = self.item("materials", index, "material")
        what = f"materials[{i}]"
        pbr = self.obj(m, "pbrMetallicRoughness", what) or {}
        ext = self.obj(m, "extensions", what) or {}
        normal = self.obj(m, "normalTexture", what)
        occlusion = self.obj(m, "occlusionTexture", what)
        alpha_mode = m.get("alphaMode", "OPAQUE")
        if alpha_mode not in _ALPHA_MODES:
            raise self.fail(f"{what}: alphaMode {alpha_mode!r:.40} is not one of {_ALPHA_MODES}")
        try:
            return Material(
                name=str(m.get("name", "")),
                base_color=_tuple4(pbr.get("baseColorFactor", (1.0, 1.0, 1.0, 1.0))),
                metallic=float(pbr.get("metallicFactor", 1.0)),
                roughness=float(pbr.get("roughnessFactor", 1.0)),
                base_color_texture=self.texture(pbr, "baseColorTexture", what, srgb=True),
                metallic_roughness_texture=self.texture(
                    pbr, "metallicRoughnessTexture", what, srgb=False
                ),
                normal_texture=self.texture(m, "normalTexture", what, srgb=False),
                normal_scale=float((normal or {}).get("scale", 1.0)),
                occlusion_texture=self.texture(m, "occlusionTexture", what, srgb=False),
                occlusion_strength=float((occlusion or {}).get("strength", 1.0)),
                emissive=_tuple3(m.get("emissiveFactor", (0.0, 0.0, 0.0))),
                alpha_mode=alpha_mode,
                alpha_cutoff=float(m.get("alphaCutoff", 0.5)),
                double_sided=m.get("doubleSided") is True,
                transmission=float(
                    ext.get("KHR_materials_transmission", {}).get("transmissionFactor", 0.0)
                ),
                ior=float(ext.get("KHR_materials_ior", {}).get("ior", 1.5)),
            )
        except (TypeError, ValueError, AttributeError, OverflowError):
            raise self.fail(f"{what}: malformed factors") from None

    def texture(self, parent: Json, key: str, what: str, *, srgb: bool) -> Texture | None:
        """The texture that ``parent[key]`` (a textureInfo) refers to, decoded once."""
        info = self.obj(parent, key, what)
        if info is None:
            return None
        t, texture = self.item("textures", info.get("index"), "texture")
        cached = t * 2 + int(srgb)
        if cached in self.textures:
            return self.textures[cached]
        img_i, image = self.item("images", texture.get("source"), "image")
        name = f"images[{img_i}]"
        if image.get("bufferView") is not None:
            raw = bytes(self.view_bytes(image["bufferView"])[2])
        else:
            raw = self.resource(image.get("uri"), name, self.limits.max_file_bytes)
        tex = Texture(self.decode_image(raw, name), srgb=srgb)
        self.textures[cached] = tex
        return tex

    def decode_image(self, raw: bytes, what: str) -> NDArray[np.uint8]:
        """PNG or JPEG to RGBA8; the pixel counts are read from the header and checked first."""
        try:
            kind, w, h = image_size(raw)
        except ValueError as exc:
            raise self.fail(f"{what}: {exc}") from None
        if w * h > self.limits.max_texture_pixels or w == 0 or h == 0:
            raise self.fail(
                f"{what}: {w}x{h} texture over the {self.limits.max_texture_pixels}-pixel cap"
            )
        self.texture_pixels += w * h
        if self.texture_pixels > self.limits.max_total_texture_pixels:
            raise self.fail(
                f"{what}: textures of {self.texture_pixels} pixels in all, over the"
                f" {self.limits.max_total_texture_pixels}-pixel cap"
            )
        try:
            with Image.open(io.BytesIO(raw), formats=(kind,)) as im:
                if im.size != (w, h):
                    raise self.fail(f"{what}: header says {w}x{h}, decoder sees {im.size}")
                return np.asarray(im.convert("RGBA"), dtype=np.uint8)
        except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError) as exc:
            # PIL raises SyntaxError for a broken chunk ("broken PNG file") and EOFError for
            # data that ends early, besides OSError for a truncated file.
            raise self.fail(f"{what}: not a decodable {kind} ({exc})") from None


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
