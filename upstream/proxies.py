"""Which address a public request comes from: the TCP peer, or what a trusted reverse proxy says.

`X-Forwarded-For` is believed only when the peer is one of the trusted proxies the operator
named (`edge-upstream serve --trusted-proxy`, `$EDGE_UPSTREAM_TRUSTED_PROXIES`; default: none,
so the header is ignored). Then the client is the right-most address of the header that is not
itself a trusted proxy (what the outermost trusted proxy saw); anything left of it was written by
the client and can be forged.
"""

from __future__ import annotations

import ipaddress
import os

ENV = "EDGE_UPSTREAM_TRUSTED_PROXIES"
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_trusted(entries: str | list[str] | tuple[str, ...] | None) -> tuple[Network, ...]:
    """Addresses or networks ("10.0.0.5", "10.0.0.0/24", "::1"), comma- or space-separated; ValueError if bad."""
    if entries is None:
        entries = os.environ.get(ENV, "")
    if isinstance(entries, str):
        entries = entries.replace(",", " ").split()
    return tuple(ipaddress.ip_network(e.strip(), strict=False) for e in entries if e.strip())


def _address(text: str) -> Address | None:
    try:
        return ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


def _trusted(address: Address | None, trusted: tuple[Network, ...]) -> bool:
    return address is not None and any(address.version == n.version and address in n for n in trusted)


def is_trusted(peer: str | None, trusted: tuple[Network, ...]) -> bool:
    """Whether the TCP peer `peer` is one of the trusted proxies."""
    return _trusted(_address(peer or ""), trusted)


def client_address(peer: str | None, forwarded_for: str | None, trusted: tuple[Network, ...]) -> str:
    """The client's address for rate limits ("unknown" when the server cannot tell)."""
    peer = peer or "unknown"
    if not trusted or not forwarded_for or not _trusted(_address(peer), trusted):
        return peer
    hops = [h.strip() for h in forwarded_for.split(",")][-20:]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            return peer  # a mangled header: rate-limit the proxy's own address, never a forged one
        if not _trusted(address, trusted):
            return str(address)
    return peer
