"""The three parsers under fuzzing, each as a function of raw bytes, and their seeds.

A target returns normally when the parser accepts the input or refuses it with its documented
error (glTF: ``AssetError``; manifest: ``ProductError``; data channel: ``ProtocolError``, a
``ValueError``); anything else escapes, and the fuzzer saves the input as a crash.

Import this module inside ``atheris.instrument_imports()`` so that the parsers it imports
are instrumented for coverage (``tests/fuzz/run_atheris.py`` does).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.fuzz.hostile_gltf import triangle_glb, triangle_gltf
from tryon.catalog.errors import AssetError, ProductError
from tryon.catalog.gltf_loader import load_asset
from tryon.catalog.manifest import load_manifest
from tryon.resources import data_dir
from tryon.server.protocol import ProtocolError, parse_client_message

__all__ = ["PARSERS", "TARGETS", "Target"]


@dataclass(frozen=True, slots=True)
class Target:
    name: str
    #: What the parser is fed: bytes, written to a file in the work folder if it reads files.
    run: Callable[[bytes, Path], None]
    seeds: Callable[[], list[bytes]]


def _gltf(data: bytes, work: Path) -> None:
    path = work / ("model.glb" if data[:4] == b"glTF" else "model.gltf")
    path.write_bytes(data)
    with contextlib.suppress(AssetError):
        load_asset(path)


def _gltf_seeds() -> list[bytes]:
    shipped = sorted(data_dir("products").glob("*/model.glb"))
    hand_made = [triangle_glb(), triangle_glb(textured=True), triangle_gltf()]
    return hand_made + [p.read_bytes() for p in shipped]


def _manifest(data: bytes, work: Path) -> None:
    path = work / "product.json"
    path.write_bytes(data)
    with contextlib.suppress(ProductError):
        load_manifest(path)


def _manifest_seeds() -> list[bytes]:
    return [p.read_bytes() for p in sorted(data_dir("products").glob("*/product.json"))]


def _message(data: bytes, work: Path) -> None:
    # The data channel hands over text (str) or binary (bytes) messages; the first byte picks.
    raw: str | bytes = data[1:] if data[:1] == b"\0" else data.decode("utf-8", "replace")
    with contextlib.suppress(ProtocolError):
        parse_client_message(raw)


def _message_seeds() -> list[bytes]:
    """The client messages of docs/protocol.md ("Client to server"), valid ones."""
    messages = [
        {"type": "set-look", "id": "r1", "items": [{"product": "aviator-gold-58"}]},
        {
            "type": "set-look",
            "items": [
                {"product": "round-tortoise", "intensity": 0.6},
                {"product": "aviator-gold-58", "intensity": 1},
            ],
        },
        {"type": "set-look", "items": []},
        {"type": "snapshot", "id": "s1"},
        {"type": "ping", "id": "p"},
        {"type": "ping"},
    ]
    return [json.dumps(m).encode() for m in messages]


def _canary(data: bytes, work: Path) -> None:
    """The harness's own check: a "parser" that fails on any input holding a 0xFF byte."""
    if b"\xff" in data:
        raise RuntimeError(f"canary: 0xFF at {data.index(0xFF)}")


TARGETS = {
    t.name: t
    for t in (
        Target("gltf", _gltf, _gltf_seeds),
        Target("manifest", _manifest, _manifest_seeds),
        Target("protocol", _message, _message_seeds),
        Target("canary", _canary, lambda: [b"tryon"]),
    )
}
#: The parsers (the canary only shows that a failure is caught).
PARSERS = ("gltf", "manifest", "protocol")
