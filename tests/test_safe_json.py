"""Bounded JSON: what each hostile document gets."""

from __future__ import annotations

import time
import tracemalloc

import pytest

from tryon.safe_json import JsonLimitError, loads, nesting_depth


def test_plain_documents_decode() -> None:
    assert loads(b'{"a": [1, {"b": "]]]"}]}', max_bytes=100, max_depth=3) == {
        "a": [1, {"b": "]]]"}]
    }
    assert loads("[]", max_bytes=10, max_depth=1) == []
    assert loads('"x"', max_bytes=10, max_depth=0) == "x"


@pytest.mark.parametrize(
    ("raw", "depth"),
    [(b"1", 0), (b"[]", 1), (b'[{"a": [ ]}]', 3), (b'["[[[[", {"k": "\\"[["}]', 2), (b"]]][[", 2)],
)
def test_depth_ignores_brackets_inside_strings(raw: bytes, depth: int) -> None:
    assert nesting_depth(raw) == depth


def test_deep_nesting_is_refused_fast_without_recursion() -> None:
    raw = b"[" * 200_000 + b"]" * 200_000
    t0 = time.perf_counter()
    with pytest.raises(JsonLimitError, match="nests 200000 levels deep; at most 64"):
        loads(raw, max_bytes=1 << 20, max_depth=64, what="offer")
    assert time.perf_counter() - t0 < 5.0  # generous: linear and vectorised, not recursive


def test_oversize_is_refused_before_parsing() -> None:
    with pytest.raises(JsonLimitError, match=r"glTF JSON chunk is 11 bytes; at most 10"):
        loads(b'"123456789"', max_bytes=10, max_depth=4, what="glTF JSON chunk")


@pytest.mark.parametrize("raw", [b"{", b"\xff\xfe", b"[1,]", b"", "\ud800"])
def test_garbage_is_a_limit_error_not_a_crash(raw: bytes | str) -> None:
    with pytest.raises(JsonLimitError, match="is not valid JSON"):
        loads(raw, max_bytes=100, max_depth=8)


@pytest.mark.parametrize(
    "raw",
    [
        b'["' + b'\\"' * 500_000,  # every quote escaped: one string that never ends
        b'"\\' * 500_000,  # a quote, then a backslash that escapes the next quote, ...
    ],
)
def test_unterminated_strings_are_scanned_once(raw: bytes) -> None:
    """A megabyte of quotes that open strings never closed: refused as invalid JSON in linear
    time (the string pattern rescanned the rest of the text from every quote: ~4 s for 32 KB,
    hours for 1 MB) and small memory (backtracking state per escape was ~100 MB here)."""
    t0 = time.perf_counter()
    with pytest.raises(JsonLimitError, match="not valid JSON: Unterminated string"):
        loads(raw, max_bytes=2 << 20, max_depth=8, what="glTF JSON chunk")
    assert time.perf_counter() - t0 < 5.0
    tracemalloc.start()
    try:
        nesting_depth(raw)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * len(raw), f"peak {peak} bytes for {len(raw)}"
    assert nesting_depth(raw) == (1 if raw.startswith(b"[") else 0)
