"""Coverage-guided fuzzing (atheris) of the glTF loader, the manifest reader and the
data-channel parser: a short, deterministic run of each (``bench/fuzz_parsers.py`` runs long).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fuzz.libfuzzer import fuzz
from tests.fuzz.targets import PARSERS

#: Inputs per parser: a few seconds each on this machine (the glTF seeds are whole products).
RUNS = {"gltf": 300, "manifest": 1000, "protocol": 3000}


def _flags(runs: int, crashes: Path) -> list[str]:
    return [
        f"-runs={runs}",
        "-seed=1",
        "-timeout=10",
        "-rss_limit_mb=3072",
        "-print_final_stats=1",
        f"-artifact_prefix={crashes}/",
    ]


@pytest.mark.slow
@pytest.mark.parametrize("target", PARSERS)
def test_parser_raises_only_its_documented_error(tmp_path: Path, target: str) -> None:
    """A fixed number of inputs mutated from the seeds (libFuzzer seed 1): each is accepted
    or gets the documented error (AssetError, ProductError, ProtocolError); none raises
    anything else, runs past 10 s or past 3 GB. The seeds gain inputs that reach new code,
    which only happens when the parsers are instrumented."""
    crashes = tmp_path / "crashes"
    crashes.mkdir()
    run = fuzz(target, tmp_path / "work", _flags(RUNS[target], crashes), timeout=300)
    assert run.crash is None, run.crash
    assert not list(crashes.iterdir())
    assert run.executions == RUNS[target]
    assert run.instrumented > 10 and run.new_units > 0 and run.coverage > 20, run.log[-2000:]


def test_a_failing_input_is_caught_and_saved(tmp_path: Path) -> None:
    """The canary target raises on any input holding 0xFF: the run stops non-zero with the
    exception named, and the input is saved where asked."""
    crashes = tmp_path / "crashes"
    crashes.mkdir()
    run = fuzz("canary", tmp_path / "work", _flags(100_000, crashes), timeout=120)
    assert run.returncode != 0
    assert run.crash is not None and "RuntimeError: canary: 0xFF at" in run.crash
    (saved,) = crashes.iterdir()
    assert b"\xff" in saved.read_bytes()
