"""JSON from untrusted sources (offers, data-channel messages, manifests, glTF), bounded.

``json.loads`` recurses once per nesting level, so a document nested a few thousand levels
deep raises ``RecursionError`` (or worse, in a thread with a small stack). :func:`loads`
checks the size and the nesting depth on the raw text first, without recursion and without
building any object, and only then decodes. Every refusal is a :class:`JsonLimitError` (a
``ValueError``) that says what was found and what is allowed.
"""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np

__all__ = ["JsonLimitError", "loads", "nesting_depth"]

#: A JSON string literal (escapes included); its brackets are text, not structure. An
#: unterminated one runs to the end (the decoder stops there too): requiring the closing quote
#: made every quote of ``"\"\"\"...`` rescan the rest of the text, quadratic time. The
#: quantifiers are possessive: no backtracking state is kept per escape (~100 bytes each).
_STRING = re.compile(rb'"[^"\\]*+(?:\\.[^"\\]*+)*+"?', re.DOTALL)
_OPEN = frozenset(b"[{")
_CLOSE = frozenset(b"]}")


class JsonLimitError(ValueError):
    """The document is over a size or depth limit, or is not JSON at all."""


def nesting_depth(raw: bytes) -> int:
    """The deepest ``[``/``{`` nesting in ``raw``, brackets inside strings not counted.

    Linear in the size, vectorised, no recursion: safe on any input (a stray closing bracket
    does not hide the opening ones after it).
    """
    text = _STRING.sub(b'""', raw)
    codes = np.frombuffer(text, dtype=np.uint8)
    steps = np.zeros(codes.shape, dtype=np.int32)
    steps[(codes == ord("[")) | (codes == ord("{"))] = 1
    steps[(codes == ord("]")) | (codes == ord("}"))] = -1
    if not steps.any():
        return 0
    level = np.cumsum(steps)
    floor = np.minimum(np.minimum.accumulate(level), 0)
    return int((level - floor).max())


def loads(raw: bytes | str, *, max_bytes: int, max_depth: int, what: str = "JSON") -> Any:
    """Decode ``raw`` after checking it is at most ``max_bytes`` long and ``max_depth`` deep.

    ``what`` names the document in the error (``"offer"``, ``"glTF JSON chunk"``).
    """
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else bytes(raw)
    if len(data) > max_bytes:
        raise JsonLimitError(f"{what} is {len(data)} bytes; at most {max_bytes} are allowed")
    depth = nesting_depth(data)
    if depth > max_depth:
        raise JsonLimitError(f"{what} nests {depth} levels deep; at most {max_depth} are allowed")
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise JsonLimitError(f"{what} is not valid JSON: {exc}") from None
