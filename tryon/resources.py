"""Where the shipped data lives: inside the wheel (``tryon/_data``) or, in a source checkout
or editable install, at the project root beside the package."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

__all__ = ["DataKind", "data_dir"]

DataKind = Literal["shaders", "products", "web"]

_PACKAGE = Path(__file__).resolve().parent


def data_dir(kind: DataKind) -> Path:
    """The folder holding the shipped ``kind`` files; ``FileNotFoundError`` names both places."""
    wheel = _PACKAGE / "_data" / kind
    source = _PACKAGE.parent / kind
    for candidate in (wheel, source):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"tryon data folder {kind!r} not found at {wheel} or {source}")
