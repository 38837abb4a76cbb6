"""A fault-injecting proxy on 127.0.0.1 between the device and upstream (tests only).

It understands just enough HTTP/1.1 (Content-Length and chunked framing) to decide faults per
request on keep-alive connections, and logs every request (monotonic time, method, path, the
fault applied, the upstream status, whether the answer reported duplicates).

Faults (set with `proxy.set(fault, **params)`; `path=` limits a fault to a path prefix,
`p=` makes it happen with a probability, `times=` limits how often):
  pass            relay
  delay           wait `seconds` before relaying the response
  drop            read the request, close the connection without forwarding it
  reset           answer the connection with a TCP RST without forwarding
  hang            read the request and never answer (until the client gives up)
  drop_response   forward (upstream commits), then reset instead of answering
  error_after     forward (upstream commits), then answer `status` (500) instead
  retry_after     answer `status` (503) with Retry-After: `seconds`, without forwarding
  hold_response   forward, then hold the answer `seconds` before relaying (kill -9 window)
  slow            relay both ways at `bps` bytes per second
  duplicate       forward the request twice (upstream sees it twice), relay the second answer
"""

from __future__ import annotations

import random
import socket
import struct
import threading
import time
from dataclasses import dataclass, field


@dataclass
class Rule:
    fault: str = "pass"
    p: float = 1.0
    path: str = ""
    times: int | None = None
    params: dict = field(default_factory=dict)


class Closed(Exception):
    pass


def _recv_until(sock, buf: bytearray, marker: bytes, limit: int = 1 << 20) -> int:
    while True:
        at = buf.find(marker)
        if at >= 0:
            return at
        chunk = sock.recv(65536)
        if not chunk:
            raise Closed
        buf += chunk
        if len(buf) > limit:
            raise Closed


def _recv_exact(sock, buf: bytearray, n: int) -> bytes:
    while len(buf) < n:
        chunk = sock.recv(65536)
        if not chunk:
            raise Closed
        buf += chunk
    out = bytes(buf[:n])
    del buf[:n]
    return out


def read_message(sock, buf: bytearray, request: bool, method: str = "GET") -> tuple[bytes, str, str, int]:
    """One HTTP message: (raw bytes, method or '', path or '', status or 0)."""
    end = _recv_until(sock, buf, b"\r\n\r\n")
    head = _recv_exact(sock, buf, end + 4)
    lines = head.decode("latin-1").split("\r\n")
    first = lines[0].split(" ")
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    body = b""
    status = 0 if request else int(first[1])
    no_body = not request and (status in (204, 304) or 100 <= status < 200 or method == "HEAD")
    if not no_body:
        if headers.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while True:
                at = _recv_until(sock, buf, b"\r\n")
                size_line = _recv_exact(sock, buf, at + 2)
                size = int(size_line.split(b";")[0].strip(), 16)
                data = _recv_exact(sock, buf, size + 2)
                parts.append(size_line + data)
                if size == 0:
                    break
            body = b"".join(parts)
        else:
            body = _recv_exact(sock, buf, int(headers.get("content-length", "0")))
    return head + body, (first[0] if request else ""), (first[1] if request else ""), status


class FaultProxy:
    def __init__(self, target_port: int, seed: int = 1):
        self.target_port = target_port
        self.rng = random.Random(seed)
        self.rules: list[Rule] = []
        self.log: list[dict] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sockets: set[socket.socket] = set()
        self.thread = threading.Thread(target=self._accept, daemon=True, name="fault-proxy")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FaultProxy:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.listener.close()
        with self.lock:
            for s in list(self.sockets):
                self._close(s)

    def set(self, fault: str = "pass", *, p: float = 1.0, path: str = "", times: int | None = None,
            **params) -> None:
        """Replace all rules by one (fault 'pass' clears them)."""
        with self.lock:
            self.rules = [] if fault == "pass" else [Rule(fault, p, path, times, params)]

    def add(self, fault: str, *, p: float = 1.0, path: str = "", times: int | None = None, **params) -> None:
        with self.lock:
            self.rules.append(Rule(fault, p, path, times, params))

    def requests(self, path: str = "") -> list[dict]:
        with self.lock:
            return [e for e in self.log if e["path"].startswith(path)]

    # -- internals ---------------------------------------------------------------------------
    def _decide(self, path: str) -> Rule:
        with self.lock:
            for rule in self.rules:
                if rule.path and not path.startswith(rule.path):
                    continue
                if rule.times is not None and rule.times <= 0:
                    continue
                if self.rng.random() < rule.p:
                    if rule.times is not None:
                        rule.times -= 1
                    return rule
        return Rule()

    def _track(self, s):
        with self.lock:
            self.sockets.add(s)
        return s

    def _close(self, s, rst: bool = False) -> None:
        try:
            if rst:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            s.close()
        except OSError:
            pass
        self.sockets.discard(s)

    def _send(self, sock, data: bytes, bps: int | None) -> None:
        if not bps:
            sock.sendall(data)
            return
        step = max(1, bps // 10)
        for i in range(0, len(data), step):
            if self.stopping.is_set():
                raise Closed
            sock.sendall(data[i:i + step])
            time.sleep(0.1)

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self._track(client)
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client) -> None:
        upstream = None
        cbuf, ubuf = bytearray(), bytearray()
        try:
            while not self.stopping.is_set():
                try:
                    raw, method, path, _ = read_message(client, cbuf, request=True)
                except (Closed, OSError):
                    return
                rule = self._decide(path)
                entry = {"t": time.monotonic(), "method": method, "path": path, "fault": rule.fault,
                         "status": None, "duplicates": False}
                with self.lock:
                    self.log.append(entry)
                fault, params = rule.fault, rule.params
                bps = params.get("bps") if fault == "slow" else None
                if fault == "reset":
                    self._close(client, rst=True)
                    return
                if fault == "drop":
                    self._close(client)
                    return
                if fault == "hang":
                    while not self.stopping.is_set():
                        client.settimeout(0.2)
                        try:
                            if client.recv(65536) == b"":
                                return
                        except TimeoutError:
                            continue
                        except OSError:
                            return
                    return
                if fault == "retry_after":
                    status = params.get("status", 503)
                    body = b'{"error":{"code":"unavailable","message":"try later","field":null}}'
                    client.sendall((f"HTTP/1.1 {status} Unavailable\r\nRetry-After: {params.get('seconds', 1)}\r\n"
                                    f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
                                    "Connection: close\r\n\r\n").encode() + body)
                    entry["status"] = status
                    self._close(client)
                    return
                if upstream is None:
                    upstream = self._track(socket.create_connection(("127.0.0.1", self.target_port)))
                self._send(upstream, raw, bps)
                answer, _, _, status = read_message(upstream, ubuf, request=False, method=method)
                if fault == "duplicate":  # the same request again, as a retry whose first answer was lost
                    self._send(upstream, raw, None)
                    answer, _, _, status = read_message(upstream, ubuf, request=False, method=method)
                entry["status"] = status
                entry["duplicates"] = b'"duplicate"' in answer
                if fault == "drop_response":
                    self._close(client, rst=True)
                    return
                if fault == "error_after":
                    code = params.get("status", 500)
                    body = b'{"error":{"code":"internal","message":"internal error","field":null}}'
                    client.sendall((f"HTTP/1.1 {code} Internal Server Error\r\nContent-Type: application/json\r\n"
                                    f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body)
                    self._close(client)
                    return
                if fault in ("delay", "hold_response"):
                    if self.stopping.wait(params.get("seconds", 1.0)):
                        return
                self._send(client, answer, bps)
        except (Closed, OSError):
            return
        finally:
            self._close(client)
            if upstream is not None:
                self._close(upstream)
