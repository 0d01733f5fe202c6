from __future__ import annotations

import base64
import json

import pytest

from tryon.catalog.look import Look, LookItem
from tryon.server import protocol
from tryon.server.protocol import ErrorCode, ProtocolError, parse_client_message


def test_set_look_parses_items_and_defaults_intensity() -> None:
    msg = parse_client_message(
        json.dumps(
            {
                "type": "set-look",
                "id": "r1",
                "items": [{"product": "a"}, {"product": "b", "intensity": 0.25}],
            }
        )
    )
    assert msg == protocol.SetLook(Look((LookItem("a", 1.0), LookItem("b", 0.25))), "r1")
    assert parse_client_message('{"type": "set-look", "items": []}') == protocol.SetLook(Look())


def test_snapshot_and_ping() -> None:
    assert parse_client_message('{"type": "snapshot", "id": "s"}') == protocol.SnapshotRequest("s")
    assert parse_client_message('{"type": "ping"}') == protocol.Ping(None)


@pytest.mark.parametrize(
    ("raw", "code", "text"),
    [
        (b"\x00\x01", ErrorCode.BAD_MESSAGE, "got 2 binary bytes"),
        ("{not json", ErrorCode.BAD_MESSAGE, "message is not valid JSON"),
        # 20,000 levels deep: refused on the raw text, never a RecursionError.
        ("[" * 20_000 + "]" * 20_000, ErrorCode.BAD_MESSAGE, "bytes; at most 16384"),
        ("[" * 8000 + "]" * 8000, ErrorCode.BAD_MESSAGE, "nests 8000 levels deep; at most 8"),
        ('{"a":' * 9 + "1" + "}" * 9, ErrorCode.BAD_MESSAGE, "nests 9 levels deep; at most 8"),
        ("[1]", ErrorCode.BAD_MESSAGE, "expected a JSON object, got list"),
        ('{"type": "dance"}', ErrorCode.UNKNOWN_TYPE, "unknown message type 'dance'"),
        ('{"type": "ping", "id": 5}', ErrorCode.BAD_MESSAGE, '"id" must be a string, got int'),
        ('{"type": "set-look", "items": "a"}', ErrorCode.BAD_MESSAGE, "got str"),
        ('{"type": "set-look", "items": [{"sku": 1}]}', ErrorCode.BAD_MESSAGE, "items[0]"),
        (
            '{"type": "set-look", "items": [{"product": "a", "intensity": 2}]}',
            ErrorCode.BAD_INTENSITY,
            "items[0].intensity must be a number in [0, 1], got 2",
        ),
        (
            '{"type": "set-look", "items": [{"product": "a", "intensity": true}]}',
            ErrorCode.BAD_INTENSITY,
            "got True",
        ),
        ('{"type": "set-look", "items": [{"product": ""}]}', ErrorCode.BAD_MESSAGE, "non-empty"),
        ("x" * 20000, ErrorCode.BAD_MESSAGE, "message is 20000 bytes; at most 16384"),
    ],
)
def test_bad_messages_name_the_problem(raw: str | bytes, code: str, text: str) -> None:
    with pytest.raises(ProtocolError) as info:
        parse_client_message(raw)
    assert info.value.code == code
    assert text in str(info.value)


def test_error_keeps_the_request_id() -> None:
    with pytest.raises(ProtocolError) as info:
        parse_client_message('{"type": "dance", "id": "q7"}')
    assert info.value.request_id == "q7"
    assert json.loads(protocol.error_message("unknown-type", "no", "q7")) == {
        "type": "error",
        "code": "unknown-type",
        "message": "no",
        "id": "q7",
    }


def test_snapshot_chunks_reassemble_within_the_message_size() -> None:
    png = bytes(range(256)) * 700  # 179200 bytes: four chunks
    messages = [json.loads(m) for m in protocol.snapshot_messages(png, 640, 480, "s1")]
    assert len(messages) == 4
    assert all(len(json.dumps(m)) < 64 * 1024 for m in messages)
    assert [m["chunk"] for m in messages] == [0, 1, 2, 3]
    assert {(m["chunks"], m["id"], m["width"], m["height"]) for m in messages} == {
        (4, "s1", 640, 480)
    }
    assert b"".join(base64.b64decode(m["data"]) for m in messages) == png
