"""``tryon products``: list, validate and make-glasses, through the real command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pygltflib as gl
import pytest

from tryon.catalog.gltf_loader import load_asset
from tryon.catalog.khronos import khronos_unavailable_reason
from tryon.cli import main
from tryon.resources import data_dir

PRODUCTS = data_dir("products")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["products", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_list(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "list")
    assert code == 0
    lines = out.splitlines()
    assert lines[-1] == f"{len(list(PRODUCTS.glob('*/product.json')))} products"
    row = next(line for line in lines if line.startswith("classic-rectangle-black"))
    assert "eyewear" in row and "52□18-140" in row and "Classic Rectangle" in row
    row = next(line for line in lines if line.startswith("lips-velvet-red"))
    assert "makeup" in row and "lips #a3202e matte" in row
    row = next(line for line in lines if line.startswith("look-evening-glam"))
    assert "look" in row and "8 products" in row


def test_list_reports_skipped_folders(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "broken").mkdir()
    code, out, _ = run(capsys, "list", "--root", str(tmp_path))
    assert code == 0
    assert "skipped: " in out and "broken/product.json: cannot read the manifest" in out
    assert out.splitlines()[-1] == "0 products"


def test_validate_shipped_product_and_glb(capsys: pytest.CaptureFixture[str]) -> None:
    folder = PRODUCTS / "aviator-gold-58"
    code, out, _ = run(capsys, "validate", str(folder), str(folder / "model.glb"))
    assert code == 0
    assert f"OK {folder}\n" in out and f"OK {folder / 'model.glb'}\n" in out
    triangles = load_asset(folder / "model.glb").triangle_count
    assert f"aviator-gold-58: {triangles} triangles" in out
    if khronos_unavailable_reason() is None:
        assert "Khronos validator: 0 errors" in out


def test_validate_rejections(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    glb = (PRODUCTS / "round-tortoise" / "model.glb").read_bytes()
    truncated = tmp_path / "truncated.glb"
    truncated.write_bytes(glb[:1000])
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    good = PRODUCTS / "round-tortoise"
    code, out, err = run(
        capsys, "validate", str(truncated), str(notes), str(tmp_path / "absent"), str(good)
    )
    assert code == 1
    assert f"REJECTED {truncated}: truncated GLB: header says {len(glb)} bytes" in out
    assert f"REJECTED {notes}: not a product folder or a .gltf/.glb file" in out
    assert f"REJECTED {tmp_path / 'absent'}: no such file or folder" in out
    assert f"OK {good}" in out  # one bad path does not hide the others' verdicts
    assert "Traceback" not in out + err


def test_validate_reports_khronos_errors(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A file our loader accepts but the Khronos validator does not (a non-unit normal)."""
    reason = khronos_unavailable_reason()
    if reason is not None:
        pytest.skip(f"Khronos glTF validator unavailable: {reason}")
    gltf = gl.GLTF2.load_from_bytes((PRODUCTS / "round-tortoise" / "model.glb").read_bytes())
    doc = json.loads(gltf.to_json())
    doc["accessors"][0]["max"][0] = 5.0  # POSITION bounds that lie
    out_gltf = gl.GLTF2.from_json(json.dumps(doc))
    out_gltf.set_binary_blob(gltf.binary_blob())
    path = tmp_path / "lying.glb"
    path.write_bytes(b"".join(out_gltf.save_to_bytes()))
    code, out, _ = run(capsys, "validate", str(path))
    assert code == 1
    assert f"REJECTED {path}: Khronos ERROR ACCESSOR_MAX_MISMATCH" in out


def test_make_glasses(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out_path = tmp_path / "cat.glb"
    code, out, _ = run(
        capsys,
        "make-glasses",
        "-o",
        str(out_path),
        "--size",
        "50□19-145",
        "--lens-height",
        "38",
        "--style",
        "cat-eye",
        "--finish",
        "tortoiseshell",
        "--tint",
        "gradient",
    )
    assert code == 0 and out.startswith(f"wrote {out_path} (cat-eye 50□19-145, ")
    asset = load_asset(out_path)
    lens = next(p for p in asset.primitives if p.node_path[-1] == "lens_right")
    assert float(np.ptp(lens.positions[:, 0])) == pytest.approx(0.050, abs=5e-4)
    assert float(np.ptp(lens.positions[:, 1])) == pytest.approx(0.038, abs=5e-4)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--size", "52/18"], "size marking must look like '52□18-140', got '52/18'"),
        (["--size", "52□18-140", "--lens-height", "-3"], "bad size: lens_height_mm: Input should"),
        (["--size", "80□18-140"], "GlassesSpec.lens_width_mm must be in [30.0, 75.0] mm, got 80"),
        (["--colour", "blue"], "GlassesSpec.colour must be sRGB '#rrggbb', got 'blue'"),
    ],
)
def test_make_glasses_bad_input(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, args: list[str], message: str
) -> None:
    code, _, err = run(capsys, "make-glasses", "-o", str(tmp_path / "g.glb"), *args)
    assert code == 2
    assert err.startswith("tryon products: ") and message in err and err.count("\n") == 1
    assert not (tmp_path / "g.glb").exists()


def test_make_glasses_wants_a_glb(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "make-glasses", "-o", str(tmp_path / "g.obj"))
    assert code == 2 and "--output must end in .glb" in err


def test_console_script_exit_status(tmp_path: Path) -> None:
    """The installed entry point: exit 1 on a rejection, no traceback."""
    bad = tmp_path / "bad.glb"
    bad.write_bytes(b"glTF\x02\x00\x00\x00")
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from tryon.cli import main; sys.exit(main())",
            "products",
            "validate",
            "--no-khronos",
            str(bad),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 1
    assert "REJECTED" in proc.stdout and "truncated GLB" in proc.stdout
    assert "Traceback" not in proc.stderr
