"""Check a product folder or a single glTF/GLB by the run-time loader's rules, plus the
Khronos validator when it is available (only on files the loader accepts: hostile ones can
overflow its stack)."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from tryon.catalog.catalog import load_product_asset, read_product
from tryon.catalog.errors import AssetError, ProductError
from tryon.catalog.gltf_loader import DEFAULT_LIMITS, LoadLimits, load_asset
from tryon.catalog.khronos import khronos_unavailable_reason, run_khronos
from tryon.catalog.manifest import MANIFEST_NAME
from tryon.catalog.paths import resolve_inside

__all__ = ["ValidationReport", "validate_path"]


@dataclass(frozen=True, slots=True)
class ValidationReport:
    """``problems`` are rejections (any one fails the path); ``notes`` are informational."""

    path: Path
    problems: tuple[str, ...]
    notes: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def validate_path(
    path: Path, *, khronos: bool = True, limits: LoadLimits = DEFAULT_LIMITS
) -> ValidationReport:
    """Validate a product folder (manifest, files, model) or one ``.gltf``/``.glb`` file."""
    problems: list[str] = []
    notes: list[str] = []
    model: Path | None = None
    if path.is_dir():
        if not (path / MANIFEST_NAME).is_file():
            problems.append(f"{path}: no {MANIFEST_NAME}; not a product folder")
        else:
            try:
                product = read_product(path)
                if product.model_file is None:
                    notes.append(f"{product.id}: a {product.category} product (no model)")
                else:
                    model = resolve_inside(path, product.model_file)
                    asset = load_product_asset(path, product, limits)
                    notes.append(f"{product.id}: {asset.triangle_count} triangles")
            except (ProductError, AssetError) as exc:
                problems.append(str(exc))
    elif path.suffix.lower() in (".gltf", ".glb"):
        model = path
        try:
            asset = load_asset(path, limits)
            notes.append(f"{path.name}: {asset.triangle_count} triangles")
        except AssetError as exc:
            problems.append(str(exc))
    elif path.exists():
        problems.append(f"{path}: not a product folder or a .gltf/.glb file")
    else:
        problems.append(f"{path}: no such file or folder")
    if khronos and model is not None and not problems:  # a refused file is not passed on
        reason = khronos_unavailable_reason()
        if reason is not None:
            notes.append(f"Khronos validator skipped: {reason}")
        else:
            _khronos(model, problems, notes)
    return ValidationReport(path, tuple(problems), tuple(notes))


def _khronos(model: Path, problems: list[str], notes: list[str]) -> None:
    """The Khronos validator's errors on ``model`` as problems, its counts as a note."""
    try:
        (result,) = run_khronos([model])
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        problems.append(f"{model}: the Khronos validator failed on it: {exc}")
        return
    problems.extend(f"{model}: Khronos {m}" for m in result.messages if m.startswith("ERROR"))
    notes.append(f"Khronos validator: {result.errors} errors, {result.warnings} warnings")
