"""Relative references inside a product folder, which must never lead out of it."""

from __future__ import annotations

import urllib.parse
from pathlib import Path

__all__ = ["escape_reason", "resolve_inside"]


def escape_reason(reference: str) -> str | None:
    """Why ``reference`` (a relative URI or path) could leave its folder, or None if it can't."""
    decoded = urllib.parse.unquote(reference)
    parsed = urllib.parse.urlsplit(decoded)
    if not decoded:
        return "empty reference"
    if parsed.scheme or parsed.netloc or decoded.startswith(("/", "\\")):
        return f"{reference!r} is absolute or has a scheme; only relative paths are allowed"
    parts = Path(decoded.replace("\\", "/")).parts
    if ".." in parts or parts[0].endswith(":"):
        return f"{reference!r} climbs out of the folder ('..' or a drive)"
    return None


def resolve_inside(folder: Path, reference: str) -> Path:
    """``folder/reference`` resolved, or ``ValueError`` when it would leave ``folder``
    (including through a symlink)."""
    reason = escape_reason(reference)
    if reason is not None:
        raise ValueError(reason)
    root = folder.resolve()
    target = (root / urllib.parse.unquote(reference)).resolve()
    if not target.is_relative_to(root):
        raise ValueError(f"{reference!r} resolves outside the folder")
    return target
