"""The Khronos glTF validator (npm ``gltf-validator``), run through Node when present.

It lives in the source checkout (``tools/gltf_validate.mjs`` and ``node_modules``), so an
installed wheel without them reports it as unavailable rather than failing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

__all__ = ["KhronosResult", "khronos_unavailable_reason", "run_khronos"]

_ROOT = Path(__file__).resolve().parents[2]
_SCRIPT = _ROOT / "tools" / "gltf_validate.mjs"
_PACKAGE = _ROOT / "node_modules" / "gltf-validator"


@dataclass(frozen=True, slots=True)
class KhronosResult:
    """The validator's verdict on one file; ``messages`` lists its errors and warnings."""

    path: Path
    errors: int
    warnings: int
    messages: tuple[str, ...]


def khronos_unavailable_reason() -> str | None:
    """Why the validator cannot run here, or None when it can."""
    if shutil.which("node") is None:
        return "node is not on PATH"
    if not _SCRIPT.is_file():
        return f"{_SCRIPT} is missing"
    if not _PACKAGE.is_dir():
        return "node_modules/gltf-validator is not installed (run `npm ci`)"
    return None


def run_khronos(paths: list[Path], timeout: float = 120.0) -> list[KhronosResult]:
    """Validate ``paths`` in one Node process; ``RuntimeError`` if it cannot run or does
    not report on every file."""
    reason = khronos_unavailable_reason()
    if reason is not None:
        raise RuntimeError(f"Khronos glTF validator unavailable: {reason}")
    node = shutil.which("node") or "node"
    proc = subprocess.run(
        [node, str(_SCRIPT), *(str(p) for p in paths)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"gltf_validate.mjs exited {proc.returncode}: {proc.stderr.strip()}")
    lines = proc.stdout.splitlines()
    if len(lines) != len(paths):  # Node died part way (e.g. its stack, on hostile JSON)
        last = (proc.stderr.strip().splitlines() or ["no message"])[-1]
        raise RuntimeError(f"gltf_validate.mjs reported {len(lines)} of {len(paths)}: {last}")
    results = []
    for path, line in zip(paths, lines, strict=True):
        report = json.loads(line)
        results.append(
            KhronosResult(path, report["errors"], report["warnings"], tuple(report["messages"]))
        )
    return results
