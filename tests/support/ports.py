"""Free TCP ports on 127.0.0.1 for tests that start servers on a port chosen before the server.

Ports come from a range of this test process alone (pytest-xdist worker gw0, gw1, ... each get
their own), below the kernel's ephemeral range (32768-60999 on Linux), so neither another
worker nor an outgoing connection takes a port between the test choosing it and the server
binding it. Each port is checked free by binding it, and never handed out twice per process.
"""

from __future__ import annotations

import os
import random
import socket

FIRST, SPAN, SLOTS = 20000, 500, 24  # ports 20000-31999: 24 ranges of 500


def _worker_slot() -> int:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")  # "gw3"; absent without xdist
    return int(worker[2:]) + 1 if worker[2:].isdigit() else 0


_base = FIRST + (_worker_slot() % SLOTS) * SPAN
_next = random.Random(os.getpid()).randrange(SPAN)  # two test runs at once start at different places


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port_block(count: int, avoid: tuple[int, ...] = ()) -> int:
    """The first of `count` consecutive ports that are all free now (e.g. one printer per station)."""
    global _next
    for _ in range(SPAN):
        if _next + count > SPAN:
            _next = 0
        start = _base + _next
        _next += count
        ports = range(start, start + count)
        if not any(port in avoid for port in ports) and all(_bindable(port) for port in ports):
            return start
    raise RuntimeError(f"no block of {count} free ports in {_base}-{_base + SPAN - 1}")


def free_port() -> int:
    return free_port_block(1)
