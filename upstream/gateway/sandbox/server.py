"""A small threaded HTTP server on 127.0.0.1 for the sandboxes (stdlib http.server).

No access log (a sandbox sees payment codes in request bodies); `drop()` ends a connection
with a TCP reset and no answer (network loss).
"""

from __future__ import annotations

import io
import socket
import struct
import threading
from http.cookies import CookieError, SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    sandbox = None  # set per server class
    cookies_out: list[str]

    def cookie(self, name: str) -> str:
        """A cookie the browser sent ("" when none)."""
        jar = SimpleCookie()
        try:
            jar.load(self.headers.get("Cookie") or "")
        except CookieError:
            return ""
        return jar[name].value if name in jar else ""

    def set_cookie(self, name: str, value: str) -> None:
        """Sent with the answer (the sandbox page remembers which customer this phone is)."""
        self.cookies_out = [*getattr(self, "cookies_out", []), f"{name}={value}; Path=/; Max-Age=31536000; HttpOnly"]

    def _send_cookies(self) -> None:
        for cookie in getattr(self, "cookies_out", []):
            self.send_header("Set-Cookie", cookie)

    def log_message(self, format, *args) -> None:  # noqa: A002 - never log requests
        return

    def body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if 0 < length <= 1 << 20 else b""

    def answer(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self._send_cookies()
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, url: str) -> None:
        """302 to `url` (the browser goes back to the merchant)."""
        self.send_response(302)
        self._send_cookies()
        self.send_header("Location", url)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def html(self, status: int, body: bytes) -> None:
        self.answer(status, body, "text/html; charset=utf-8")

    def drop(self) -> None:
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.close_connection = True
        self.wfile = io.BytesIO()  # nothing is answered

    def do_POST(self) -> None:
        self.sandbox.handle(self)

    do_GET = do_POST


class SandboxServer:
    def __init__(self, sandbox, host: str = "127.0.0.1", port: int = 0):
        handler = type("BoundHandler", (Handler,), {"sandbox": sandbox})
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.1},
                                       name=f"sandbox-{type(sandbox).__name__}", daemon=True)

    def start(self) -> SandboxServer:
        self.thread.start()
        return self

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(2)
