"""Where the face-parsing checkpoint is, and what it is (no torch needed to ask).

``$TRYON_HAIR_MODEL`` names a checkpoint file to use (any BiSeNet face-parsing state dict
with the same 19 classes); otherwise ``79999_iter.pth`` in ``$TRYON_MODELS_DIR`` or
``~/.cache/tryon/models``, where ``scripts/fetch_hair_model.py`` puts it.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = [
    "CHECKPOINT_LICENSE",
    "CHECKPOINT_NAME",
    "CHECKPOINT_SHA256",
    "checkpoint_path",
    "models_dir",
]

CHECKPOINT_NAME = "79999_iter.pth"
CHECKPOINT_SHA256 = "468e13ca13a9b43cc0881a9f99083a430e9c0a38abd935431d1c28ee94b26567"
#: What a user must know before using the default checkpoint.
CHECKPOINT_LICENSE = (
    "the default checkpoint (79999_iter.pth) was trained on CelebAMask-HQ, whose terms allow"
    " non-commercial research and education only; set TRYON_HAIR_MODEL to a checkpoint of"
    " your own for any other use"
)


def models_dir() -> Path:
    env = os.environ.get("TRYON_MODELS_DIR")
    return Path(env) if env else Path.home() / ".cache" / "tryon" / "models"


def checkpoint_path() -> Path:
    """The checkpoint to load (it may not exist)."""
    env = os.environ.get("TRYON_HAIR_MODEL")
    return Path(env) if env else models_dir() / CHECKPOINT_NAME
