"""The glTF/GLB loader on a real generated pair of glasses and on files broken from it."""

from __future__ import annotations

import base64
import copy
import io
import json
import random
import struct
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pygltflib as gl
import pytest
from PIL import Image

from tests.catalog.conftest import node_index
from tryon.catalog.asset import Asset
from tryon.catalog.errors import AssetError
from tryon.catalog.gltf_loader import LoadLimits, load_asset

MiB = 1024 * 1024


def edit_glb(glb: bytes, edit: Callable[[dict[str, Any]], None]) -> bytes:
    """``glb`` with its JSON changed by ``edit`` and its binary chunk unchanged."""
    gltf = gl.GLTF2.load_from_bytes(glb)
    doc = json.loads(gltf.to_json())
    edit(doc)
    out = gl.GLTF2.from_json(json.dumps(doc))
    out.set_binary_blob(gltf.binary_blob())
    return b"".join(out.save_to_bytes())


def raw_glb(glb: bytes, edit: Callable[[dict[str, Any]], None]) -> bytes:
    """Like :func:`edit_glb`, but the JSON chunk is spliced in by hand: any JSON goes, and
    pygltflib does not rewrite ``buffers[0].byteLength`` on saving."""
    gltf = gl.GLTF2.load_from_bytes(glb)
    doc = json.loads(gltf.to_json())
    edit(doc)
    text = json.dumps(doc).encode()
    text += b" " * (-len(text) % 4)
    blob = gltf.binary_blob()
    body = struct.pack("<I", len(text)) + b"JSON" + text + struct.pack("<I", len(blob)) + b"BIN\0"
    body += blob
    return b"glTF" + struct.pack("<II", 2, 12 + len(body)) + body


def write(tmp_path: Path, data: bytes, name: str = "model.glb") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def load_peak(path: Path) -> tuple[AssetError, int]:
    """The error loading ``path`` raises, and the peak of Python allocations meanwhile."""
    tracemalloc.start()
    try:
        with pytest.raises(AssetError) as info:
            load_asset(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return info.value, peak


def by_node(asset: Asset, name: str) -> list[Any]:
    return [p for p in asset.primitives if p.node_path[-1] == name]


# -- good files ----------------------------------------------------------------------------


def test_generated_glb_loads_with_materials_textures_and_anchors(
    tmp_path: Path, good_glb: bytes
) -> None:
    asset = load_asset(write(tmp_path, good_glb))
    names = {p.node_path[-1] for p in asset.primitives}
    assert names == {"frame_front", "lens_left", "lens_right", "temple_left", "temple_right"}
    for anchor in ("bridge", "hinge_left", "hinge_right", "temple_end_left", "temple_end_right"):
        assert asset.anchors[anchor].shape == (3,)
    for prim in asset.primitives:
        assert prim.indices.dtype == np.uint32 and len(prim.indices) % 3 == 0
        assert prim.indices.max() < len(prim.positions)
        np.testing.assert_allclose(np.linalg.norm(prim.normals, axis=1), 1.0, atol=1e-5)
        assert prim.uvs is not None and prim.uvs.shape == (len(prim.positions), 2)
    (lens,) = by_node(asset, "lens_left")
    assert lens.material.transmission == 1.0 and lens.material.alpha_mode == "OPAQUE"
    assert lens.material.is_blended and lens.material.base_color[3] < 1.0
    gradient = lens.material.base_color_texture
    assert gradient is not None and gradient.srgb and gradient.pixels.dtype == np.uint8
    assert gradient.pixels.shape[2] == 4
    assert gradient.pixels[0, 0, 3] > gradient.pixels[-1, 0, 3]  # tinted top, clear bottom
    frame = by_node(asset, "frame_front")[0].material
    assert frame.base_color_texture is not None
    assert frame.base_color_texture.pixels.shape == (256, 256, 4)
    assert not frame.is_blended


def test_external_buffer_and_data_uri_load_like_the_glb(
    tmp_path: Path, good_glb: bytes, write_gltf: Callable[..., Path]
) -> None:
    glb = load_asset(write(tmp_path, good_glb))
    external = load_asset(write_gltf())
    blob = (tmp_path / "model.bin").read_bytes()

    def inline(doc: dict[str, Any]) -> None:
        doc["buffers"][0]["uri"] = "data:application/octet-stream;base64," + _b64(blob)

    inlined = load_asset(write_gltf(inline, name="inline.gltf"))
    for other in (external, inlined):
        assert other.triangle_count == glb.triangle_count
        for a, b in zip(glb.primitives, other.primitives, strict=True):
            np.testing.assert_array_equal(a.positions, b.positions)


def test_matrix_and_trs_nodes_give_the_same_positions(tmp_path: Path, good_glb: bytes) -> None:
    trs = load_asset(write(tmp_path, good_glb))

    def to_matrix(doc: dict[str, Any]) -> None:
        node = doc["nodes"][node_index(doc, "temple_left")]
        x, y, z, w = node.pop("rotation")
        t = node.pop("translation")
        rot = np.array(
            [
                [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
                [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
                [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
            ]
        )
        m = np.eye(4)
        m[:3, :3], m[:3, 3] = rot, t
        node["matrix"] = [float(v) for v in m.T.ravel()]  # glTF is column-major

    mat = load_asset(write(tmp_path, edit_glb(good_glb, to_matrix), "matrix.glb"))
    np.testing.assert_allclose(
        by_node(mat, "temple_left")[0].positions,
        by_node(trs, "temple_left")[0].positions,
        atol=1e-7,
    )
    np.testing.assert_allclose(mat.anchors["temple_end_left"], trs.anchors["temple_end_left"])
    # The temple's rotation was applied: it splays outward (+X) going back (-Z).
    hinge, end = trs.anchors["hinge_left"], trs.anchors["temple_end_left"]
    assert end[0] > hinge[0] and end[2] < hinge[2] - 0.1


def test_missing_normals_are_computed_smooth(tmp_path: Path, good_glb: bytes) -> None:
    given = load_asset(write(tmp_path, good_glb))

    def drop_normals(doc: dict[str, Any]) -> None:
        for mesh in doc["meshes"]:
            for prim in mesh["primitives"]:
                del prim["attributes"]["NORMAL"]

    computed = load_asset(write(tmp_path, edit_glb(good_glb, drop_normals), "nonormals.glb"))
    for name in ("lens_left", "temple_right"):
        a, b = by_node(given, name)[0].normals, by_node(computed, name)[0].normals
        np.testing.assert_allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-5)
        # Smooth normals agree with the analytic ones except at tube seams and end caps.
        assert np.median(np.sum(a * b, axis=1)) > 0.99


# -- unsafe URIs ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "uri",
    [
        "/etc/passwd",
        "../model.bin",
        "sub/../../model.bin",
        "%2e%2e/model.bin",
        "file:///etc/passwd",
        "http://example.com/model.bin",
        "https://example.com/model.bin",
        "//example.com/model.bin",
        "C:/model.bin",
    ],
)
def test_uris_leaving_the_folder_are_refused(write_gltf: Callable[..., Path], uri: str) -> None:
    def point(doc: dict[str, Any]) -> None:
        doc["buffers"][0]["uri"] = uri

    with pytest.raises(AssetError, match="leaves the product folder") as info:
        load_asset(write_gltf(point))
    assert info.value.path.name == "model.gltf"


def test_symlink_out_of_the_folder_is_refused(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, write_gltf: Callable[..., Path]
) -> None:
    outside = tmp_path_factory.mktemp("outside") / "secret.bin"
    outside.write_bytes(bytes(1 << 20))
    (tmp_path / "link.bin").symlink_to(outside)

    def link(doc: dict[str, Any]) -> None:
        doc["buffers"][0]["uri"] = "link.bin"

    with pytest.raises(AssetError, match="resolves outside"):
        load_asset(write_gltf(link))


def test_missing_buffer_file(write_gltf: Callable[..., Path]) -> None:
    def point(doc: dict[str, Any]) -> None:
        doc["buffers"][0]["uri"] = "nothere.bin"

    with pytest.raises(AssetError, match=r"missing file 'nothere\.bin'"):
        load_asset(write_gltf(point))


# -- broken containers ---------------------------------------------------------------------


def test_wrong_magic(tmp_path: Path, good_glb: bytes) -> None:
    with pytest.raises(AssetError, match=r"not glTF: starts with b'gLTF'"):
        load_asset(write(tmp_path, b"gLTF" + good_glb[4:]))


def test_truncated_glb(tmp_path: Path, good_glb: bytes) -> None:
    half = len(good_glb) // 2
    with pytest.raises(AssetError, match=f"truncated GLB: header says {len(good_glb)} bytes"):
        load_asset(write(tmp_path, good_glb[:half]))
    with pytest.raises(AssetError, match="truncated GLB"):
        load_asset(write(tmp_path, good_glb[:7]))


def test_malformed_json(tmp_path: Path) -> None:
    with pytest.raises(AssetError, match="glTF JSON is not valid JSON: Expecting value"):
        load_asset(write(tmp_path, b'{"asset": {"version": "2.0"}, "nodes": [', "bad.gltf"))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(AssetError, match="cannot read the file"):
        load_asset(tmp_path / "absent.glb")


def test_out_of_range_reference(tmp_path: Path, good_glb: bytes) -> None:
    def bad_mesh(doc: dict[str, Any]) -> None:
        doc["nodes"][node_index(doc, "lens_left")]["mesh"] = 999

    with pytest.raises(
        AssetError, match=r"nodes\[2\]\.mesh index 999 out of range \(the file has 5\)"
    ):
        load_asset(write(tmp_path, edit_glb(good_glb, bad_mesh)))


# -- caps: each fails fast without allocating what the file claims -------------------------


def test_huge_accessor_count_fails_without_allocating(tmp_path: Path, good_glb: bytes) -> None:
    def huge(doc: dict[str, Any]) -> None:
        doc["accessors"][0]["count"] = 2_000_000

    path = write(tmp_path, edit_glb(good_glb, huge))
    error, peak = load_peak(path)
    assert "accessors[0] (meshes[0].primitives[0].POSITION): needs 24000000 bytes" in str(error)
    assert peak < 4 * MiB, f"peak {peak / MiB:.1f} MiB"

    def absurd(doc: dict[str, Any]) -> None:
        doc["accessors"][0]["count"] = 2**62

    error, peak = load_peak(write(tmp_path, edit_glb(good_glb, absurd), "absurd.glb"))
    assert "count 4611686018427387904 over the 3000000-element cap" in str(error)
    assert peak < 4 * MiB


def test_enormous_png_header_is_refused_before_decoding(
    write_gltf: Callable[..., Path], tmp_path: Path
) -> None:
    (tmp_path / "huge.png").write_bytes(_png_claiming(100_000, 100_000))

    def external_image(doc: dict[str, Any]) -> None:
        doc["images"][0] = {"uri": "huge.png"}

    error, peak = load_peak(write_gltf(external_image))
    assert "images[0]: 100000x100000 texture over the 16777216-pixel cap" in str(error)
    assert peak < 4 * MiB, f"peak {peak / MiB:.1f} MiB"


def test_buffer_shorter_than_declared(tmp_path: Path, good_glb: bytes) -> None:
    def claim(doc: dict[str, Any]) -> None:
        doc["buffers"][0]["byteLength"] += 4096

    def reclaim(doc: dict[str, Any]) -> None:
        doc["bufferViews"][0]["byteLength"] = 10**12

    with pytest.raises(AssetError, match=r"buffers\[0\] declares \d+ bytes but holds"):
        load_asset(write(tmp_path, raw_glb(good_glb, claim)))
    with pytest.raises(AssetError, match=r"bufferViews\[0\] runs past the end of buffers\[0\]"):
        load_asset(write(tmp_path, edit_glb(good_glb, reclaim), "view.glb"))


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (None, r"nodes\[3\] must be an object, got None"),
        (7, r"nodes\[3\] must be an object, got 7"),
    ],
)
def test_wrong_json_types_are_named(
    tmp_path: Path, good_glb: bytes, value: object, reason: str
) -> None:
    def bad_node(doc: dict[str, Any]) -> None:
        doc["nodes"][3] = value

    with pytest.raises(AssetError, match=reason):
        load_asset(write(tmp_path, raw_glb(good_glb, bad_node)))


def test_node_cycle(tmp_path: Path, good_glb: bytes) -> None:
    def cycle(doc: dict[str, Any]) -> None:
        doc["nodes"][node_index(doc, "lens_left")].setdefault("children", []).append(
            node_index(doc, "glasses")
        )

    with pytest.raises(AssetError, match=r"nodes\[\d+\] is in a cycle of children"):
        load_asset(write(tmp_path, edit_glb(good_glb, cycle)))


def test_very_deep_nesting(tmp_path: Path, good_glb: bytes) -> None:
    def deep(doc: dict[str, Any]) -> None:
        first = len(doc["nodes"])
        for k in range(100):
            doc["nodes"].append({"name": f"level{k}", "children": [first + k + 1]})
        doc["nodes"].append({"name": "bottom"})
        doc["nodes"][node_index(doc, "bridge")]["children"] = [first]

    with pytest.raises(AssetError, match="node nesting deeper than 32"):
        load_asset(write(tmp_path, edit_glb(good_glb, deep)))


@pytest.mark.parametrize(
    ("limits", "reason"),
    [
        (LoadLimits(max_file_bytes=1000), r"file is \d+ bytes, over the 1000 cap"),
        (LoadLimits(max_triangles=2000), "over the 2000-triangle cap"),
        (LoadLimits(max_vertices=2000), "over the 2000-vertex cap"),
        (LoadLimits(max_texture_pixels=100), r"images\[\d\]: \d+x\d+ texture over the 100-pixel"),
        (LoadLimits(max_nodes=3), "nodes, over the 3 cap"),
    ],
)
def test_caps(tmp_path: Path, good_glb: bytes, limits: LoadLimits, reason: str) -> None:
    with pytest.raises(AssetError, match=reason):
        load_asset(write(tmp_path, good_glb), limits)


def _png_claiming(width: int, height: int) -> bytes:
    """A 1x1 PNG whose IHDR (with a valid CRC) claims ``width`` x ``height``."""
    buf = io.BytesIO()
    Image.new("RGB", (1, 1)).save(buf, format="PNG")
    png = bytearray(buf.getvalue())
    ihdr = bytearray(png[12:29])  # b"IHDR" + 13 bytes of data
    ihdr[4:12] = struct.pack(">II", width, height)
    png[12:29] = ihdr
    png[29:33] = struct.pack(">I", zlib.crc32(bytes(ihdr)))
    return bytes(png)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def test_mutated_json_only_ever_raises_asset_error(write_gltf: Callable[..., Path]) -> None:
    """Values of every wrong JSON type, anywhere in the file: loaded, or a clear AssetError."""
    good = write_gltf()
    base = json.loads(good.read_text())
    paths = list(_json_paths(base))
    values: list[Any] = [None, -1, 0, 2**40, "x", 1.5, [], {}, [1, 2], True, float("nan")]
    rnd = random.Random(3)
    outcomes = {"loaded": 0, "rejected": 0}
    for _ in range(150):
        doc = copy.deepcopy(base)
        for _ in range(rnd.randint(1, 3)):
            *parents, last = rnd.choice(paths)
            node = doc
            for key in parents:
                node = node[key] if isinstance(node, dict | list) else None
            if isinstance(node, dict) or (isinstance(node, list) and last < len(node)):
                node[last] = rnd.choice(values)
        path = good.with_name("mutated.gltf")
        path.write_text(json.dumps(doc))
        try:
            load_asset(path)
            outcomes["loaded"] += 1
        except AssetError as exc:
            assert str(exc).startswith(f"{path}: ")
            outcomes["rejected"] += 1
    assert outcomes["rejected"] > 100, outcomes


def _json_paths(obj: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    items = (
        obj.items() if isinstance(obj, dict) else enumerate(obj) if isinstance(obj, list) else []
    )
    for key, value in items:
        yield (*prefix, key)
        yield from _json_paths(value, (*prefix, key))


def test_jpeg_texture_decodes_after_its_header_check(
    write_gltf: Callable[..., Path], tmp_path: Path
) -> None:
    Image.new("RGB", (96, 48), (200, 40, 10)).save(tmp_path / "tex.jpg", format="JPEG")

    def jpeg(doc: dict[str, Any]) -> None:
        doc["images"][0] = {"uri": "tex.jpg"}

    asset = load_asset(write_gltf(jpeg))
    tex = by_node(asset, "frame_front")[0].material.base_color_texture
    assert tex is not None and tex.pixels.shape == (48, 96, 4)
    assert abs(int(tex.pixels[10, 10, 0]) - 200) < 8 and tex.pixels[10, 10, 3] == 255
    (tmp_path / "tex.jpg").write_bytes((tmp_path / "tex.jpg").read_bytes()[:20])
    with pytest.raises(AssetError, match=r"images\[0\]: JPEG without a frame header"):
        load_asset(write_gltf(jpeg, name="cut.gltf"))


def test_mirroring_node_flips_winding_and_tangent_sign(tmp_path: Path) -> None:
    """A hand-made quad with tangents under a node scaled by -1 in X."""
    pos = np.array([[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0]], np.float32)
    nrm = np.tile(np.array([0, 0, 1], np.float32), (4, 1))
    tan = np.tile(np.array([1, 0, 0, 1], np.float32), (4, 1))
    idx = np.array([0, 1, 2, 0, 2, 3], np.uint32)
    blob = b"".join(a.tobytes() for a in (pos, nrm, tan, idx))
    views, offset = [], 0
    for a in (pos, nrm, tan, idx):
        views.append(gl.BufferView(buffer=0, byteOffset=offset, byteLength=a.nbytes))
        offset += a.nbytes
    acc = [
        gl.Accessor(
            bufferView=0, componentType=5126, count=4, type="VEC3", min=[0, 0, 0], max=[1, 1, 0]
        ),
        gl.Accessor(bufferView=1, componentType=5126, count=4, type="VEC3"),
        gl.Accessor(bufferView=2, componentType=5126, count=4, type="VEC4"),
        gl.Accessor(bufferView=3, componentType=5125, count=6, type="SCALAR"),
    ]
    prim = gl.Primitive(attributes=gl.Attributes(POSITION=0, NORMAL=1, TANGENT=2), indices=3)
    gltf = gl.GLTF2(
        scenes=[gl.Scene(nodes=[0])],
        nodes=[gl.Node(name="mirror", mesh=0, scale=[-1.0, 1.0, 1.0])],
        meshes=[gl.Mesh(primitives=[prim])],
        accessors=acc,
        bufferViews=views,
        buffers=[gl.Buffer(byteLength=len(blob))],
    )
    gltf.set_binary_blob(blob)
    (out,) = load_asset(write(tmp_path, b"".join(gltf.save_to_bytes()))).primitives
    np.testing.assert_allclose(out.positions[:, 0], -pos[:, 0])
    np.testing.assert_allclose(out.normals, nrm)
    assert out.tangents is not None
    np.testing.assert_allclose(out.tangents, np.tile([-1, 0, 0, -1], (4, 1)))
    tri = out.indices.reshape(-1, 3)
    p = out.positions
    face = np.cross(p[tri[:, 1]] - p[tri[:, 0]], p[tri[:, 2]] - p[tri[:, 0]])
    assert (face[:, 2] > 0).all()  # still counter-clockwise toward its +Z normal
