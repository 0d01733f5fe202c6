"""Schemathesis against a real ``tryon serve``: requests generated from
``/api/openapi.json`` (valid and invalid input, ``--examples`` per operation and mode), each
reply checked (no 5xx; status code, content type, headers and body as described; invalid
input refused). Prints the replies per operation and status, the slowest reply, and every
distinct failure with a curl command that repeats it.

Usage: .venv/bin/python bench/bench_fuzz_http.py [--examples 200] [--seed 1] [--engine]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.server import fuzz_http
from tests.server.serve_process import OPEN_LIMITS, ServeProcess


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=200, help="per operation and mode")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--engine", action="store_true", help="server with the engine (default: --echo)"
    )
    args = parser.parse_args()
    mode = () if args.engine else ("--echo",)
    with ServeProcess(*mode, *OPEN_LIMITS) as server:
        start = time.monotonic()
        report = fuzz_http.run(server.url, args.examples, args.seed)
        elapsed = time.monotonic() - start
        log = server.output()
        stats = server.stats()
    print(f"\nSchemathesis, {args.examples} examples per operation and mode, seed {args.seed}")
    print(report.text())
    print(f"in {elapsed:.1f} s; server after: RSS {stats.rss_kib / 1024:.0f} MiB, ", end="")
    print(f"{stats.native_threads} native threads, {stats.fds} fds")
    print(f"tracebacks in the server log: {log.count('Traceback')}")


if __name__ == "__main__":
    main()
