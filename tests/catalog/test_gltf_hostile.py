"""Hostile glTF/GLB files: each is refused by its raw bytes and plain JSON, before any object
is built, with an AssetError naming the file and the reason, fast and in bounded memory."""

from __future__ import annotations

import re
import struct
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from tests.fuzz.hostile_gltf import Hostile, glb, hostile_files, triangle_doc, triangle_glb
from tests.fuzz.hostile_gltf import triangle_gltf as triangle_gltf_bytes
from tryon.catalog.errors import AssetError
from tryon.catalog.gltf_loader import DEFAULT_LIMITS, LoadLimits, load_asset

MiB = 1024 * 1024
HOSTILE = list(hostile_files())


def refusal(path: Path, limits: LoadLimits = DEFAULT_LIMITS) -> tuple[AssetError, float, int]:
    """The error loading ``path`` raises, the seconds it took, and the peak of Python
    allocations in a second, traced run (tracing slows allocation-heavy runs down)."""
    t0 = time.perf_counter()
    with pytest.raises(AssetError) as first:
        load_asset(path, limits)
    elapsed = time.perf_counter() - t0
    tracemalloc.start()
    try:
        with pytest.raises(AssetError):
            load_asset(path, limits)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return first.value, elapsed, peak


@pytest.mark.parametrize("hostile", HOSTILE, ids=lambda h: f"{h.name}{h.suffix}")
def test_hostile_file_is_refused_fast_in_bounded_memory(tmp_path: Path, hostile: Hostile) -> None:
    """Each file gets the AssetError its ``reason`` names (the JSON 20,000 deep: its depth;
    100,000 nodes in a chain: the node count; a cycle: a node on it; 10^6 accessors: the
    count; a BIN or JSON chunk longer than the file: its claim; UTF-16 or a 0xFF byte: not
    UTF-8 ...), in well under 5 s (the slowest takes ~0.6 s; pygltflib took 29-49 s on the
    chain and never returned on the accessors) and at most 40 bytes of Python allocations
    per byte of file (JSON objects cost ~30x their text; the JSON chunk is capped at 4 MiB)."""
    path = tmp_path / f"model{hostile.suffix}"
    path.write_bytes(hostile.data)
    error, elapsed, peak = refusal(path)
    assert error.path == path and str(error).startswith(f"{path}: ")
    assert re.search(hostile.reason, error.reason), error.reason
    assert elapsed < 5.0, f"{elapsed:.1f} s"
    assert peak < 40 * len(hostile.data) + MiB, f"peak {peak / MiB:.1f} MiB"


def test_file_over_the_size_cap_is_refused_without_reading(tmp_path: Path) -> None:
    """A 33 MiB file (sparse) gets 'over the cap' from its size alone: nothing is read."""
    path = tmp_path / "big.glb"
    with path.open("wb") as f:
        f.truncate(33 * MiB)
    error, _, peak = refusal(path)
    assert error.reason == f"file is {33 * MiB} bytes, over the {32 * MiB} cap"
    assert peak < MiB


def test_the_hand_made_seeds_load(tmp_path: Path) -> None:
    """The fuzzer's small seeds are valid: one triangle (GLB, textured GLB, .gltf with a
    data: URI) under a parent node, with a ``bridge`` anchor."""
    for name, data in (
        ("tri.glb", triangle_glb()),
        ("tex.glb", triangle_glb(textured=True)),
        ("tri.gltf", triangle_gltf_bytes()),
    ):
        path = tmp_path / name
        path.write_bytes(data)
        asset = load_asset(path)
        assert asset.triangle_count == 1 and set(asset.anchors) == {"root", "bridge"}
        assert asset.primitives[0].positions[:, 2].tolist() == pytest.approx([0.1] * 3)
    tex = load_asset(tmp_path / "tex.glb").primitives[0].material.base_color_texture
    assert tex is not None and tex.pixels.shape == (4, 4, 4)


def _edit(change: dict[str, Any]) -> bytes:
    doc, blob = triangle_doc(textured=True)
    for dotted, value in change.items():
        *parents, last = dotted.split(".")
        node: Any = doc
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        node[int(last) if isinstance(node, list) else last] = value
    return glb(doc, blob)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"nodes.0.children": [1, 1]}, r"^nodes\[0\]\.children lists nodes\[1\] twice$"),
        ({"nodes.0.children": [1, 9]}, r"^nodes\[0\]\.children must be an array of node ind"),
        ({"nodes.0.children": "1"}, r"^nodes\[0\]\.children must be an array of node ind"),
        ({"nodes.0.children": [1], "nodes.2.children": [2]}, r"^nodes\[2\] is in a cycle of"),
        ({"scenes.0.nodes": [1]}, r"^scenes\[0\]\.nodes: nodes\[1\] is not a root \(a chil"),
        ({"scenes.0.nodes": [0, 0]}, r"^scenes\[0\]\.nodes lists a node twice$"),
        ({"scene": 3}, r"^scene index 3 out of range \(the file has 1\)$"),
        ({"nodes.1.mesh": True}, r"^nodes\[1\]\.mesh index True out of range \(the file has 1"),
        ({"meshes.0.primitives": {}}, r"^meshes\[0\]\.primitives must be an array of objects$"),
        ({"accessors.0.count": -1}, r"^accessors\[0\]\.count must be a non-negative integer"),
        ({"buffers.0.byteLength": "68"}, r"^buffers\[0\]\.byteLength must be a non-negative"),
        ({"images": {}}, r"^images must be an array, got object$"),
        ({"nodes": [{}] * 2049}, r"^2049 nodes, over the 2048 cap$"),
        ({"materials.0.pbrMetallicRoughness": 7}, r"pbrMetallicRoughness must be an object"),
        ({"materials.0.emissiveFactor": [10**400, 0, 0]}, r"materials\[0\]: malformed factors"),
        ({"nodes.1.translation": [10**400, 0, 0]}, r"^nodes\[1\]: malformed matrix"),
    ],
)
def test_structure_errors_are_named(tmp_path: Path, change: dict[str, Any], reason: str) -> None:
    """A textured triangle with one change: each gets the reason shown (integers too big for
    a float included: they raised OverflowError, which escaped)."""
    path = tmp_path / "model.glb"
    path.write_bytes(_edit(change))
    with pytest.raises(AssetError) as info:
        load_asset(path)
    assert re.search(reason, info.value.reason), info.value.reason


@pytest.mark.parametrize(
    ("limits", "reason"),
    [
        (LoadLimits(max_json_bytes=100), r"^glTF JSON chunk is \d+ bytes; at most 100 are"),
        (LoadLimits(max_json_depth=5), r"^glTF JSON chunk nests 6 levels deep; at most 5"),
        (LoadLimits(max_items=2), r"^3 accessors, over the 2 cap$"),
        (LoadLimits(max_primitives=0), r"^1 primitives drawn .* over the 0 cap$"),
        (LoadLimits(max_buffer_bytes=64), r"^buffers declare \d+ bytes, over the 64 cap$"),
        (LoadLimits(max_node_depth=1), r"^node nesting deeper than 1$"),
        (
            LoadLimits(max_vertices=0, max_triangles=0),
            r"^accessors\[0\]: count 3 over the 0-element cap$",
        ),
        (
            LoadLimits(max_total_texture_pixels=20),
            r"^images\[0\]: textures of 32 pixels in all, over the 20-pixel cap$",
        ),
    ],
)
def test_each_cap(tmp_path: Path, limits: LoadLimits, reason: str) -> None:
    """The textured triangle (3 accessors, 1 primitive, a 4x4 texture used as colour and as
    metallic-roughness: decoded twice, 32 pixels) over each cap gets that cap's reason."""
    doc, blob = triangle_doc(textured=True)
    doc["materials"][0]["pbrMetallicRoughness"]["metallicRoughnessTexture"] = {"index": 0}
    path = tmp_path / "model.glb"
    path.write_bytes(glb(doc, blob))
    load_asset(path)  # within the default caps
    with pytest.raises(AssetError) as info:
        load_asset(path, limits)
    assert re.search(reason, info.value.reason), info.value.reason


def test_chunk_types(tmp_path: Path) -> None:
    """A GLB whose first chunk is not JSON gets its type named; a second chunk of an unknown
    type is ignored, as glTF says, so the buffer that wanted the BIN chunk finds none."""
    data = triangle_glb()
    path = tmp_path / "model.glb"
    path.write_bytes(data[:16] + b"BIN\0" + data[20:])
    with pytest.raises(AssetError, match=r"the first GLB chunk is of type 0x004e4942, not JSON$"):
        load_asset(path)
    second = 20 + struct.unpack_from("<I", data, 12)[0] + 4
    path.write_bytes(data[:second] + b"XTRA" + data[second + 4 :])
    with pytest.raises(AssetError, match=r"buffers\[0\] has no uri and the file has no BIN chunk"):
        load_asset(path)


def test_png_with_a_broken_chunk_length(tmp_path: Path) -> None:
    """The textured triangle with its PNG's IDAT length zeroed (found by flipping each byte
    of the file): PIL reads the next chunk out of step and raises SyntaxError, which escaped;
    now it gets 'not a decodable PNG'."""
    data = bytearray(triangle_glb(textured=True))
    idat = data.index(b"IDAT")
    data[idat - 4 : idat] = bytes(4)
    path = tmp_path / "model.glb"
    path.write_bytes(bytes(data))
    with pytest.raises(AssetError, match=r"images\[0\]: not a decodable PNG \(broken PNG file"):
        load_asset(path)


def test_a_file_without_scenes_draws_every_root(tmp_path: Path) -> None:
    """No ``scenes``: the root nodes (those no node lists as a child) are drawn."""
    doc, blob = triangle_doc()
    del doc["scenes"], doc["scene"]
    doc["nodes"].append({"name": "loose"})
    path = tmp_path / "model.glb"
    path.write_bytes(glb(doc, blob))
    assert set(load_asset(path).anchors) == {"root", "bridge", "loose"}


def test_validate_prints_one_line_per_hostile_file(tmp_path: Path) -> None:
    """``tryon products validate`` on every hostile file (Khronos validator on, where it is
    installed: it must not be handed a refused file, its stack overflows on deep JSON): one
    ``REJECTED <file>: <reason>`` line each, no traceback, exit code 1."""
    paths = []
    for k, hostile in enumerate(HOSTILE):
        path = tmp_path / f"{k:02d}-{hostile.name}{hostile.suffix}"
        path.write_bytes(hostile.data)
        paths.append(path)
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from tryon.cli import main; sys.exit(main())",
            "products",
            "validate",
            *map(str, paths),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == len(paths), "\n".join(lines)
    for line, path, hostile in zip(lines, paths, HOSTILE, strict=True):
        assert line.startswith(f"REJECTED {path}: ")
        assert re.search(hostile.reason, line), line
