"""The upstream HTTP client (the only module of edge.sync that imports requests).

Explicit (connect, read) timeouts on every request; urllib3 retries are switched off
(Retry(total=0)), so every retry is a decision of the sync worker, with its backoff.
Every request is signed (edge.protocol.signing). A 401 `clock_skew` answer carries the server's
time: the client corrects its offset and signs again, once.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass

import requests
from requests.adapters import HTTPAdapter
from urllib3.poolmanager import pool_classes_by_scheme
from urllib3.util.retry import Retry

from edge.protocol.signing import sign_headers
from edge.sync.backoff import parse_retry_after

CONNECT_TIMEOUT_S = 3.05
READ_TIMEOUT_S = 15.0


class UpstreamError(Exception):
    """Any failed exchange. `retryable`: try again later (network, 5xx, 429)."""

    def __init__(self, message: str, status: int | None = None, code: str | None = None,
                 retry_after: float | None = None, body: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.retry_after, self.body = status, code, retry_after, body or {}

    @property
    def retryable(self) -> bool:
        return self.status is None or self.status >= 500 or self.status in (408, 429)

    @property
    def auth(self) -> bool:
        return self.status in (401, 403)


class CuttableAdapter(HTTPAdapter):
    """An adapter that knows its connections waiting for an answer, so that another thread can cut
    them (a worker stopping while its long poll waits on the upstream)."""

    def __init__(self, **kw):
        self.waiting: set = set()
        self.waiting_lock = threading.Lock()
        self.cut_off = False  # cut: no request starts on this adapter any more (the worker is stopping)
        super().__init__(**kw)

    def init_poolmanager(self, *args, **kw) -> None:
        super().init_poolmanager(*args, **kw)
        self.poolmanager.pool_classes_by_scheme = {scheme: self._tracked(pool_cls)
                                                   for scheme, pool_cls in pool_classes_by_scheme.items()}

    def _tracked(self, pool_cls):
        adapter = self

        class TrackedPool(pool_cls):
            def _make_request(self, conn, *args, **kw):
                with adapter.waiting_lock:
                    if adapter.cut_off:  # cut between two requests: the next one must not wait either
                        raise ConnectionAbortedError("the sync worker is stopping")
                    adapter.waiting.add(conn)
                try:
                    return super()._make_request(conn, *args, **kw)
                finally:
                    with adapter.waiting_lock:
                        adapter.waiting.discard(conn)

        return TrackedPool

    def cut(self) -> None:
        """Shut the sockets of the requests in flight: they fail at once instead of waiting; a
        request started afterwards fails at once too."""
        with self.waiting_lock:
            self.cut_off = True
            sockets = [conn.sock for conn in self.waiting if getattr(conn, "sock", None) is not None]
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed


def new_session() -> requests.Session:
    session = requests.Session()
    adapter = CuttableAdapter(max_retries=Retry(total=0, connect=0, read=0, redirect=0, status=0, other=0,
                                                raise_on_status=False), pool_maxsize=4)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def error_from(response: requests.Response) -> UpstreamError:
    try:
        body = response.json()
    except ValueError:
        body = {}
    err = body.get("error") if isinstance(body, dict) and isinstance(body.get("error"), dict) else {}
    code = err.get("code") or f"http_{response.status_code}"
    message = err.get("message") or (response.text[:200].strip() or response.reason)
    return UpstreamError(f"upstream answered {response.status_code} {code}: {message}", response.status_code,
                         code, parse_retry_after(response.headers.get("Retry-After")), body)


@dataclass
class Reply:
    status: int
    body: dict
    headers: dict


class UpstreamClient:
    def __init__(self, base_url: str, device_id: str, key, connect_timeout: float = CONNECT_TIMEOUT_S,
                 read_timeout: float = READ_TIMEOUT_S):
        self.base_url = base_url.rstrip("/")
        self.device_id, self.key = device_id, key
        self.timeout = (connect_timeout, read_timeout)
        self.session = new_session()
        self.clock_offset_ms = 0

    def close(self) -> None:
        self.session.close()

    def cut(self) -> None:
        """From another thread: the request in flight (a long poll) fails now with UpstreamError."""
        adapter = self.session.get_adapter(self.base_url)
        if isinstance(adapter, CuttableAdapter):
            adapter.cut()

    def request(self, method: str, path: str, body: bytes = b"", headers: dict | None = None,
                read_timeout: float | None = None) -> Reply:
        timeout = (self.timeout[0], read_timeout or self.timeout[1])
        for attempt in (1, 2):
            prepared = requests.Request(method, self.base_url + path, data=body or None,
                                        headers={"Content-Type": "application/json", **(headers or {})}).prepare()
            now = time.time_ns() // 1_000_000 + self.clock_offset_ms
            prepared.headers.update(sign_headers(self.key, self.device_id, method, prepared.path_url, body, now))
            try:
                response = self.session.send(prepared, timeout=timeout, allow_redirects=False)
            except requests.RequestException as exc:
                self.session.close()  # never reuse a connection in an unknown state
                self.session = new_session()
                raise UpstreamError(f"upstream unreachable: {type(exc).__name__}: {exc}") from None
            if response.status_code < 400 or response.status_code == 304:
                try:
                    parsed = response.json() if response.content else {}
                except ValueError:
                    raise UpstreamError(f"upstream answered {response.status_code} with a body that is not JSON",
                                        502) from None
                return Reply(response.status_code, parsed if isinstance(parsed, dict) else {}, response.headers)
            error = error_from(response)
            server_ms = error.body.get("error", {}).get("server_time_ms") if error.body else None
            if error.code == "clock_skew" and attempt == 1 and isinstance(server_ms, int):
                self.clock_offset_ms = server_ms - time.time_ns() // 1_000_000
                continue
            raise error
        raise AssertionError("unreachable")

    def ingest(self, body: bytes) -> Reply:
        return self.request("POST", "/v1/ingest", body)

    def get(self, path: str, etag: str | None = None, read_timeout: float | None = None) -> Reply:
        return self.request("GET", path, headers={"If-None-Match": f'"{etag}"'} if etag else None,
                            read_timeout=read_timeout)

    def post_json(self, path: str, doc: dict) -> Reply:
        return self.request("POST", path, json.dumps(doc, separators=(",", ":")).encode())
