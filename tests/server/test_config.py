from __future__ import annotations

from pathlib import Path

import pytest

from tryon.server.config import IceServer, ServerConfig, parse_origin


def test_ice_server_forms() -> None:
    assert IceServer.parse("stun:stun.example:3478").to_json() == {"urls": "stun:stun.example:3478"}
    turn = IceServer.parse("turn:turn.example:3478,alice,s3cret")
    assert turn.to_json() == {
        "urls": "turn:turn.example:3478",
        "username": "alice",
        "credential": "s3cret",
    }


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("http://stun.example", "must start with stun:"),
        ("turn:t.example,alice", "URL,USERNAME,CREDENTIAL"),
    ],
)
def test_bad_ice_servers_say_what_they_got(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as info:
        IceServer.parse(spec)
    assert spec.split(",")[0] in str(info.value)


def test_origins_are_normalised_and_checked() -> None:
    assert parse_origin("HTTPS://Shop.Example:8443/") == "https://shop.example:8443"
    for bad in ("shop.example", "https://shop.example/page", "ftp://x", "https://x/?q=1"):
        with pytest.raises(ValueError, match="origin"):
            parse_origin(bad)


def test_config_validates_limits() -> None:
    assert ServerConfig(allowed_origins=("http://LOCALHOST:9000",)).allowed_origins == (
        "http://localhost:9000",
    )
    with pytest.raises(ValueError, match="max_sessions must be at least 1, got 0"):
        ServerConfig(max_sessions=0)
    with pytest.raises(ValueError, match="offers_per_minute"):
        ServerConfig(offers_per_minute=0)
    with pytest.raises(ValueError, match="max_body_bytes must be at least 1024, got 10"):
        ServerConfig(max_body_bytes=10)
    with pytest.raises(ValueError, match="disconnect_timeout_s"):
        ServerConfig(disconnect_timeout_s=0)
    with pytest.raises(ValueError, match="both a certificate and a key"):
        ServerConfig(cert=Path("cert.pem"))
