"""Coverage-guided fuzzing (atheris) of the three parsers that take untrusted input, for longer
than the test suite does.

    .venv/bin/python bench/fuzz_parsers.py --crashes /tmp/tryon-crashes [--seconds 120]
    .venv/bin/python bench/fuzz_parsers.py --crashes DIR --runs 50000 --targets gltf

The parsers: the glTF loader (``load_asset`` on bytes written to a file; seeds: the shipped
products' GLBs and hand-made triangles), the manifest reader (``load_manifest``; seeds: the
shipped ``product.json`` files) and the data-channel parser (``parse_client_message``;
seeds: the client messages of docs/protocol.md). Each may only accept an input or refuse it
with its documented error (AssetError, ProductError, ProtocolError); anything else, an input
running past 10 s or past 3 GB, is a crash. libFuzzer stops at a crash: its input is saved
under ``--crashes`` (which must be outside the repository) and fuzzing resumes on the corpus
grown so far until the time or the runs are used up.

With ``--hostile``, first times the refusal of each file of the hostile glTF corpus
(``tests/fuzz/hostile_gltf.py``): wall and CPU seconds, and the peak of Python allocations
in a second, traced run.

Prints per parser what was tried (executions, executions per second, corpus inputs and size,
inputs added for new coverage, libFuzzer's coverage edges and features) and what was found
(each crash's exception and saved file).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the fuzz targets and their seeds live in tests/fuzz

from tests.fuzz.hostile_gltf import hostile_files  # noqa: E402
from tests.fuzz.libfuzzer import FuzzRun, fuzz  # noqa: E402
from tests.fuzz.targets import PARSERS  # noqa: E402
from tryon.catalog.errors import AssetError  # noqa: E402
from tryon.catalog.gltf_loader import load_asset  # noqa: E402

#: Crashes after which a parser's fuzzing stops early (each one needs a fix first).
MAX_CRASHES = 5


def hostile_table(folder: Path) -> None:
    """Time the refusal of each hostile glTF file; print a row each."""
    print(f"{'hostile file':30} {'bytes':>9} {'wall s':>7} {'cpu s':>6} {'peak MiB':>8}  reason")
    for hostile in hostile_files():
        path = folder / f"{hostile.name}{hostile.suffix}"
        path.write_bytes(hostile.data)
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            load_asset(path)
            reason = "LOADED (should have been refused)"
        except AssetError as exc:
            reason = exc.reason
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        tracemalloc.start()
        with contextlib.suppress(AssetError):
            load_asset(path)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        print(
            f"{path.name:30} {len(hostile.data):9d} {wall:7.3f} {cpu:6.3f} {peak:8.1f}"
            f"  {reason[:70]}"
        )
    print()


def fuzz_parser(target: str, work: Path, crashes: Path, seconds: float, runs: int | None) -> None:
    """Fuzz ``target`` for ``seconds`` (or ``runs`` inputs), restarting after each crash;
    prints its row and its crashes."""
    start = time.monotonic()
    done = 0
    found: list[tuple[str, list[Path]]] = []
    last: FuzzRun | None = None
    while len(found) < MAX_CRASHES:
        left = seconds - (time.monotonic() - start)
        if (runs is None and left < 1) or (runs is not None and done >= runs):
            break
        before = set(crashes.iterdir())
        flags = [
            "-timeout=10",
            "-rss_limit_mb=3072",
            "-print_final_stats=1",
            f"-artifact_prefix={crashes}/{target}-",
            f"-runs={runs - done}" if runs is not None else f"-max_total_time={int(left)}",
        ]
        last = fuzz(target, work, flags, timeout=(left if runs is None else 24 * 3600) + 300)
        done += last.executions
        if last.crash is None:
            break
        found.append((last.crash, sorted(set(crashes.iterdir()) - before)))
    elapsed = time.monotonic() - start
    assert last is not None
    print(
        f"{target:9} {elapsed:8.0f} {done:11d} {done / elapsed:8.0f} {last.corpus_units:7d}"
        f" {last.corpus_size:>9} {last.coverage:6d} {last.features:6d} {len(found):8d}"
    )
    for crash, files in found:
        print(f"    crash: {crash[:400]}")
        for f in files:
            print(f"      saved {f} ({f.stat().st_size} bytes)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--crashes", type=Path, required=True, help="folder for crashing inputs (not in repo)"
    )
    parser.add_argument("--seconds", type=float, default=120.0, help="per parser (default 120)")
    parser.add_argument("--runs", type=int, help="inputs per parser instead of a time")
    parser.add_argument("--targets", nargs="+", choices=PARSERS, default=list(PARSERS))
    parser.add_argument("--hostile", action="store_true", help="time the hostile glTF corpus")
    args = parser.parse_args()
    crashes = args.crashes.resolve()
    if crashes == ROOT or ROOT in crashes.parents:
        parser.error(f"--crashes must be outside the repository {ROOT}")
    crashes.mkdir(parents=True, exist_ok=True)
    if args.hostile:
        with tempfile.TemporaryDirectory(prefix="tryon-hostile-") as tmp:
            hostile_table(Path(tmp))
    budget = f"{args.runs} inputs" if args.runs else f"{args.seconds:.0f} s"
    print(f"atheris fuzzing, {budget} per parser; crashes saved under {crashes}")
    print(
        f"{'parser':9} {'seconds':>8} {'executions':>11} {'exec/s':>8} {'corpus':>7}"
        f" {'size':>9} {'cov':>6} {'ft':>6} {'crashes':>8}"
    )
    with tempfile.TemporaryDirectory(prefix="tryon-fuzz-") as tmp:
        for target in args.targets:
            fuzz_parser(target, Path(tmp) / target, crashes, args.seconds, args.runs)


if __name__ == "__main__":
    main()
