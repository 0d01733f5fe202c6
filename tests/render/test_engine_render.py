"""The engine's render stage: the real tracker, the shipped catalog, the renderer."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pygltflib
from numpy.typing import NDArray

from tryon.catalog.catalog import Catalog
from tryon.catalog.look import Look, LookItem
from tryon.engine import Engine
from tryon.resources import data_dir

PRODUCT = "classic-rectangle-black"


def test_engine_draws_the_look_on_the_tracked_face(astronaut: NDArray[np.uint8]) -> None:
    with Engine() as engine:
        bare = engine.process(astronaut, Look(), timestamp_ms=0)
        assert bare is astronaut
        worn = engine.process(astronaut, Look.of(PRODUCT), timestamp_ms=33)
        faded = engine.process(
            astronaut, Look((LookItem(PRODUCT, intensity=0.0),)), timestamp_ms=66
        )
        result = engine.last_result
    assert result is not None and "render" in result.timings_ms
    assert worn is not astronaut and worn.shape == astronaut.shape
    eyes = result.faces[0].observation.iris_centers.round().astype(int)
    for x, y in eyes:
        tinted = worn[y - 2 : y + 3, x - 2 : x + 3].astype(float).mean()
        clear = faded[y - 2 : y + 3, x - 2 : x + 3].astype(float).mean()
        photo = astronaut[y - 2 : y + 3, x - 2 : x + 3].astype(float).mean()
        assert tinted < photo - 15  # the grey lens darkens the eye
        assert abs(clear - photo) < abs(tinted - photo)  # intensity 0: a clear lens
    np.testing.assert_array_equal(astronaut[:40], worn[:40])  # far from the face: untouched


def _renamed_copy(root: Path, renames: dict[str, str]) -> None:
    """The shipped product again as ``renamed``, its anchor nodes (and manifest) renamed."""
    folder = root / "renamed"
    shutil.copytree(data_dir("products") / PRODUCT, folder)
    gltf = pygltflib.GLTF2().load(str(folder / "model.glb"))
    for node in gltf.nodes:
        node.name = renames.get(node.name, node.name)
    gltf.save(str(folder / "model.glb"))
    manifest = json.loads((folder / "product.json").read_text())
    manifest["id"] = "renamed"
    manifest["eyewear"]["anchors"] = {
        role: renames[role] for role in manifest["eyewear"]["anchors"]
    }
    (folder / "product.json").write_text(json.dumps(manifest))


def test_the_manifests_anchor_names_reach_the_fit(
    tmp_path: Path, astronaut: NDArray[np.uint8]
) -> None:
    """A product whose anchor nodes have other names (given in its manifest) sits exactly
    where the same product with the default names sits."""
    shutil.copytree(data_dir("products") / PRODUCT, tmp_path / PRODUCT)
    renames = {
        "bridge": "NosePad_Centre",
        "hinge_left": "Hinge.L",
        "hinge_right": "Hinge.R",
        "temple_end_left": "TempleTip.L",
        "temple_end_right": "TempleTip.R",
    }
    _renamed_copy(tmp_path, renames)
    catalog = Catalog(tmp_path)
    assert catalog.problems == ()
    assert set(renames.values()) <= set(catalog.load_asset("renamed").anchors)
    assert not set(renames) & set(catalog.load_asset("renamed").anchors)
    out = {}
    for product in (PRODUCT, "renamed"):
        with Engine(catalog=catalog) as engine:  # fresh: the same face for both
            out[product] = engine.process(astronaut, Look.of(product), timestamp_ms=0)
    default, renamed = out[PRODUCT], out["renamed"]
    assert (default != astronaut).any()
    np.testing.assert_array_equal(renamed, default)
