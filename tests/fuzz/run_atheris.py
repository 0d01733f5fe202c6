"""Fuzz one parser with atheris (libFuzzer) in this process, which it ends when done.

    python -m tests.fuzz.run_atheris TARGET WORK [libFuzzer flags ...]

TARGET is ``gltf``, ``manifest`` or ``protocol`` (:mod:`tests.fuzz.targets`). WORK is a
folder of this run's own: its ``corpus/`` starts with the target's seeds and gathers the
inputs that reach new coverage, its ``files/`` holds the file each input is written to.
A libFuzzer dictionary (``WORK/dict``) of the JSON keys and short strings of the seeds plus
JSON tokens steers mutations toward well-formed documents. The libFuzzer flags follow, e.g.
``-runs=2000 -seed=1`` or ``-max_total_time=60 -artifact_prefix=CRASHES/``. An input whose
parser raises anything but its documented error, runs past ``-timeout`` seconds or past
``-rss_limit_mb`` is a crash: libFuzzer saves it under ``-artifact_prefix`` and exits
non-zero. The ``tryon`` package is instrumented for
coverage as it is imported (the run prints ``instrumented N tryon modules``).
"""

from __future__ import annotations

import json
import struct
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import atheris

#: Tokens worth splicing into any JSON: structure, literals, edge numbers.
_TOKENS = (
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    '""',
    "null",
    "true",
    "false",
    "-1",
    "0",
    "1e400",
    "4294967295",
    "18446744073709551616",
    "NaN",
    "1.5",
    "\\u0000",
    "\\ud800",
)


def main(argv: list[str]) -> None:
    name, work, flags = argv[1], Path(argv[2]), argv[3:]
    if any(m == "tryon" or m.startswith("tryon.") for m in sys.modules):
        raise SystemExit("tryon was imported before instrumentation; run this module directly")
    with atheris.instrument_imports(include=["tryon"]):
        from tests.fuzz.targets import TARGETS
    instrumented = sorted(m for m in sys.modules if m.startswith("tryon."))
    print(f"instrumented {len(instrumented)} tryon modules", flush=True)
    target = TARGETS[name]
    corpus, files = work / "corpus", work / "files"
    files.mkdir(parents=True, exist_ok=True)
    if not corpus.is_dir():
        corpus.mkdir(parents=True)
        for k, seed in enumerate(target.seeds()):
            (corpus / f"seed-{k:03d}").write_bytes(seed)
    words = sorted({*_TOKENS, *(w for p in corpus.iterdir() for w in _json_words(p.read_bytes()))})
    (work / "dict").write_text("".join(f"{_quoted(w)}\n" for w in words))
    flags.append(f"-dict={work / 'dict'}")

    def test_one_input(data: bytes) -> None:
        target.run(data, files)

    atheris.Setup([argv[0], *flags, str(corpus)], test_one_input)
    atheris.Fuzz()


def _json_words(data: bytes) -> Iterator[str]:
    """The object keys and short string values of ``data``'s JSON (a GLB's JSON chunk)."""
    if data[:4] == b"glTF" and len(data) >= 20:
        data = data[20 : 20 + struct.unpack_from("<I", data, 12)[0]]
    try:
        stack: list[Any] = [json.loads(data)]
    except ValueError:
        return
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            yield from (f'"{k}"' for k in value)
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, str) and len(value) <= 32:
            yield f'"{value}"'


def _quoted(word: str) -> str:
    """``word`` as a libFuzzer dictionary entry: quoted, bytes outside printable ASCII (and
    quotes and backslashes) as ``\\xNN``."""
    raw = word.encode()
    body = "".join(chr(b) if 32 <= b < 127 and b not in (34, 92) else f"\\x{b:02x}" for b in raw)
    return f'"{body}"'


if __name__ == "__main__":
    main(sys.argv)
