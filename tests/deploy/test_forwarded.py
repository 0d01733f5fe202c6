"""The shopper's address behind trusted proxies (``--trusted-proxy``): what each
X-Forwarded-For gets, forged and malformed ones included."""

from __future__ import annotations

import pytest
from server.serve_process import serve_option_error

from tryon.server.config import ServerConfig
from tryon.server.forwarded import client_address, parse_network

PROXIES = (parse_network("10.0.0.5"), parse_network("192.168.7.0/24"))


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        # Not from a trusted proxy: the header is the client's own word and ignored.
        ("203.0.113.4", ["198.51.100.1"], "203.0.113.4"),
        # One proxy: the hop it appended.
        ("10.0.0.5", ["198.51.100.1"], "198.51.100.1"),
        # A forged entry left of the proxy's is never reached.
        ("10.0.0.5", ["6.6.6.6, 198.51.100.1"], "198.51.100.1"),
        ("10.0.0.5", ["6.6.6.6", "198.51.100.1"], "198.51.100.1"),
        # Two trusted proxies in a row are skipped.
        ("10.0.0.5", ["6.6.6.6, 198.51.100.1, 192.168.7.20"], "198.51.100.1"),
        # IPv6 clients.
        ("10.0.0.5", ["2001:db8::7"], "2001:db8::7"),
        # A trusted proxy that sent no header: the proxy itself.
        ("10.0.0.5", [], "10.0.0.5"),
        # Garbage in the header is not an address of a trusted proxy: it is the client key
        # (a client forging garbage only limits itself).
        ("10.0.0.5", ["not-an-ip"], "not-an-ip"),
        ("10.0.0.5", [" , ,"], "10.0.0.5"),
        # No peer address at all (a Unix socket).
        (None, ["198.51.100.1"], "unknown"),
    ],
)
def test_client_address(peer: str | None, forwarded: list[str], expected: str) -> None:
    assert client_address(peer, forwarded, PROXIES) == expected


def test_no_trusted_proxy_believes_no_header() -> None:
    assert client_address("10.0.0.5", ["198.51.100.1"], ()) == "10.0.0.5"


@pytest.mark.parametrize("bad", ["", "proxy.example", "10.0.0.300", "10.0.0.0/40"])
def test_a_bad_proxy_is_a_clear_error(bad: str) -> None:
    with pytest.raises(ValueError, match="expected a proxy address or network"):
        parse_network(bad)


def test_the_config_carries_networks() -> None:
    config = ServerConfig(trusted_proxies=(parse_network("10.0.0.0/8"),))
    assert str(config.trusted_proxies[0]) == "10.0.0.0/8"


def test_a_bad_trusted_proxy_option_is_a_one_line_error() -> None:
    assert "expected a proxy address or network" in serve_option_error(
        "--trusted-proxy", "proxy.example"
    )
