"""``tryon batch`` on local processes, end to end: real photos, the real engine, the shipped
catalog; reruns, interrupts and bad inputs."""

from __future__ import annotations

import csv
import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray
from PIL import Image

from tests.batch.conftest import PRODUCTS, Batch, product_args
from tryon.catalog.catalog import Catalog
from tryon.cli import main
from tryon.media import VideoWriter, read_video

PHOTOS = ("astronaut.png", "smiling.jpg")


def manifest(out: Path) -> list[dict[str, object]]:
    jobs: list[dict[str, object]] = json.loads((out / "manifest.json").read_text())["jobs"]
    return jobs


def files_in(out: Path) -> dict[str, int]:
    """Every file under ``out`` (hidden ones too) and its modification time."""
    return {str(p.relative_to(out)): p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}


@pytest.mark.slow
def test_every_product_on_every_photo(local_batch: Batch) -> None:
    assert local_batch.code == 0, local_batch.printed
    assert "6 ok (0 done before)" in local_batch.printed
    for pid in PRODUCTS:
        for name in PHOTOS:
            photo = np.asarray(Image.open(local_batch.models / name).convert("RGB")).astype(int)
            worn = np.asarray(Image.open(local_batch.out / pid / f"{Path(name).stem}.png"))
            assert worn.shape == photo.shape
            changed = np.abs(worn.astype(int) - photo).max(-1) > 3
            assert 1000 < changed.sum() < 0.2 * changed.size, (pid, name)  # glasses, no more
    names = {Path(p).name for p in files_in(local_batch.out)}
    assert not any(n.startswith(".") for n in names), names  # no temporary file left


@pytest.mark.slow
def test_same_bytes_as_tryon_render(local_batch: Batch, tmp_path: Path) -> None:
    """Each job is rendered as if by a new engine: as ``tryon render`` renders the photo."""
    out = tmp_path / "render.png"
    src = local_batch.models / "smiling.jpg"
    assert main(["render", str(src), "--product", PRODUCTS[1], "-o", str(out)]) == 0
    assert out.read_bytes() == (local_batch.out / PRODUCTS[1] / "smiling.png").read_bytes()


@pytest.mark.slow
def test_manifests(local_batch: Batch) -> None:
    jobs = manifest(local_batch.out)
    catalog = Catalog.default()
    expected = [(pid, str(local_batch.models / name)) for name in PHOTOS for pid in PRODUCTS]
    assert [(j["product_id"], j["input"]) for j in jobs] == expected
    for job in jobs:
        pid = str(job["product_id"])
        assert job["status"] == "ok" and job["error"] is None
        assert job["product_name"] == catalog.get(pid).name
        assert job["output"] == f"{pid}/{Path(str(job['input'])).stem}.png"
        assert isinstance(job["ms"], float) and 0 < job["ms"] < 60_000
    doc = json.loads((local_batch.out / "manifest.json").read_text())
    assert doc["counts"] == {"ok": 6}
    with (local_batch.out / "manifest.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == [
        "product_id",
        "product_name",
        "input",
        "output",
        "status",
        "error",
        "ms",
        "frames",
    ]
    assert [(r["product_id"], r["input"], r["output"], r["status"]) for r in rows] == [
        (j["product_id"], j["input"], j["output"], j["status"]) for j in jobs
    ]


@pytest.mark.slow
def test_contact_sheet(local_batch: Batch) -> None:
    """A row per product, a column per photo: each cell holds the output, shrunk, and the
    product's and the photo's names under it."""
    sheet = np.asarray(Image.open(local_batch.out / "contact-sheet.png"))
    h, w, _ = sheet.shape
    assert w == 8 + 2 * (224 + 8)  # two photos
    assert h == 8 + 3 * (224 + 2 * 17 + 2 * 8)  # three products
    for row, pid in enumerate(PRODUCTS):
        for col, name in enumerate(PHOTOS):
            x, y = 8 + col * 232, 8 + row * 274
            cell = sheet[y : y + 224, x : x + 224].astype(int)
            out = Image.open(local_batch.out / pid / f"{Path(name).stem}.png")
            out.thumbnail((224, 224))
            assert np.abs(cell - np.asarray(out).astype(int)).mean() < 2, (pid, name)
            caption = sheet[y + 226 : y + 260, x : x + 224]
            assert (caption < 100).any(axis=-1).sum() > 100  # two lines of dark text
    assert (sheet[8 + 226 : 8 + 260, 8 : 8 + 224] < 100).any()  # text under the first cell


@pytest.mark.slow
def test_rerun_redoes_nothing(local_batch: Batch, tmp_path: Path) -> None:
    before = files_in(local_batch.out)
    rows = (local_batch.out / "manifest.csv").read_text()
    proc = run_cli(local_batch.models, local_batch.out)
    assert proc.returncode == 0, proc.stderr
    assert "6 ok (6 done before)" in proc.stdout
    after = files_in(local_batch.out)
    unchanged = [n for n in before if n.endswith(".png") and "contact-sheet" not in n]
    assert len(unchanged) == 6
    assert all(after[n] == before[n] for n in unchanged)  # outputs not rewritten
    assert before["journal.jsonl"] == after["journal.jsonl"]  # nothing rendered
    assert (local_batch.out / "manifest.csv").read_text() == rows


def run_cli(*args: Path | str, workers: int = 2) -> subprocess.CompletedProcess[str]:
    """``tryon batch INPUT -o OUT`` with the three products, in a new process."""
    *inputs, out = args
    cmd = [*_tryon(), "batch", *map(str, inputs), *product_args(), "-o", str(out)]
    return subprocess.run(
        [*cmd, "--workers", str(workers)], capture_output=True, text=True, timeout=300
    )


def _tryon() -> list[str]:
    return [sys.executable, "-c", "import sys; from tryon.cli import main; sys.exit(main())"]


@pytest.mark.slow
def test_interrupted_batch_leaves_nothing_partial_and_resumes(models: Path, tmp_path: Path) -> None:
    """SIGINT, then SIGTERM, to ``tryon batch`` while workers render: what is finished stays
    (listed as ok), the job in hand leaves no file, the rest is pending; a rerun completes."""
    out = tmp_path / "shots"
    five = product_args((*PRODUCTS, "round-tortoise", "rimless-titanium"))
    cmd = [*_tryon(), "batch", str(models), *five, "-o", str(out), "--workers", "1"]
    total = 2 * 5
    for sig in (signal.SIGINT, signal.SIGTERM):
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        journal = out / "journal.jsonl"
        lines_before = len(journal.read_text().splitlines()) if journal.exists() else 0
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if journal.exists() and len(journal.read_text().splitlines()) > lines_before:
                break  # one more job done: the worker is on the next one
            time.sleep(0.05)
        assert proc.poll() is None, "the batch ended before it could be interrupted"
        proc.send_signal(sig)
        stdout, stderr = proc.communicate(timeout=60)
        assert proc.returncode == 130, stderr
        assert "interrupted: run the same command again to resume" in stdout
        jobs = manifest(out)
        assert len(jobs) == total
        done = {str(j["output"]) for j in jobs if j["status"] == "ok"}
        assert 0 < len(done) < total and {j["status"] for j in jobs} == {"ok", "pending"}
        on_disk = {n for n in files_in(out) if n.endswith(".png") and "/" in n}
        assert on_disk == done  # no partial output, no hidden temporary file
        assert not (out / "contact-sheet.png").exists()  # drawn when the batch is complete
    before = files_in(out)
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert re.search(rf"{total} ok \({len(done)} done before\)", proc.stdout), proc.stdout
    after = files_in(out)
    assert all(after[n] == before[n] for n in done)  # finished outputs were not redone
    assert all(j["status"] == "ok" for j in manifest(out))
    assert (out / "contact-sheet.png").is_file()


@pytest.mark.slow
def test_bad_inputs_are_recorded_and_the_batch_goes_on(
    tmp_path: Path, astronaut: NDArray[np.uint8], capsys: pytest.CaptureFixture[str]
) -> None:
    """An unreadable photo is an ``error``, a photo without a face is ``no-face`` (neither
    gets an output), the others render (a video whole); the exit code is 1."""
    from skimage import data

    models = tmp_path / "models"
    models.mkdir()
    Image.fromarray(astronaut).save(models / "astronaut.png")
    Image.fromarray(data.coffee()).save(models / "coffee.jpg")
    (models / "broken.jpg").write_bytes(b"not a jpeg")
    with VideoWriter(models / "clip.mp4", 10.0, (512, 512)) as writer:
        for shift in range(3):
            writer.write(np.roll(astronaut, 4 * shift, axis=1))
    out = tmp_path / "shots"
    pid = PRODUCTS[0]
    assert main(["batch", str(models), "--product", pid, "-o", str(out), "--workers", "1"]) == 1
    assert "1 error, 1 no-face, 2 ok (0 done before)" in capsys.readouterr().out
    jobs = {Path(str(j["input"])).name: j for j in manifest(out)}
    assert [jobs[n]["status"] for n in sorted(jobs)] == ["ok", "error", "ok", "no-face"]
    assert re.fullmatch(
        r"cannot read .*broken\.jpg as an image: .*", str(jobs["broken.jpg"]["error"])
    )
    assert jobs["coffee.jpg"]["error"] == f"no face found in {models / 'coffee.jpg'}"
    assert jobs["clip.mp4"]["output"] == f"{pid}/clip.mp4" and jobs["clip.mp4"]["frames"] == 3
    _, _, frames = read_video(out / pid / "clip.mp4")
    eyes = (slice(105, 125), slice(200, 290))
    for shift, frame in enumerate(frames):  # the tinted lenses darken the eyes in each frame
        assert frame.image[eyes].mean() < np.roll(astronaut, 4 * shift, axis=1)[eyes].mean() - 4
    assert sorted(files_in(out / pid)) == ["astronaut.png", "clip.mp4"]
    with (out / "manifest.csv").open() as f:
        errors = {Path(r["input"]).name: r["error"] for r in csv.DictReader(f)}
    assert errors["broken.jpg"] == jobs["broken.jpg"]["error"] and errors["astronaut.png"] == ""
    assert (out / "contact-sheet.png").is_file()

    # The photos swapped under the same names: a rerun sees the changed inputs and renders
    # them again; the photo that has no face now loses its earlier output.
    Image.fromarray(data.coffee()).save(models / "astronaut.png")
    Image.fromarray(astronaut).save(models / "coffee.jpg")
    clip_written = (out / pid / "clip.mp4").stat().st_mtime_ns
    assert main(["batch", str(models), "--product", pid, "-o", str(out), "--workers", "1"]) == 1
    assert "1 error, 1 no-face, 2 ok (1 done before)" in capsys.readouterr().out
    jobs = {Path(str(j["input"])).name: j for j in manifest(out)}
    assert jobs["astronaut.png"]["status"] == "no-face" and jobs["coffee.jpg"]["status"] == "ok"
    assert sorted(files_in(out / pid)) == ["clip.mp4", "coffee.png"]
    assert (out / pid / "clip.mp4").stat().st_mtime_ns == clip_written  # unchanged: skipped


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["{models}", "--product", "no-such-glasses"],
            r"unknown product 'no-such-glasses' \(the catalog has: .*round-gunmetal",
        ),
        (
            ["{models}", "--category", "hats"],
            r"unknown category 'hats' \(the catalog has: .*eyewear",
        ),
        (["{models}", "--workers", "0"], r"--workers must be at least 1, got 0"),
        (["{models}", "{missing}"], r"no such file or folder: .*missing"),
        (["{empty}"], r"no photos or videos in .*empty"),
        (
            ["{models}", "{twin}"],
            r"astronaut\.png and .*astronaut\.jpg would both be rendered to astronaut\.\*",
        ),
    ],
)
def test_user_errors_are_one_line_and_exit_2(
    models: Path,
    tmp_path: Path,
    astronaut: NDArray[np.uint8],
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    """Each refusal names what was wrong and what is allowed; nothing is written."""
    places = {name: tmp_path / name for name in ("missing", "empty", "twin")}
    places["empty"].mkdir()
    places["twin"].mkdir()
    Image.fromarray(astronaut).save(places["twin"] / "astronaut.jpg")
    args = [a.format(models=models, **places) for a in args]
    out = tmp_path / "shots"
    assert main(["batch", *args, "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("tryon batch: ") and err.count("\n") == 1
    assert re.search(message, err), err
    assert not out.exists()  # refused before anything is written


def test_journal_survives_a_line_cut_short(tmp_path: Path) -> None:
    """A kill while a line is written leaves half a line: it is ignored, and the next line
    starts on a line of its own."""
    from tryon.batch.journal import Journal
    from tryon.batch.worker import JobResult

    first = JobResult("round-gunmetal", "/a.png", "round-gunmetal/a.png", "ok", None, 5.0, 1)
    second = JobResult("round-gunmetal", "/b.png", None, "no-face", "no face found", 6.0, 1)
    journal = Journal(tmp_path)
    journal.record(first)
    journal.close()
    with (tmp_path / "journal.jsonl").open("a") as f:
        f.write('{"product_id": "round-gunm')
    journal = Journal(tmp_path)
    assert list(journal.results.values()) == [first]
    journal.record(second)
    journal.close()
    assert list(Journal(tmp_path).results.values()) == [first, second]
