"""What a batch has done, kept so that nothing is lost and a rerun resumes.

The journal (``journal.jsonl`` in the output folder) gets one line per finished job, flushed
to disk before the next one is counted; a line cut short by a kill is ignored. A job is done
when its last line says ``ok``, its input has the size and modification time recorded, and its
output is there with the size recorded (outputs are written to a temporary file and renamed,
so an output that is there is complete). The JSON and CSV manifests are written (atomically)
from the journal and the plan.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import os
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from tryon.batch.plan import Job
from tryon.batch.worker import JobResult, Status
from tryon.catalog.catalog import Catalog
from tryon.media import atomic_path

__all__ = ["JOURNAL_NAME", "MANIFEST_COLUMNS", "Journal", "write_manifests"]

JOURNAL_NAME = "journal.jsonl"
MANIFEST_JSON = "manifest.json"
MANIFEST_CSV = "manifest.csv"
MANIFEST_COLUMNS = (
    "product_id",
    "product_name",
    "input",
    "output",
    "status",
    "error",
    "ms",
    "frames",
)
_FIELDS = tuple(f.name for f in dataclasses.fields(JobResult))


class Journal:
    """The journal of the batch in ``out_dir``: the last result of each job so far."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.path = out_dir / JOURNAL_NAME
        self.results: dict[tuple[str, str], JobResult] = {}
        #: Each job's input as it was when the job was done: [size, modification time].
        self._inputs: dict[tuple[str, str], list[int] | None] = {}
        text = self.path.read_text(encoding="utf-8") if self.path.is_file() else ""
        for line in text.splitlines():
            parsed = _parse(line)
            if parsed is not None:
                self.results[parsed[0].key], self._inputs[parsed[0].key] = parsed
        self._cut_short = not text.endswith("\n") and bool(text)
        self._file: TextIO | None = None

    def is_done(self, job: Job) -> bool:
        """Whether ``job`` rendered ok in an earlier run, its input has not changed since, and
        its output is still complete."""
        result = self.results.get(job.key)
        if result is None or result.status != Status.OK or result.output is None:
            return False
        if self._inputs.get(job.key) != _stamp(job.source):
            return False
        output = self.out_dir / result.output
        return output.is_file() and output.stat().st_size == result.size

    def record(self, result: JobResult) -> None:
        """Add ``result``, on disk before this returns (in the manifests even if an interrupt
        cuts the line short: its output is complete)."""
        self.results[result.key] = result
        stamp = self._inputs[result.key] = _stamp(Path(result.source))
        if self._file is None:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("a", encoding="utf-8")
            if self._cut_short:
                self._file.write("\n")  # end the line a kill cut short
        self._file.write(json.dumps({**dataclasses.asdict(result), "input_stamp": stamp}) + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def _parse(line: str) -> tuple[JobResult, list[int] | None] | None:
    try:
        data = json.loads(line)
        return JobResult(**{k: data[k] for k in _FIELDS}), data["input_stamp"]
    except (ValueError, TypeError, KeyError):
        return None  # a line cut short when the batch was killed


def _stamp(path: Path) -> list[int] | None:
    """What tells a changed input: its size and modification time (None when unreadable)."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return [stat.st_size, stat.st_mtime_ns]


def manifest_rows(jobs: Sequence[Job], journal: Journal, catalog: Catalog) -> list[dict[str, Any]]:
    """One row per job of the plan, in plan order; jobs not done yet are ``pending``."""
    rows = []
    for job in jobs:
        r = journal.results.get(job.key)
        if r is None or (r.status == Status.OK and not journal.is_done(job)):
            r = JobResult(job.product_id, str(job.source), None, Status.PENDING, None, 0.0)
        rows.append(
            {
                "product_id": job.product_id,
                "product_name": catalog.get(job.product_id).name,
                "input": str(job.source),
                "output": r.output,
                "status": r.status,
                "error": r.error,
                "ms": None if r.status == Status.PENDING else round(r.ms, 1),
                "frames": r.frames,
                "poster_frame": r.poster_frame,
            }
        )
    return rows


def write_manifests(rows: Sequence[dict[str, Any]], out_dir: Path) -> Counter[str]:
    """``manifest.json`` (the rows and counts by status) and ``manifest.csv``; the counts."""
    counts = Counter(row["status"] for row in rows)
    doc = {"counts": dict(sorted(counts.items())), "jobs": list(rows)}
    _write_text(out_dir / MANIFEST_JSON, json.dumps(doc, indent=2) + "\n")
    buf = io.StringIO()
    writer = csv.DictWriter(buf, MANIFEST_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    _write_text(out_dir / MANIFEST_CSV, buf.getvalue())
    return counts


def _write_text(path: Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
