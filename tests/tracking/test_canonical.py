"""The canonical face: shape, size, symmetry, topology, UVs, and that the script makes it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tryon.tracking.canonical import CANONICAL_FACE_PATH, CanonicalFace, load_canonical_face
from tryon.tracking.geometry import IRIS_DIAMETER_MM
from tryon.tracking.landmarks import IRIS_HORIZONTAL, MIDLINE, NOSE_BRIDGE, SYMMETRIC_PAIRS
from tryon.tracking.topology import boundary_loops, edge_use_counts

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def face() -> CanonicalFace:
    return load_canonical_face()


def test_shapes_and_cache(face: CanonicalFace) -> None:
    assert face.vertices.shape == (478, 3) and face.vertices.dtype == np.float32
    assert face.uvs.shape == (478, 2) and face.uvs.dtype == np.float32
    assert face.triangles.dtype == np.int32
    assert face.triangles.shape == (898, 3)
    assert load_canonical_face() is face
    assert not face.vertices.flags.writeable


def test_metric_size_from_the_iris(face: CanonicalFace) -> None:
    v = face.vertices.astype(np.float64)
    irises = [np.linalg.norm(v[a] - v[b]) for a, b in IRIS_HORIZONTAL]
    assert np.mean(irises) * 1000 == pytest.approx(IRIS_DIAMETER_MM, abs=0.01)
    eye_corners = np.linalg.norm(v[33] - v[263])
    assert 0.08 < eye_corners < 0.10  # outer canthi: 8-10 cm on adults
    width = v[:, 0].max() - v[:, 0].min()
    height = v[10, 1] - v[152, 1]  # forehead top to chin
    assert 0.12 < width < 0.16
    assert 0.13 < height < 0.18


def test_head_frame(face: CanonicalFace) -> None:
    v = face.vertices
    assert np.allclose(v[NOSE_BRIDGE], 0.0, atol=1e-7)
    right, left = SYMMETRIC_PAIRS[0]
    assert v[left, 0] > 0.03 and v[right, 0] < -0.03  # +X toward the person's left
    assert v[10, 1] > 0.03 and v[152, 1] < -0.08  # +Y up
    assert v[1, 2] > 0.015  # the nose tip stands out along +Z
    assert v[234, 2] < -0.04  # cheek edges lie behind the bridge


def test_left_right_symmetric(face: CanonicalFace) -> None:
    v = face.vertices
    for right, left in SYMMETRIC_PAIRS:
        assert v[left] * np.array([-1, 1, 1]) == pytest.approx(v[right], abs=1e-6)
    assert np.abs(v[list(MIDLINE), 0]).max() < 1e-6


def test_topology_is_a_manifold_open_only_at_the_face_oval(face: CanonicalFace) -> None:
    counts = edge_use_counts(face.triangles)
    assert max(counts.values()) == 2
    loops = boundary_loops(face.triangles)
    assert len(loops) == 1 and 10 in loops[0] and 152 in loops[0]
    assert set(np.unique(face.triangles)) == set(range(468))  # iris points are not meshed


def test_triangles_face_outward(face: CanonicalFace) -> None:
    v = face.vertices.astype(np.float64)
    t = face.triangles
    normals = np.cross(v[t[:, 1]] - v[t[:, 0]], v[t[:, 2]] - v[t[:, 0]])
    centres = v[t].mean(axis=1)
    front = np.abs(centres[:, 0]) < 0.03  # the front of the face: normals toward +Z
    assert np.mean(normals[front, 2] > 0) > 0.97


def test_uvs_follow_the_frontal_layout(face: CanonicalFace) -> None:
    uv = face.uvs
    assert uv.min() >= 0.0 and uv.max() <= 1.0
    assert uv[263, 0] > uv[33, 0]  # u toward the person's left
    assert uv[10, 1] < uv[152, 1]  # v from forehead down to chin


def test_bad_data_is_rejected() -> None:
    with pytest.raises(ValueError, match=r"\(478, 3\) vertices .* got \(10, 3\)"):
        CanonicalFace(
            np.zeros((10, 3), np.float32),
            np.zeros((1, 3), np.int32),
            np.zeros((478, 2), np.float32),
        )
    with pytest.raises(FileNotFoundError, match="make_canonical_face"):
        load_canonical_face.__wrapped__(Path("/nonexistent/canonical.npz"))


@pytest.mark.slow
def test_the_script_rebuilds_the_committed_data(tmp_path: Path, face: CanonicalFace) -> None:
    out = tmp_path / "canonical.npz"
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "make_canonical_face.py"), str(out)],
        check=True,
        capture_output=True,
    )
    rebuilt = load_canonical_face.__wrapped__(out)
    assert np.abs(rebuilt.vertices - face.vertices).max() < 2e-4  # 0.2 mm
    assert np.array_equal(rebuilt.triangles, face.triangles)
    assert CANONICAL_FACE_PATH.stat().st_size < 64 * 1024
