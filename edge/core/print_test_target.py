"""Where POST /v1/print-test may print: a configured printer (by name, or by its exact url), or a
network printer at a `tcp://` address on the device's LAN. Nothing else.

The API never opens a `file://`, `usb://` or `serial://` url it is given: those name device files
and paths, and only a printer the technician configured may use one (the console's
`edge print-test --direct` still tests any url, as the local user who runs it). A `tcp://` host
must be an IP literal or a name that resolves only to LAN addresses (RFC 1918, link-local, loopback,
IPv6 ULA); the test page then goes to the address that was checked, never to a second lookup.

    target = print_test_target(config.printers, name=doc.printer, url=doc.url)
    target.printer  # a configured printer's name (print through its queue) or None
    target.url      # what to open directly when target.printer is None (tcp://LAN-IP:PORT)
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from edge.config import PrinterConfig
from edge.printer_urls import parse_printer_url
from edge.refusal import Refused

LAN_NETWORKS = tuple(ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",  # RFC 1918
    "169.254.0.0/16", "127.0.0.0/8",  # link-local, loopback
    "fc00::/7", "fe80::/10", "::1/128",  # IPv6 unique local, link-local, loopback
))
HELP = ('send {"printer": "NAME"} for a configured printer, or {"url": "tcp://ADDRESS:PORT"} for a network '
        "printer on this device's LAN")
CONSOLE = "test it from the device's console with `edge print-test --direct --url URL`"

Resolver = Callable[[str, int], list[str]]


@dataclass(frozen=True)
class PrintTestTarget:
    printer: str | None  # a configured printer: through its own queue
    url: str  # the url to open directly when printer is None


def is_lan_ip(text: str) -> bool:
    """True for an IP literal on a LAN: private (RFC 1918 / ULA), link-local or loopback."""
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in network for network in LAN_NETWORKS)


def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (the system resolver: DNS, /etc/hosts, mDNS)."""
    return sorted({info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)})


def print_test_target(printers: Mapping[str, PrinterConfig], name: str | None = None, url: str | None = None,
                      resolver: Resolver = resolve) -> PrintTestTarget:
    """Where the test page goes; Refused (4xx, field "printer" or "url") for anything else."""
    if name is not None:
        if name not in printers:
            raise Refused(404, "unknown_printer", f"no printer {name!r} is configured", "printer")
        return PrintTestTarget(name, printers[name].url)
    if not url:
        raise Refused(422, "bad_request", HELP, "url")
    configured = next((n for n, p in printers.items() if p.url.strip() == url.strip()), None)
    if configured is not None:
        return PrintTestTarget(configured, url)
    try:
        address = parse_printer_url(url)
    except ValueError as error:
        raise Refused(422, "bad_url", str(error), "url") from None
    if address.scheme != "tcp":
        raise Refused(403, "not_allowed", f"the API prints to {address.scheme}:// urls only through a configured "
                                          f"printer ({HELP}); {CONSOLE}", "url")
    if is_lan_ip(address.host):
        ip = address.host
    else:
        try:
            ipaddress.ip_address(address.host)
            found = [address.host]  # an IP literal that is not on the LAN
        except ValueError:
            try:
                found = resolver(address.host, address.port)
            except (OSError, UnicodeError) as error:
                raise Refused(422, "unknown_host", f"printer host {address.host!r} could not be found ({error})",
                              "url") from None
        if not found or not all(is_lan_ip(a) for a in found):
            raise Refused(403, "not_on_lan", f"{address.host} is not on this device's LAN "
                                             f"({', '.join(found) or 'no address'}): a print test goes only to "
                                             "private, link-local or loopback addresses", "url")
        ip = found[0]
    host = f"[{ip}]" if ":" in ip else ip
    return PrintTestTarget(None, f"tcp://{host}:{address.port}")
