"""Schemathesis against a real ``tryon serve``, a few examples per operation (valid and
invalid input): every reply is not a 5xx and is what ``/api/openapi.json`` describes (status
code, content type, headers, body schema); invalid input is refused with a 4xx.
``bench/bench_fuzz_http.py`` runs the same with more examples."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from . import fuzz_http
from .serve_process import OPEN_LIMITS, ServeProcess


@pytest.fixture(scope="module")
def server() -> Iterator[ServeProcess]:
    with ServeProcess("--echo", *OPEN_LIMITS) as srv:
        yield srv


@pytest.mark.slow
def test_generated_requests_get_described_replies(server: ServeProcess) -> None:
    report = fuzz_http.run(server.url, examples=5, seed=1)
    print("\n" + report.text())
    assert not report.failures, report.text()
    operations = {op for op, _ in report.statuses}
    assert {"POST /offer", "GET /healthz", "GET /api/products/{id}"} <= operations, operations
    assert report.statuses[("POST /offer", "negative")].keys() <= {400, 413, 415}, report.text()
    assert "Traceback" not in server.output(), server.output()[-3000:]
