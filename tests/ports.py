"""Free TCP ports on 127.0.0.1 for tests that start servers."""

from __future__ import annotations

import socket


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def free_port_block(count: int, avoid: tuple[int, ...] = ()) -> int:
    """The first of `count` consecutive ports that are all free now (e.g. one printer per station)."""
    for _ in range(200):
        base = free_port()
        if base + count > 65535 or any(port in avoid for port in range(base, base + count)):
            continue
        try:
            sockets = []
            for port in range(base, base + count):
                sock = socket.socket()
                sockets.append(sock)
                sock.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
    raise RuntimeError(f"no block of {count} free ports")
