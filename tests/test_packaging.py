"""A non-editable wheel carries the shaders, products and web client, and finds them."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA_KINDS = ("shaders", "products", "web")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (whl,) = out.glob("tryon-*.whl")
    return whl


def _tracked(kind: str) -> set[str]:
    listed = subprocess.run(
        ["git", "ls-files", kind], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.split()
    return {str(Path(p).relative_to(kind)) for p in listed}


@pytest.mark.parametrize("kind", DATA_KINDS)
def test_wheel_carries_every_tracked_data_file(wheel: Path, kind: str) -> None:
    expected = _tracked(kind)
    if not expected:
        pytest.fail(f"no tracked files under {kind}/: nothing would be shipped")
    prefix = f"tryon/_data/{kind}/"
    with zipfile.ZipFile(wheel) as zf:
        shipped = {n[len(prefix) :] for n in zf.namelist() if n.startswith(prefix)}
    assert expected <= shipped, f"missing from the wheel: {sorted(expected - shipped)[:5]}"


def test_installed_wheel_finds_its_data_outside_the_source_tree(
    wheel: Path, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(site)
    code = (
        "import tryon.resources as r, pathlib, sys;"
        "dirs=[r.data_dir(k) for k in ('shaders','products','web')];"
        "print('\\n'.join(str(d) for d in dirs))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    for kind, found in zip(DATA_KINDS, out, strict=True):
        assert Path(found) == site / "tryon" / "_data" / kind
