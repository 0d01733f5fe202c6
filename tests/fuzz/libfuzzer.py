"""Run :mod:`tests.fuzz.run_atheris` in a child process (atheris ends the process it fuzzes
in) and read what libFuzzer reports: executions, corpus, coverage, and the crash if any."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["FuzzRun", "fuzz"]

ROOT = Path(__file__).resolve().parents[2]
_STATUS = re.compile(r"^#(\d+)\s+\w+\s+cov: (\d+) ft: (\d+) corp: (\d+)/(\d+\w*)", re.MULTILINE)
_STAT = re.compile(r"^stat::(\w+):\s+(\d+)", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class FuzzRun:
    """One run: its exit code and log, and the figures libFuzzer printed last."""

    returncode: int
    log: str
    executions: int
    new_units: int
    corpus_units: int
    corpus_size: str  # as libFuzzer prints it: 311b, 1051Kb, 4Mb
    coverage: int  # libFuzzer's "cov": edges of the instrumented code reached
    features: int  # "ft": finer coverage features (edge counts, comparisons)
    instrumented: int  # tryon modules instrumented in the child

    @property
    def crash(self) -> str | None:
        """The first line libFuzzer or atheris gave for the failure, if the run failed."""
        if self.returncode == 0:
            return None
        for marker in ("Uncaught Python exception", "ERROR: libFuzzer", "Traceback"):
            at = self.log.find(marker)
            if at >= 0:
                tail = self.log[at:].splitlines()
                return " | ".join(line.strip() for line in tail[:12] if line.strip())
        return f"exit code {self.returncode}"


def fuzz(target: str, work: Path, flags: list[str], *, timeout: float) -> FuzzRun:
    """Fuzz ``target`` with libFuzzer ``flags``; ``work`` is the run's own folder (its
    corpus persists there between runs)."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    proc = subprocess.run(
        [sys.executable, "-m", "tests.fuzz.run_atheris", target, str(work), *flags],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env=env,
        check=False,
    )
    log = proc.stdout + proc.stderr
    stats = {k: int(v) for k, v in _STAT.findall(log)}
    status = _STATUS.findall(log)
    last, cov, ft, units, size = status[-1] if status else ("0", "0", "0", "0", "0b")
    found = re.search(r"^instrumented (\d+) tryon modules", log, re.MULTILINE)
    return FuzzRun(
        returncode=proc.returncode,
        log=log,
        executions=stats.get("number_of_executed_units", int(last)),
        new_units=stats.get("new_units_added", 0),
        corpus_units=int(units),
        corpus_size=size,
        coverage=int(cov),
        features=int(ft),
        instrumented=int(found.group(1)) if found else 0,
    )
