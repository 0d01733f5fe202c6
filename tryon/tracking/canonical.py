"""The canonical face: the project's own 3-D reference shape of the 478-point face mesh.

Made by ``scripts/make_canonical_face.py`` from this project's tracker on the astronaut photo
(and synthetic transforms of it), frontalised, made left-right symmetric and scaled to metres
so that the irises are 11.7 mm across. Head frame: origin at the nose bridge (landmark 168),
+X toward the person's left, +Y up, +Z out of the face.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from tryon.tracking.observation import NUM_LANDMARKS

__all__ = ["CANONICAL_FACE_PATH", "CanonicalFace", "load_canonical_face"]

CANONICAL_FACE_PATH = Path(__file__).resolve().parent / "data" / "canonical_face.npz"


@dataclass(frozen=True, slots=True)
class CanonicalFace:
    """Reference face mesh in the head frame."""

    #: ``(478, 3)`` float32, metres.
    vertices: NDArray[np.float32]
    #: ``(T, 3)`` int32, counter-clockwise seen from outside the face (+Z side).
    triangles: NDArray[np.int32]
    #: ``(478, 2)`` float32 in [0, 1], glTF convention (u right, v down), from the frontal
    #: shape: u grows toward the person's left, v from forehead to chin.
    uvs: NDArray[np.float32]

    def __post_init__(self) -> None:
        n = NUM_LANDMARKS
        if self.vertices.shape != (n, 3) or self.uvs.shape != (n, 2):
            raise ValueError(
                f"canonical face needs ({n}, 3) vertices and ({n}, 2) uvs, got "
                f"{self.vertices.shape} and {self.uvs.shape}"
            )
        t = self.triangles
        if t.ndim != 2 or t.shape[1] != 3 or t.min() < 0 or t.max() >= n:
            raise ValueError(
                f"canonical face triangles must be (T, 3) indices < {n}, got {t.shape}"
            )


@lru_cache(maxsize=1)
def load_canonical_face(path: Path = CANONICAL_FACE_PATH) -> CanonicalFace:
    """The shipped canonical face (read once, arrays read-only)."""
    if not path.is_file():
        raise FileNotFoundError(
            f"canonical face data not found at {path}; run scripts/make_canonical_face.py"
        )
    with np.load(path) as data:
        arrays = {
            "vertices": data["vertices"].astype(np.float32),
            "triangles": data["triangles"].astype(np.int32),
            "uvs": data["uvs"].astype(np.float32),
        }
    for a in arrays.values():
        a.setflags(write=False)
    return CanonicalFace(**arrays)
