"""Signed requests to the upstream gateway (the only module of edge.payments that imports requests).

Like edge/sync/upstream_client.py: explicit (connect, read) timeouts, no hidden retries, every request
signed (edge.protocol.signing), one correction of the clock offset on a `clock_skew` answer. What is
different: a failed request says whether it surely never reached the upstream (`not_sent`: the
connection could not be made), which the payment flow needs to know; and the request body (it
carries the payment code) is never part of an error.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import requests

from edge.sync.upstream_client import new_session
from edge.protocol.signing import load_private_key, sign_headers
from edge.sync.state import load_enrollment

CONNECT_TIMEOUT_S = 3.05


class GatewayError(Exception):
    def __init__(self, message: str, status: int | None = None, code: str | None = None, body: dict | None = None,
                 not_sent: bool = False):
        super().__init__(message)
        self.status, self.code, self.body, self.not_sent = status, code, body or {}, not_sent

    @property
    def refused(self) -> bool:
        """The gateway answered and did not take the request (nothing was charged by it)."""
        return self.status is not None and 400 <= self.status < 500 and self.status not in (408, 429)


class GatewayClient:
    def __init__(self, base_url: str, device_id: str, key, connect_timeout: float = CONNECT_TIMEOUT_S):
        self.base_url = base_url.rstrip("/")
        self.device_id, self.key, self.connect_timeout = device_id, key, connect_timeout
        self.session = new_session()
        self.clock_offset_ms = 0

    @classmethod
    def for_enrollment(cls, enrollment, key_cache: dict) -> GatewayClient:
        ident = (enrollment.key_file, enrollment.device_id)
        if key_cache.get("ident") != ident:
            key_cache.update(ident=ident, key=load_private_key(Path(enrollment.key_file)))
        return cls(enrollment.upstream_url, enrollment.device_id, key_cache["key"])

    def close(self) -> None:
        self.session.close()

    def request(self, method: str, path: str, body: bytes = b"", read_timeout: float = 10.0) -> dict:
        for attempt in (1, 2):
            now = time.time_ns() // 1_000_000 + self.clock_offset_ms
            headers = {"Content-Type": "application/json",
                       **sign_headers(self.key, self.device_id, method, path, body, now)}
            try:
                response = self.session.request(method, self.base_url + path, data=body or None, headers=headers,
                                                timeout=(self.connect_timeout, read_timeout), allow_redirects=False)
            except requests.RequestException as exc:
                self.session.close()
                self.session = new_session()
                not_sent = isinstance(exc, requests.ConnectTimeout) or "NewConnectionError" in repr(exc.args)
                raise GatewayError(f"upstream unreachable ({type(exc).__name__})", not_sent=not_sent) from None
            try:
                doc = response.json() if response.content else {}
            except ValueError:
                doc = {}
            if response.status_code < 400:
                return doc if isinstance(doc, dict) else {}
            err = doc.get("error") if isinstance(doc, dict) and isinstance(doc.get("error"), dict) else {}
            code = err.get("code") or f"http_{response.status_code}"
            if code == "clock_skew" and attempt == 1 and isinstance(err.get("server_time_ms"), int):
                self.clock_offset_ms = err["server_time_ms"] - time.time_ns() // 1_000_000
                continue
            raise GatewayError(f"upstream answered {response.status_code} {code}: {err.get('message', '')}"[:300],
                               response.status_code, code, doc if isinstance(doc, dict) else {})
        raise AssertionError("unreachable")

    # -- the gateway API ---------------------------------------------------------------------------
    def put_attempt(self, attempt: dict, code: str, subject: str, read_timeout: float) -> dict:
        body = json.dumps({"order_id": attempt["order_id"], "out_trade_no": attempt["out_trade_no"],
                           "amount": attempt["amount"], "channel": attempt["channel"], "subject": subject,
                           "code": code}, separators=(",", ":"), ensure_ascii=False).encode()
        try:
            return self.request("PUT", f"/v1/payment-attempts/{attempt['attempt_id']}", body, read_timeout)
        finally:
            del body

    def get_attempt(self, attempt_id: str, after: int = 0, wait: float = 0.0) -> dict:
        return self.request("GET", f"/v1/payment-attempts/{attempt_id}?after={after}&wait={wait:g}",
                            read_timeout=wait + 10.0)

    def abandon(self, attempt: dict, reason: str) -> dict:
        body = json.dumps({"order_id": attempt["order_id"], "out_trade_no": attempt["out_trade_no"],
                           "reason": reason}, separators=(",", ":")).encode()
        return self.request("POST", f"/v1/payment-attempts/{attempt['attempt_id']}/abandon", body)

    def query(self, attempt_id: str) -> dict:
        return self.request("POST", f"/v1/payment-attempts/{attempt_id}/query", b"{}", read_timeout=15.0)

    def refund(self, attempt_id: str, refund_id: str, amount: int, reason: str) -> dict:
        body = json.dumps({"refund_id": refund_id, "amount": amount, "reason": reason}, separators=(",", ":"),
                          ensure_ascii=False).encode()
        return self.request("POST", f"/v1/payment-attempts/{attempt_id}/refunds", body, read_timeout=20.0)


def enrolled_gateway(ledger, key_cache: dict) -> GatewayClient | None:
    """A client for this device's gateway; None when the device is not enrolled or its key is unusable.
    `key_cache`: the caller's dict that keeps the loaded device key between calls."""
    with ledger.reading() as db:
        enrollment = load_enrollment(db)
    if enrollment is None or enrollment.status != "enrolled":
        return None
    try:
        return GatewayClient.for_enrollment(enrollment, key_cache)
    except (OSError, ValueError):
        return None
