"""The cashier's calls to upstream: voucher redemption, offline-redemption verdicts, code keys, and
the table view's sessions, 开台 / 清台, bill-paid notices and calls (edge/cashier/tables.py).

Signed like every device request (edge.sync.upstream_client.UpstreamClient, built from the enrollment
record and the device key). Short timeouts: a cashier waits at the counter; when upstream
cannot answer in time the voucher desk goes offline (signed codes only). `Offline` means "no
answer" (not enrolled, unreachable, 5xx, timeout), `Refused` carries upstream's 4xx answer.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import sqlite_utils

from edge.sync.upstream_client import UpstreamClient, UpstreamError
from edge.protocol.signing import load_private_key
from edge.sync.state import load_enrollment

CONNECT_TIMEOUT_S = 2.0
READ_TIMEOUT_S = 5.0


class Offline(Exception):
    """Upstream gave no usable answer; the caller may continue offline."""


class Refused(Exception):
    def __init__(self, status: int, code: str, message: str, body: dict):
        super().__init__(message)
        self.status, self.code, self.message, self.body = status, code, message, body


class UpstreamLink:
    def __init__(self, connect: Callable[[], sqlite_utils.Database], connect_timeout: float = CONNECT_TIMEOUT_S,
                 read_timeout: float = READ_TIMEOUT_S):
        """`connect`: opens a connection of its own to the device's store (Ledger.connect)."""
        self.connect = connect
        self.timeouts = {"connect_timeout": connect_timeout, "read_timeout": read_timeout}
        self._lock = threading.Lock()
        self._client = None
        self._ident = None

    def _get_client(self):
        db = self.connect()
        try:
            enrollment = load_enrollment(db)
        finally:
            db.close()
        if enrollment is None or enrollment.status != "enrolled":
            raise Offline("this device is not enrolled with an upstream")
        ident = (enrollment.device_id, enrollment.key_file, enrollment.upstream_url)
        with self._lock:
            if self._client is not None and self._ident == ident:
                return self._client
            try:
                key = load_private_key(Path(enrollment.key_file))
            except (OSError, ValueError) as exc:
                raise Offline(f"device key unusable: {exc}") from None
            if self._client is not None:
                self._client.close()
            self._client, self._ident = UpstreamClient(enrollment.upstream_url, enrollment.device_id, key,
                                                       **self.timeouts), ident
            return self._client

    def _call(self, method: str, path: str, doc: dict | None = None, etag: str | None = None):
        client = self._get_client()
        try:
            if method == "GET":
                return client.get(path, etag)
            return client.post_json(path, doc or {})
        except UpstreamError as error:
            if error.retryable or error.status is None:
                raise Offline(str(error)) from None
            err = error.body.get("error", {}) if isinstance(error.body, dict) else {}
            raise Refused(error.status, error.code or "refused", str(err.get("message") or error), err) from None

    def redeem(self, code: str, redemption_id: str, staff_id: str, order_id: str | None) -> dict:
        """POST /v1/vouchers/redeem: {"status": "redeemed", "redeemed_ms", ...}; Refused for
        already_used (409), expired (410), wrong_store / forged / malformed (422)."""
        return self._call("POST", "/v1/vouchers/redeem", {"code": code, "redemption_id": redemption_id,
                                                         "staff_id": staff_id, "order_id": order_id}).body

    def check(self, code: str) -> dict:
        """POST /v1/vouchers/check: upstream's view of a voucher without redeeming it."""
        return self._call("POST", "/v1/vouchers/check", {"code": code}).body

    def verdicts(self, redemption_ids: list[str]) -> dict[str, dict]:
        """POST /v1/vouchers/redemptions/status for offline redemptions: confirmed | conflict | unknown."""
        body = self._call("POST", "/v1/vouchers/redemptions/status", {"redemption_ids": redemption_ids}).body
        results = body.get("results")
        return results if isinstance(results, dict) else {}

    def code_keys(self, etag: str | None) -> tuple[dict | None, str | None]:
        """GET /v1/devices/me/code-keys: (doc, etag), doc None when unchanged (304)."""
        reply = self._call("GET", "/v1/devices/me/code-keys", etag=etag)
        if reply.status == 304:
            return None, etag
        return reply.body, reply.headers.get("ETag", "").strip('"') or None

    # -- table sessions (edge/cashier/tables.py) --------------------------------------------------------
    def tables(self) -> dict:
        """GET /v1/devices/me/tables: the open sessions of the store, their rounds, bill and calls."""
        return self._call("GET", "/v1/devices/me/tables").body

    def open_table(self, table: str) -> dict:
        return self._call("POST", f"/v1/devices/me/tables/{quote(table, safe='')}/open", {}).body

    def close_table(self, session_id: str, doc: dict) -> dict:
        return self._call("POST", f"/v1/devices/me/tables/{quote(session_id, safe='')}/close", doc).body

    def bill_paid(self, session_id: str, doc: dict) -> dict:
        return self._call("POST", f"/v1/devices/me/tables/{quote(session_id, safe='')}/bill-paid", doc).body

    def call_handled(self, call_id: str) -> dict:
        return self._call("POST", f"/v1/devices/me/calls/{quote(call_id, safe='')}/handled", {}).body

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None
