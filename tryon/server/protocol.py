"""The ``tryon`` data channel: JSON text messages both ways (docs/protocol.md).

Client to server: ``set-look``, ``snapshot``, ``ping``. Server to client: ``ready``,
``look``, ``face``, ``measurements``, ``snapshot`` (base64 chunks), ``pong``, ``error``.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final

from tryon import safe_json
from tryon.catalog.look import Look, LookItem
from tryon.server.limits import RATE_LIMITED

__all__ = [
    "CHANNEL_LABEL",
    "SNAPSHOT_CHUNK_BYTES",
    "ErrorCode",
    "Ping",
    "ProtocolError",
    "SetLook",
    "SnapshotRequest",
    "error_message",
    "event_message",
    "look_message",
    "parse_client_message",
    "snapshot_messages",
]

CHANNEL_LABEL: Final = "tryon"
#: Raw bytes per snapshot chunk; base64 makes a message of at most 64 KiB (SCTP's usual max).
SNAPSHOT_CHUNK_BYTES: Final = 45 * 1024
_MAX_MESSAGE_BYTES: Final = 16 * 1024
#: A set-look is 4 levels deep ({"items": [{...}]}); anything far deeper is not a message.
_MAX_MESSAGE_DEPTH: Final = 8
_MAX_LOOK_ITEMS: Final = 16


class ErrorCode:
    """The ``code`` of an ``error`` message."""

    BAD_MESSAGE: Final = "bad-message"
    UNKNOWN_TYPE: Final = "unknown-type"
    UNKNOWN_PRODUCT: Final = "unknown-product"
    BAD_INTENSITY: Final = "bad-intensity"
    SNAPSHOT_UNAVAILABLE: Final = "snapshot-unavailable"
    ENGINE_FAILED: Final = "engine-failed"
    RATE_LIMITED: Final = RATE_LIMITED


class ProtocolError(ValueError):
    """A client message the server cannot act on; sent back as an ``error`` message."""

    def __init__(self, code: str, message: str, request_id: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.request_id = request_id


@dataclass(frozen=True, slots=True)
class SetLook:
    look: Look
    request_id: str | None = None


@dataclass(frozen=True, slots=True)
class SnapshotRequest:
    request_id: str | None = None


@dataclass(frozen=True, slots=True)
class Ping:
    request_id: str | None = None


ClientMessage = SetLook | SnapshotRequest | Ping


def parse_client_message(raw: str | bytes) -> ClientMessage:
    """One client message, or a :class:`ProtocolError` saying what was wrong with it."""
    if isinstance(raw, bytes):
        raise ProtocolError(
            ErrorCode.BAD_MESSAGE, f"expected a JSON text message, got {len(raw)} binary bytes"
        )
    try:
        msg = safe_json.loads(
            raw, max_bytes=_MAX_MESSAGE_BYTES, max_depth=_MAX_MESSAGE_DEPTH, what="message"
        )
    except safe_json.JsonLimitError as exc:
        raise ProtocolError(ErrorCode.BAD_MESSAGE, str(exc)) from None
    if not isinstance(msg, dict):
        raise ProtocolError(
            ErrorCode.BAD_MESSAGE, f"expected a JSON object, got {type(msg).__name__}"
        )
    request_id = msg.get("id")
    if request_id is not None and not isinstance(request_id, str):
        raise ProtocolError(
            ErrorCode.BAD_MESSAGE, f'"id" must be a string, got {type(request_id).__name__}'
        )
    kind = msg.get("type")
    if kind == "set-look":
        return SetLook(_parse_look(msg.get("items"), request_id), request_id)
    if kind == "snapshot":
        return SnapshotRequest(request_id)
    if kind == "ping":
        return Ping(request_id)
    raise ProtocolError(
        ErrorCode.UNKNOWN_TYPE,
        f'unknown message type {kind!r} (expected "set-look", "snapshot" or "ping")',
        request_id,
    )


def _parse_look(items: Any, request_id: str | None) -> Look:
    if not isinstance(items, list):
        raise ProtocolError(
            ErrorCode.BAD_MESSAGE,
            f'"items" must be a list of {{"product", "intensity"}}, got {type(items).__name__}',
            request_id,
        )
    if len(items) > _MAX_LOOK_ITEMS:
        raise ProtocolError(
            ErrorCode.BAD_MESSAGE,
            f"a look has at most {_MAX_LOOK_ITEMS} items, got {len(items)}",
            request_id,
        )
    parsed = []
    for i, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("product"), str):
            raise ProtocolError(
                ErrorCode.BAD_MESSAGE,
                f'items[{i}] must be an object with a "product" string, got {item!r:.80}',
                request_id,
            )
        intensity = item.get("intensity", 1.0)
        if (
            isinstance(intensity, bool)
            or not isinstance(intensity, int | float)
            or not math.isfinite(intensity)
            or not 0.0 <= intensity <= 1.0
        ):
            raise ProtocolError(
                ErrorCode.BAD_INTENSITY,
                f"items[{i}].intensity must be a number in [0, 1], got {intensity!r}",
                request_id,
            )
        try:
            parsed.append(LookItem(item["product"], float(intensity)))
        except ValueError as exc:
            raise ProtocolError(ErrorCode.BAD_MESSAGE, f"items[{i}]: {exc}", request_id) from None
    return Look(tuple(parsed))


def _dump(msg: dict[str, Any]) -> str:
    return json.dumps(msg, separators=(",", ":"))


def error_message(code: str, message: str, request_id: str | None = None) -> str:
    out: dict[str, Any] = {"type": "error", "code": code, "message": message}
    if request_id is not None:
        out["id"] = request_id
    return _dump(out)


def look_message(look: Look, request_id: str | None = None) -> str:
    out: dict[str, Any] = {
        "type": "look",
        "items": [{"product": i.product_id, "intensity": i.intensity} for i in look.items],
    }
    if request_id is not None:
        out["id"] = request_id
    return _dump(out)


def snapshot_messages(
    png: bytes, width: int, height: int, request_id: str | None = None
) -> Iterator[str]:
    """The composited still as ``snapshot`` messages of base64 chunks, in order."""
    chunks = max(1, math.ceil(len(png) / SNAPSHOT_CHUNK_BYTES))
    for i in range(chunks):
        part = png[i * SNAPSHOT_CHUNK_BYTES : (i + 1) * SNAPSHOT_CHUNK_BYTES]
        yield _dump(
            {
                "type": "snapshot",
                "id": request_id,
                "mime": "image/png",
                "width": width,
                "height": height,
                "chunk": i,
                "chunks": chunks,
                "data": base64.b64encode(part).decode("ascii"),
            }
        )


def event_message(kind: str, **fields: Any) -> str:
    """Any other server message: ``ready``, ``face``, ``measurements``, ``pong``."""
    return _dump({"type": kind, **fields})
