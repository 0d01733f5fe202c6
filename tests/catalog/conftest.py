"""Generated glasses for the catalog tests, and helpers that derive broken files from them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pygltflib as gl
import pytest

from tryon.catalog.eyewear_gen import GlassesSpec, build_glasses

EditJson = Callable[[dict[str, object]], None]


@pytest.fixture(scope="session")
def good_glb() -> bytes:
    """A textured pair (tortoiseshell, gradient lenses): images, transmission, TRS nodes."""
    return build_glasses(GlassesSpec("rectangle", finish="tortoiseshell", tint="gradient"))


@pytest.fixture
def write_gltf(tmp_path: Path, good_glb: bytes) -> Callable[..., Path]:
    """Write ``good_glb`` as ``model.gltf`` + ``model.bin`` (the buffer as an external file),
    after ``edit`` changes its JSON; returns the .gltf path."""

    def write(edit: EditJson | None = None, name: str = "model.gltf") -> Path:
        gltf = gl.GLTF2.load_from_bytes(good_glb)
        (tmp_path / "model.bin").write_bytes(gltf.binary_blob())
        doc = json.loads(gltf.to_json())
        doc["buffers"][0]["uri"] = "model.bin"
        if edit is not None:
            edit(doc)
        path = tmp_path / name
        path.write_text(json.dumps(doc))
        return path

    return write


def node_index(doc: dict[str, object], name: str) -> int:
    nodes = doc["nodes"]
    assert isinstance(nodes, list)
    return next(i for i, n in enumerate(nodes) if n.get("name") == name)
