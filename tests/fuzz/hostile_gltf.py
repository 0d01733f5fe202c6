"""Small valid glTF files and hostile ones, made by hand (bytes, no pygltflib), for the loader's
tests, its fuzzer's seeds and ``bench/fuzz_parsers.py``.

Each hostile file is a :class:`Hostile`: its name, its suffix, its bytes, and a regular
expression the :class:`~tryon.catalog.errors.AssetError` it gets must match.
"""

from __future__ import annotations

import io
import json
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from PIL import Image

__all__ = ["Hostile", "glb", "hostile_files", "triangle_doc", "triangle_glb", "triangle_gltf"]

JSON_CHUNK = 0x4E4F534A
BIN_CHUNK = 0x004E4942


@dataclass(frozen=True, slots=True)
class Hostile:
    name: str
    suffix: str  # ".glb" or ".gltf"
    data: bytes
    reason: str  # regex the AssetError's reason matches


def glb(doc: dict[str, Any] | bytes, blob: bytes | None = None) -> bytes:
    """A GLB of ``doc`` (a dict, or raw JSON bytes spliced in as they are) and ``blob``."""
    text = doc if isinstance(doc, bytes) else json.dumps(doc, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 4)
    body = struct.pack("<II", len(text), JSON_CHUNK) + text
    if blob is not None:
        blob += b"\0" * (-len(blob) % 4)
        body += struct.pack("<II", len(blob), BIN_CHUNK) + blob
    return b"glTF" + struct.pack("<II", 2, 12 + len(body)) + body


def _png(width: int, height: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (180, 90, 40)).save(buf, format="PNG")
    return buf.getvalue()


def triangle_doc(*, textured: bool = False) -> tuple[dict[str, Any], bytes]:
    """One triangle under a parent node, with an anchor; optionally a 4x4 PNG texture.
    Returns the JSON document and its buffer."""
    positions = struct.pack("<9f", 0, 0, 0, 1, 0, 0, 0, 1, 0)
    uvs = struct.pack("<6f", 0, 0, 1, 0, 0, 1)
    indices = struct.pack("<3H", 0, 1, 2) + b"\0\0"
    png = _png(4, 4) if textured else b""
    blob = positions + uvs + indices + png
    views = [
        {"buffer": 0, "byteOffset": 0, "byteLength": 36},
        {"buffer": 0, "byteOffset": 36, "byteLength": 24},
        {"buffer": 0, "byteOffset": 60, "byteLength": 6},
    ]
    prim: dict[str, Any] = {"attributes": {"POSITION": 0, "TEXCOORD_0": 1}, "indices": 2}
    doc: dict[str, Any] = {
        "asset": {"version": "2.0"},
        "scene": 0,
        "scenes": [{"nodes": [0]}],
        "nodes": [
            {"name": "root", "children": [1, 2]},
            {"name": "tri", "mesh": 0, "translation": [0, 0, 0.1]},
            {"name": "bridge"},
        ],
        "meshes": [{"primitives": [prim]}],
        "accessors": [
            {"bufferView": 0, "componentType": 5126, "count": 3, "type": "VEC3"},
            {"bufferView": 1, "componentType": 5126, "count": 3, "type": "VEC2"},
            {"bufferView": 2, "componentType": 5123, "count": 3, "type": "SCALAR"},
        ],
        "bufferViews": views,
        "buffers": [{"byteLength": len(blob)}],
    }
    if textured:
        views.append({"buffer": 0, "byteOffset": 68, "byteLength": len(png)})
        doc["images"] = [{"bufferView": 3, "mimeType": "image/png"}]
        doc["textures"] = [{"source": 0}]
        doc["materials"] = [{"pbrMetallicRoughness": {"baseColorTexture": {"index": 0}}}]
        prim["material"] = 0
    return doc, blob


def triangle_glb(*, textured: bool = False) -> bytes:
    doc, blob = triangle_doc(textured=textured)
    return glb(doc, blob)


def triangle_gltf() -> bytes:
    """The triangle as a self-contained .gltf (its buffer a base64 ``data:`` URI)."""
    import base64

    doc, blob = triangle_doc()
    doc["buffers"][0]["uri"] = "data:application/octet-stream;base64," + (
        base64.b64encode(blob).decode("ascii")
    )
    return json.dumps(doc).encode()


def _chain(count: int, first: int = 0) -> list[dict[str, Any]]:
    """``count`` nodes numbered from ``first``, each the only child of the one before."""
    return [{"children": [first + i + 1]} for i in range(count - 1)] + [{"mesh": 0}]


def _with(**fields: Any) -> dict[str, Any]:
    doc, _ = triangle_doc()
    doc.update(fields)
    return doc


def _deep_json(levels: int) -> bytes:
    return b'{"asset":{"version":"2.0"},"extras":' + b"[" * levels + b"]" * levels + b"}"


def hostile_files() -> Iterator[Hostile]:
    """The hostile corpus: each file, and the reason it must be refused for."""
    doc, blob = triangle_doc()
    cycle = _with(nodes=[{"children": [1]}, {"children": [2]}, {"children": [0], "mesh": 0}])
    cycle.pop("scenes"), cycle.pop("scene")
    chain = _with(nodes=_chain(100_000))
    chain.pop("scenes"), chain.pop("scene")
    for suffix, pack in ((".glb", lambda d: glb(d, blob)), (".gltf", _as_gltf)):
        yield Hostile(
            "json-20000-deep",
            suffix,
            pack(_deep_json(20_000)),
            "nests 20001 levels deep; at most 64",
        )
        yield Hostile("node-chain-100000", suffix, pack(chain), "100000 nodes, over the 2048")
        yield Hostile("node-cycle", suffix, pack(cycle), r"nodes\[\d\] is in a cycle")
        yield Hostile("not-utf8", suffix, pack(_not_utf8(doc)), r"not UTF-8: byte 0xff at")
        yield Hostile(
            "unterminated-strings",
            suffix,
            pack(b'{"asset":{"version":"2.0"},"extras":"' + b'\\"' * 500_000),
            "not valid JSON: Unterminated string",
        )
    deep_nodes = _with(scenes=[{"nodes": [3]}], nodes=[*doc["nodes"], *_chain(40, 3)])
    yield Hostile("node-depth-40", ".glb", glb(deep_nodes, blob), "node nesting deeper than 32")
    shared = _with(nodes=[{"children": [2]}, {"children": [2]}, {"mesh": 0}])
    shared["scenes"] = [{"nodes": [0, 1]}]
    yield Hostile(
        "shared-child", ".glb", glb(shared, blob), r"nodes\[2\] is a child of both nodes\[0\] and 1"
    )
    yield Hostile(
        "accessors-1000000",
        ".glb",
        glb(_with(accessors=[{}] * 1_000_000), blob),
        "1000000 accessors, over the 1024 cap",
    )
    instanced = _with(nodes=[{"mesh": 0}] * 2000, meshes=[{"primitives": [{}] * 1000}])
    instanced["scenes"] = [{"nodes": list(range(2000))}]
    yield Hostile("instanced-primitives", ".glb", glb(instanced, blob), "primitives drawn")
    huge = _with()
    huge["accessors"][0]["count"] = 2**40
    yield Hostile("accessor-count-2**40", ".glb", glb(huge, blob), r"count 1099511627776 over")
    big = _with()
    big["accessors"][0]["count"] = 2_000_000
    yield Hostile("accessor-count-2e6", ".glb", glb(big, blob), r"needs 24000000 bytes")
    claims = _with(buffers=[{"byteLength": 10**12}])
    yield Hostile("buffer-10**12", ".glb", glb(claims, blob), "buffers declare 1000000000000")
    whole = glb(doc, blob)
    json_len = struct.unpack_from("<I", whole, 12)[0]
    bin_at = 20 + json_len
    past = bytearray(whole)
    struct.pack_into("<I", past, bin_at, 1 << 30)
    yield Hostile("bin-past-the-end", ".glb", bytes(past), r"BIN chunk .* claims 1073741824")
    past = bytearray(whole)
    struct.pack_into("<I", past, 12, 1 << 30)
    yield Hostile("json-past-the-end", ".glb", bytes(past), r"JSON chunk .* claims 1073741824")
    yield Hostile(
        "utf16-json",
        ".glb",
        glb(json.dumps(doc).encode("utf-16")),
        r"not UTF-8: byte 0xff at offset 0",
    )
    yield Hostile("not-an-object", ".glb", glb(b"[]"), "must be a JSON object, got array")


def _not_utf8(doc: dict[str, Any]) -> bytes:
    text = json.dumps({**doc, "extras": "@"}).encode()
    return text.replace(b'"@"', b'"\xff"')


def _as_gltf(doc: dict[str, Any] | bytes) -> bytes:
    return doc if isinstance(doc, bytes) else json.dumps(doc).encode()
