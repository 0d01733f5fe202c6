"""Read an untrusted glTF/GLB and check its limits before anything is built from it.

Everything here works on the raw bytes (the GLB header and chunk headers) and on the decoded
JSON as plain dicts and lists, in time and memory linear in the file, without recursion:
the file size, the JSON chunk's size, encoding and nesting depth (:mod:`tryon.safe_json`),
the BIN chunk's bounds, the length of every top-level array, the buffers' declared bytes,
every accessor's element count, and the node hierarchy (indices in range, one parent per
node, no cycles, bounded depth, bounded primitives drawn). The loader then walks a document
whose sizes are known to be small. Every refusal is an :class:`AssetError` naming the file.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeGuard

from tryon.catalog.errors import AssetError
from tryon.safe_json import JsonLimitError, loads

__all__ = ["DEFAULT_LIMITS", "LoadLimits", "RawGltf", "checked_count", "is_index", "read_gltf"]

_MiB = 1024 * 1024
_GLB_MAGIC = b"glTF"
_JSON_CHUNK = 0x4E4F534A
_BIN_CHUNK = 0x004E4942
_CHUNK_NAMES = {_JSON_CHUNK: "JSON", _BIN_CHUNK: "BIN"}
#: The top-level arrays of glTF 2.0; ``nodes`` has its own cap.
_ARRAYS = (
    "accessors",
    "animations",
    "bufferViews",
    "buffers",
    "cameras",
    "images",
    "materials",
    "meshes",
    "nodes",
    "samplers",
    "scenes",
    "skins",
    "textures",
)


@dataclass(frozen=True, slots=True)
class LoadLimits:
    """Caps applied to every file; the defaults fit real-time try-on products (a pair of
    glasses has about 15 nodes, 25 accessors and a few MB)."""

    max_file_bytes: int = 32 * _MiB
    #: The JSON chunk of a GLB, or the whole .gltf.
    max_json_bytes: int = 4 * _MiB
    max_json_depth: int = 64
    #: All buffers' declared ``byteLength`` together (BIN chunk, files, ``data:`` URIs).
    max_buffer_bytes: int = 64 * _MiB
    max_vertices: int = 1_000_000
    max_triangles: int = 500_000
    #: Each texture, read from the image header before decoding.
    max_texture_pixels: int = 4096 * 4096
    #: All decoded textures together.
    max_total_texture_pixels: int = 2 * 4096 * 4096
    max_nodes: int = 2048
    max_node_depth: int = 32
    #: Entries of each other top-level array (accessors, meshes, materials, images ...).
    max_items: int = 1024
    #: Primitives drawn: each mesh's primitives once per node of the scene that uses it.
    max_primitives: int = 1024

    @property
    def max_accessor_count(self) -> int:
        """Elements in one accessor (indices are three per triangle)."""
        return 3 * max(self.max_vertices, self.max_triangles)


DEFAULT_LIMITS = LoadLimits()


@dataclass(frozen=True, slots=True)
class RawGltf:
    """A glTF document that passed :func:`read_gltf`: every top-level array is present and a
    list of objects within its cap, every accessor's ``count`` is within its cap, every
    mesh's ``primitives`` is a list of objects, the nodes form a forest, and ``roots`` are
    the root nodes of the scene to show."""

    doc: dict[str, Any]
    bin_chunk: bytes | None
    roots: tuple[int, ...]

    def items(self, name: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self.doc[name]
        return items


def is_index(value: Any, count: int) -> TypeGuard[int]:
    """Whether ``value`` is a JSON integer (not a boolean) in ``[0, count)``."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < count


def checked_count(path: Path, value: Any, what: str) -> int:
    """``value`` if it is a non-negative JSON integer, else an :class:`AssetError`."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise AssetError(path, f"{what} must be a non-negative integer, got {value!r:.40}")
    return value


def read_gltf(path: Path, limits: LoadLimits = DEFAULT_LIMITS) -> RawGltf:
    """The checked document of the ``.glb`` or ``.gltf`` at ``path``."""
    return _Reader(path, limits).read()


class _Reader:
    def __init__(self, path: Path, limits: LoadLimits) -> None:
        self.path = path
        self.limits = limits

    def fail(self, reason: str) -> AssetError:
        return AssetError(self.path, reason)

    def read(self) -> RawGltf:
        cap = self.limits.max_file_bytes
        try:
            with self.path.open("rb") as f:
                size = os.fstat(f.fileno()).st_size
                data = f.read(size + 1) if size <= cap else b""  # +1: did it grow?
        except OSError as exc:
            raise self.fail(f"cannot read the file ({exc.strerror})") from None
        if size > cap or len(data) > cap:
            raise self.fail(f"file is {max(size, len(data))} bytes, over the {cap} cap")
        if data[:4] == _GLB_MAGIC:
            text, bin_chunk = self.split_glb(data)
            doc = self.decode(text, "glTF JSON chunk")
        elif data.lstrip()[:1] == b"{":
            doc, bin_chunk = self.decode(data, "glTF JSON"), None
        else:
            raise self.fail(f"not glTF: starts with {data[:4]!r}, expected b'glTF' or '{{'")
        self.check_arrays(doc)
        self.check_buffers(doc["buffers"])
        self.check_accessors(doc["accessors"])
        roots = self.check_nodes(doc)
        return RawGltf(doc, bin_chunk, roots)

    # -- container ----------------------------------------------------------------------

    def split_glb(self, data: bytes) -> tuple[bytes, bytes | None]:
        """The JSON chunk and the BIN chunk (if any) of a GLB; a second chunk of another
        type is ignored (as glTF says of unknown chunks), and so is anything after it."""
        if len(data) < 20:
            raise self.fail(f"truncated GLB: {len(data)} bytes, shorter than its headers")
        version, length = struct.unpack_from("<II", data, 4)
        if version != 2:
            raise self.fail(f"GLB version {version} is not 2")
        if length != len(data):
            raise self.fail(f"truncated GLB: header says {length} bytes, file has {len(data)}")
        kind, text = self.chunk(data, 12)
        if kind != _JSON_CHUNK:
            raise self.fail(f"the first GLB chunk is of type {kind:#010x}, not JSON")
        if len(data) == 20 + len(text):
            return text, None
        kind, blob = self.chunk(data, 20 + len(text))
        return text, blob if kind == _BIN_CHUNK else None

    def chunk(self, data: bytes, at: int) -> tuple[int, bytes]:
        """The type and the bytes of the chunk at byte ``at``, within the file."""
        if len(data) - at < 8:
            raise self.fail(f"truncated GLB: {len(data) - at} bytes at {at}, not a chunk header")
        length, kind = struct.unpack_from("<II", data, at)
        left = len(data) - at - 8
        if length > left:
            name = _CHUNK_NAMES.get(kind, f"type {kind:#010x}")
            raise self.fail(f"{name} chunk at byte {at} claims {length} bytes; {left} follow")
        return kind, data[at + 8 : at + 8 + length]

    def decode(self, raw: bytes, what: str) -> dict[str, Any]:
        """UTF-8 JSON within the size and depth caps, and an object."""
        try:
            text = raw.rstrip(b"\0").decode("utf-8")
        except UnicodeDecodeError as exc:
            raise self.fail(
                f"{what} is not UTF-8: byte {raw[exc.start]:#04x} at offset {exc.start}"
            ) from None
        try:
            doc = loads(
                text,
                max_bytes=self.limits.max_json_bytes,
                max_depth=self.limits.max_json_depth,
                what=what,
            )
        except JsonLimitError as exc:
            raise self.fail(str(exc)) from None
        if not isinstance(doc, dict):
            raise self.fail(f"{what} must be a JSON object, got {_json_type(doc)}")
        return doc

    # -- counts and sizes ---------------------------------------------------------------

    def check_arrays(self, doc: dict[str, Any]) -> None:
        """Each top-level array a list of objects within its cap (a missing one made [])."""
        for name in _ARRAYS:
            items = doc.setdefault(name, [])
            if not isinstance(items, list):
                raise self.fail(f"{name} must be an array, got {_json_type(items)}")
            cap = self.limits.max_nodes if name == "nodes" else self.limits.max_items
            if len(items) > cap:
                raise self.fail(f"{len(items)} {name}, over the {cap} cap")
            for k, item in enumerate(items):
                if not isinstance(item, dict):
                    raise self.fail(f"{name}[{k}] must be an object, got {item!r:.40}")
        for m, mesh in enumerate(doc["meshes"]):
            prims = mesh.get("primitives")
            if not isinstance(prims, list) or not all(isinstance(p, dict) for p in prims):
                raise self.fail(f"meshes[{m}].primitives must be an array of objects")

    def check_buffers(self, buffers: list[dict[str, Any]]) -> None:
        total = 0
        for i, buf in enumerate(buffers):
            total += checked_count(self.path, buf.get("byteLength"), f"buffers[{i}].byteLength")
        if total > self.limits.max_buffer_bytes:
            raise self.fail(
                f"buffers declare {total} bytes, over the {self.limits.max_buffer_bytes} cap"
            )

    def check_accessors(self, accessors: list[dict[str, Any]]) -> None:
        cap = self.limits.max_accessor_count
        for i, acc in enumerate(accessors):
            count = checked_count(self.path, acc.get("count"), f"accessors[{i}].count")
            if count > cap:
                raise self.fail(f"accessors[{i}]: count {count} over the {cap}-element cap")

    # -- node hierarchy -----------------------------------------------------------------

    def check_nodes(self, doc: dict[str, Any]) -> tuple[int, ...]:
        """The scene's root nodes, after checking that the nodes form a forest no deeper
        than the cap and that the scene draws at most ``max_primitives`` primitives."""
        nodes: list[dict[str, Any]] = doc["nodes"]
        meshes: list[dict[str, Any]] = doc["meshes"]
        parent = [-1] * len(nodes)
        children: list[list[int]] = []
        for i, node in enumerate(nodes):
            kids = node.get("children", [])
            if not isinstance(kids, list) or not all(is_index(c, len(nodes)) for c in kids):
                raise self.fail(f"nodes[{i}].children must be an array of node indices")
            for c in kids:
                if parent[c] == i:
                    raise self.fail(f"nodes[{i}].children lists nodes[{c}] twice")
                if parent[c] != -1:
                    raise self.fail(f"nodes[{c}] is a child of both nodes[{parent[c]}] and {i}")
                parent[c] = i
            mesh = node.get("mesh")
            if mesh is not None and not is_index(mesh, len(meshes)):
                raise self.fail(
                    f"nodes[{i}].mesh index {mesh!r:.40} out of range (the file has {len(meshes)})"
                )
            children.append(kids)
        order = self.check_forest(parent, children)
        roots = self.scene_roots(doc, parent)
        drawn = bytearray(len(nodes))
        for r in roots:
            drawn[r] = 1
        primitives = 0
        for i in order:  # parents before their children
            if drawn[i]:
                for c in children[i]:
                    drawn[c] = 1
                mesh = nodes[i].get("mesh")
                primitives += 0 if mesh is None else len(meshes[mesh]["primitives"])
        if primitives > self.limits.max_primitives:
            raise self.fail(
                f"{primitives} primitives drawn (meshes' primitives once per node using them),"
                f" over the {self.limits.max_primitives} cap"
            )
        return roots

    def check_forest(self, parent: list[int], children: list[list[int]]) -> list[int]:
        """Every node, parents first, after checking that each is reached from a root (no
        cycles) within the depth cap; iterative."""
        order: list[int] = []
        stack = [(i, 1) for i, p in enumerate(parent) if p == -1]
        while stack:
            i, depth = stack.pop()
            if depth > self.limits.max_node_depth:
                raise self.fail(f"node nesting deeper than {self.limits.max_node_depth}")
            order.append(i)
            stack.extend((c, depth + 1) for c in children[i])
        if len(order) < len(parent):  # the nodes no root reaches hang below a cycle
            reached = set(order)
            start = next(i for i in range(len(parent)) if i not in reached)
            raise self.fail(f"nodes[{_on_cycle(parent, start)}] is in a cycle of children")
        return order

    def scene_roots(self, doc: dict[str, Any], parent: list[int]) -> tuple[int, ...]:
        """The roots of ``scenes[scene]``, or every root node when the file has no scene."""
        scenes: list[dict[str, Any]] = doc["scenes"]
        if not scenes:
            return tuple(i for i, p in enumerate(parent) if p == -1)
        s = doc.get("scene", 0)
        if not is_index(s, len(scenes)):
            raise self.fail(f"scene index {s!r:.40} out of range (the file has {len(scenes)})")
        roots = scenes[s].get("nodes", [])
        what = f"scenes[{s}].nodes"
        if not isinstance(roots, list) or not all(is_index(r, len(parent)) for r in roots):
            raise self.fail(f"{what} must be an array of node indices")
        if len(set(roots)) < len(roots):
            raise self.fail(f"{what} lists a node twice")
        for r in roots:
            if parent[r] != -1:
                raise self.fail(f"{what}: nodes[{r}] is not a root (a child of {parent[r]})")
        return tuple(roots)


def _on_cycle(parent: list[int], start: int) -> int:
    """A node on the cycle above ``start``, a node no root reaches (so every node above it
    has a parent, and the walk up must come round)."""
    seen = set()
    i = start
    while i not in seen:
        seen.add(i)
        i = parent[i]
    return i


def _json_type(value: Any) -> str:
    names = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}
    return names.get(type(value), "number")
