"""Schemathesis against a live server, shared by ``test_fuzz_http.py`` and
``bench/bench_fuzz_http.py``: requests generated from ``/api/openapi.json`` (valid ones, and
invalid ones for the operations that take input), each reply checked: never a 5xx, the status
code, content type, headers and body as the description says, invalid input refused with a
4xx.

Failures are collected, not raised, so a run reports everything it found.
"""

from __future__ import annotations

import collections
import time
from dataclasses import dataclass, field

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import FailureGroup

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@dataclass
class Report:
    """What a run tried and found."""

    #: ``(operation, mode) -> status -> count``.
    statuses: dict[tuple[str, str], collections.Counter[int]] = field(
        default_factory=lambda: collections.defaultdict(collections.Counter)
    )
    #: Per distinct failure (operation, mode, what failed): how often, and one request.
    failures: dict[str, tuple[int, str]] = field(default_factory=dict)
    slowest: tuple[float, str] = (0.0, "")
    #: Operation and mode pairs that had nothing to generate.
    skipped: list[str] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return sum(sum(c.values()) for c in self.statuses.values())

    def text(self) -> str:
        lines = [f"{self.requests} requests"]
        for (op, mode), counts in sorted(self.statuses.items()):
            statuses = ", ".join(f"{s}: {n}" for s, n in sorted(counts.items()))
            lines.append(f"  {op:<44}{mode:<10}{statuses}")
        lines += [f"  {line}" for line in self.skipped]
        lines.append(f"slowest: {self.slowest[0] * 1000:.0f} ms ({self.slowest[1]})")
        lines.append(f"failures: {sum(n for n, _ in self.failures.values())}")
        for what, (n, example) in sorted(self.failures.items()):
            lines += [f"  {n:>4}x {what}", f"        e.g. {example[:300]}"]
        return "\n".join(lines)


def run(url: str, examples: int, seed: int = 1) -> Report:
    """``examples`` generated requests per operation and mode against the server at ``url``."""
    schema = schemathesis.openapi.from_url(f"{url}/api/openapi.json")
    report = Report()
    for result in schema.get_all_operations():
        operation = result.ok()
        label = f"{operation.method.upper()} {operation.path}"
        takes_input = bool(operation.body) or bool(list(operation.iter_parameters()))
        modes = [GenerationMode.POSITIVE] + [GenerationMode.NEGATIVE] * takes_input
        for mode in modes:
            _fuzz_operation(operation, label, mode, url, examples, seed, report)
    return report


def _fuzz_operation(
    operation: schemathesis.APIOperation,
    label: str,
    mode: GenerationMode,
    url: str,
    examples: int,
    seed: int,
    report: Report,
) -> None:
    negative = mode == GenerationMode.NEGATIVE

    @hypothesis_seed(seed)
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def one(case: schemathesis.Case) -> None:
        start = time.perf_counter()
        response = case.call(base_url=url, timeout=30)
        seconds = time.perf_counter() - start
        report.statuses[(label, mode.value)][response.status_code] += 1
        if seconds > report.slowest[0]:
            report.slowest = (seconds, f"{label} -> {response.status_code}")
        problem = None
        if negative and not 400 <= response.status_code < 500:
            # (schemathesis's own check wants one of its list; 413 is a fine refusal here)
            problem = f"invalid input got {response.status_code}, not a 4xx refusal"
        try:
            case.validate_response(response, checks=CHECKS)
        except (AssertionError, FailureGroup) as exc:
            problem = _first_line(exc)
        if problem is not None:
            what = f"{label} [{mode.value}] {problem}"
            count = report.failures.get(what, (0, ""))[0]
            report.failures[what] = (count + 1, case.as_curl_command())

    try:
        one()
    except Unsatisfiable:  # e.g. no invalid value exists for a free-form string
        report.skipped.append(f"{label} [{mode.value}]: no such input can be generated")


def _first_line(exc: BaseException) -> str:
    """What failed, in a line (each failure of a group by its title)."""
    if isinstance(exc, BaseExceptionGroup):
        return "; ".join(_first_line(sub) for sub in exc.exceptions)
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return " / ".join(lines[:2])[:200]
