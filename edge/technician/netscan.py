"""Find network printers: TCP port 9100 on the device's own subnet, only when a technician asks.

Rules (docs/technician.md):
- only the device's own network: an address range must lie inside a subnet of one of this
  device's interfaces (or be loopback); anything else is refused before a packet is sent;
- at most one /24 (256 addresses): a bigger range is refused with a message. With no range
  given, the scan takes the device's own subnet, or the /24 around the device's address when
  that subnet is bigger;
- a TCP connect per address with a short timeout, at most `concurrency` at once; an open port
  is then asked `DLE EOT 1-4`, and the reply says whether it talks like an ESC/POS printer.

The interfaces come from `ip -j -4 addr` (iproute2); tests pass their own list.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from edge.printer.status import STATUS_REQUEST, parse_status

DEFAULT_PORT = 9100
MAX_ADDRESSES = 256
CONNECT_TIMEOUT_S = 0.4
STATUS_TIMEOUT_S = 0.8
CONCURRENCY = 32


class ScanRefused(ValueError):
    """The range may not be scanned; the message says why and what to do instead."""


@dataclass(frozen=True)
class Found:
    host: str
    port: int
    state: str  # ok | problem | unknown (from the DLE EOT reply; unknown: no ESC/POS reply)
    detail: str

    @property
    def url(self) -> str:
        return f"tcp://{self.host}:{self.port}"

    @property
    def printer_like(self) -> bool:
        return self.state in ("ok", "problem")

    def to_json(self) -> dict:
        return {"host": self.host, "port": self.port, "url": self.url, "state": self.state, "detail": self.detail,
                "printer": self.printer_like}


def own_interfaces() -> list[ipaddress.IPv4Interface]:
    """This device's IPv4 addresses with their prefixes (loopback included)."""
    try:
        out = subprocess.run(["ip", "-j", "-4", "addr", "show"], capture_output=True, text=True, timeout=3).stdout
        found = [ipaddress.IPv4Interface(f"{a['local']}/{a['prefixlen']}")
                 for link in json.loads(out or "[]") for a in link.get("addr_info", []) if a.get("family") == "inet"]
    except (OSError, subprocess.SubprocessError, ValueError, KeyError):
        found = []
    return found or [ipaddress.IPv4Interface("127.0.0.1/8")]


def plan(subnet: str | None, own: list[ipaddress.IPv4Interface]) -> tuple[ipaddress.IPv4Network, list[str]]:
    """(the network, the addresses to try) — or ScanRefused. Sends nothing."""
    lan = [i for i in own if not i.ip.is_loopback]
    if subnet is None:
        if not lan:
            raise ScanRefused("this device has no network address (only loopback): connect the network, "
                              "or enter the printer's address")
        iface = lan[0]
        network = iface.network if iface.network.num_addresses <= MAX_ADDRESSES else \
            ipaddress.IPv4Network(f"{iface.ip}/24", strict=False)
    else:
        try:
            network = ipaddress.IPv4Network(subnet.strip(), strict=False)
        except ValueError:
            raise ScanRefused(f"{subnet!r} is not an IPv4 range like 192.168.1.0/24") from None
        if network.num_addresses > MAX_ADDRESSES:
            raise ScanRefused(f"refused: {network} has {network.num_addresses} addresses; a printer scan covers at "
                              f"most one /24 (256 addresses) of this device's own network. Scan the /24 the "
                              f"printer is in, or enter its address")
        if not network.is_loopback and not any(network.subnet_of(i.network) for i in lan):
            mine = ", ".join(str(i.network) for i in lan) or "none"
            raise ScanRefused(f"refused: {network} is not this device's network (its networks: {mine}); "
                              f"printers on other networks: enter their address")
    own_ips = {str(i.ip) for i in lan}
    hosts = [str(h) for h in network.hosts()] if network.num_addresses > 2 else [str(h) for h in network]
    return network, [h for h in hosts if h not in own_ips]


def probe(host: str, port: int, connect_timeout: float = CONNECT_TIMEOUT_S,
          status_timeout: float = STATUS_TIMEOUT_S) -> Found | None:
    """None when nothing listens; otherwise what the status query said."""
    try:
        sock = socket.create_connection((host, port), timeout=connect_timeout)
    except OSError:
        return None
    with sock:
        replies, deadline = b"", time.monotonic() + status_timeout
        try:
            sock.sendall(STATUS_REQUEST)
            while len(replies) < 4 and time.monotonic() < deadline:
                sock.settimeout(max(0.01, deadline - time.monotonic()))
                chunk = sock.recv(64)
                if not chunk:
                    break
                replies += chunk
        except OSError:
            pass
    status = parse_status(replies)  # more or other bytes than a printer sends: "unknown"
    detail = status.detail if status.state != "unknown" else f"port open, but no ESC/POS status reply ({status.detail})"
    return Found(host, port, status.state, detail)


def scan(hosts: list[str], ports: tuple[int, ...] = (DEFAULT_PORT,), concurrency: int = CONCURRENCY,
         connect_timeout: float = CONNECT_TIMEOUT_S) -> list[Found]:
    """Probe every host:port, at most `concurrency` at a time; open ones, in address order."""
    targets = [(h, p) for h in hosts for p in ports]
    if len(targets) > MAX_ADDRESSES * 4:
        raise ScanRefused(f"{len(targets)} targets: too many")
    if not targets:
        return []
    with ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(targets))), thread_name_prefix="lan-scan") as pool:
        results = list(pool.map(lambda t: probe(t[0], t[1], connect_timeout), targets))
    found = [r for r in results if r is not None]
    return sorted(found, key=lambda f: (ipaddress.IPv4Address(f.host), f.port))


def scan_subnet(subnet: str | None = None, ports: tuple[int, ...] = (DEFAULT_PORT,),
                own: list[ipaddress.IPv4Interface] | None = None, **kwargs) -> dict:
    """Plan + scan: {"network", "scanned", "found": [...]} or ScanRefused."""
    if not ports or any(not (0 < p < 65536) for p in ports) or len(ports) > 4:
        raise ScanRefused("ports: 1-4 TCP ports (network printers: 9100)")
    network, hosts = plan(subnet, own if own is not None else own_interfaces())
    started = time.monotonic()
    found = scan(hosts, tuple(ports), **kwargs)
    return {"network": str(network), "ports": list(ports), "scanned": len(hosts),
            "took_s": round(time.monotonic() - started, 2), "found": [f.to_json() for f in found]}
