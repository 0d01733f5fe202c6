"""The shopper's address behind a load balancer: the per-address limits (offers a minute,
sessions still connecting) must count shoppers, not the balancer.

Only proxies named with ``--trusted-proxy`` are believed: their ``X-Forwarded-For`` is read
from the right (each proxy appends the address it got the request from), skipping trusted
proxies, and the first address that is not one is the client. A client's own forged
entries sit to the left of that and are never reached.
"""

from __future__ import annotations

from collections.abc import Iterable
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network

__all__ = ["Network", "client_address", "parse_network"]

Network = IPv4Network | IPv6Network


def parse_network(text: str) -> Network:
    """An address (``10.0.0.5``) or a network (``10.0.0.0/24``)."""
    try:
        return ip_network(text.strip(), strict=False)
    except ValueError:
        raise ValueError(
            f"expected a proxy address or network like 10.0.0.5 or 10.0.0.0/24, got {text!r}"
        ) from None


def _trusted(address: str, proxies: tuple[Network, ...]) -> bool:
    try:
        ip = ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in proxies)


def client_address(
    peer: str | None, forwarded_for: Iterable[str], proxies: tuple[Network, ...]
) -> str:
    """``peer`` (the TCP peer) unless it is a trusted proxy; then the rightmost
    ``X-Forwarded-For`` hop that is not a trusted proxy (the leftmost if all are)."""
    address = peer or "unknown"
    if not _trusted(address, proxies):
        return address
    hops = [hop.strip() for header in forwarded_for for hop in header.split(",") if hop.strip()]
    for hop in reversed(hops):
        address = hop
        if not _trusted(hop, proxies):
            break
    return address
