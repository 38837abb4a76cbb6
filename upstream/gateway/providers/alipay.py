"""Alipay (alipay.trade.pay / query / cancel / refund) on python-alipay-sdk, RSA2 both ways.

The SDK builds the request, signs it with the app's private key (RSA2 = SHA256withRSA) and
verifies the signature of every answer with Alipay's public key. One change: the SDK sends the
signed request as a GET query string (urllib); we POST it as a form body instead (what Alipay's
own SDKs do), through a requests session with explicit (connect, read) timeouts and no hidden
retries, so the payment code never sits in a URL. UnionPay codes take this adapter too, through
an acquirer that speaks the same wire format (docs/payments.md).

Codes: 10000 success, 10003 waiting for the user (password), 20000 system error (unknown),
40004 business failure (sub_code says why).

In-app (手机网站支付): `prepay` signs an alipay.trade.wap.pay request (no call: the phone's
browser takes it to Alipay, whose page opens the order) with time_expire, notify_url and
return_url; `close` is alipay.trade.close; `notice` verifies an asynchronous notify (RSA2 over
the sorted parameters but sign and sign_type, with Alipay's public key) and its app_id.
"""

from __future__ import annotations

from upstream.gateway.config import ProviderConfig
from urllib.parse import parse_qsl

from upstream.gateway.providers.base import (CLOSED, FAILED, NOT_FOUND, PREPARED, REFUND_NEEDED, REFUNDED, RETRY,
                                             SUCCESS, UNKNOWN, USER_PAYING, Notice, Outcome, beijing_time, describe,
                                             alipay_payer, fen, yuan)

FAILURES = {  # 40004 sub_code -> reason (definite: nothing was taken)
    "ACQ.BUYER_BALANCE_NOT_ENOUGH": "insufficient_funds",
    "ACQ.BUYER_BANKCARD_BALANCE_NOT_ENOUGH": "insufficient_funds",
    "ACQ.PAYMENT_AUTH_CODE_INVALID": "code_expired",
    "ACQ.AUTH_CODE_EXPIRED": "code_expired",
    "ACQ.TRADE_HAS_CLOSE": "cancelled",
    "ACQ.BUYER_ENABLE_STATUS_FORBID": "declined",
    "ACQ.PAYMENT_FAIL": "declined",
    "ACQ.BUYER_PAYMENT_AMOUNT_DAY_LIMIT_ERROR": "declined",
    "ACQ.ERROR_BUYER_CERTIFY_LEVEL_LIMIT": "declined",
    "ACQ.INVALID_PARAMETER": "provider_error",
    "ACQ.TOTAL_FEE_EXCEED": "provider_error",
}
UNKNOWN_40004 = ("ACQ.SYSTEM_ERROR", "ACQ.TRADE_HAS_SUCCESS")


class AlipayProvider:
    kind = "alipay"

    def __init__(self, cfg: ProviderConfig, connect_s: float, timeout_s: float):
        # the SDK loads only when an Alipay provider is configured
        import requests
        from alipay import AliPay
        from requests.adapters import HTTPAdapter
        from urllib3.util.retry import Retry

        self.name, self.url = cfg.name, cfg.url
        session = requests.Session()
        session.trust_env = False
        session.mount("http://", HTTPAdapter(max_retries=Retry(total=0, read=False)))
        session.mount("https://", HTTPAdapter(max_retries=Retry(total=0, read=False)))
        timeout = (connect_s, timeout_s)
        url = cfg.url

        class _PostingAliPay(AliPay):
            def verified_sync_response(self, data, response_type):
                body = self.sign_data(data).encode("utf-8")
                answer = session.post(url, data=body, timeout=timeout, allow_redirects=False,
                                      headers={"Content-Type": "application/x-www-form-urlencoded;charset=utf-8"})
                if answer.status_code != 200:
                    raise ConnectionError(f"HTTP {answer.status_code}")
                return self._verify_and_return_sync_response(answer.content.decode("utf-8"), response_type)

        s = cfg.settings
        self.app_id = s["app_id"]
        self.sdk = _PostingAliPay(appid=s["app_id"], app_notify_url=None, app_private_key_string=s["private_key"],
                                  alipay_public_key_string=s["platform_public_key"], sign_type="RSA2")

    def _call(self, method: str, *args, secret: str = "", **kwargs) -> dict | Outcome:
        try:
            return getattr(self.sdk, method)(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - network, bad signature, unsigned error answer: unknown
            return Outcome(UNKNOWN, note=describe(exc, secret))

    def pay(self, out_trade_no: str, amount: int, code: str, subject: str) -> Outcome:
        r = self._call("api_alipay_trade_pay", out_trade_no, "bar_code", code, subject, secret=code,
                       total_amount=yuan(amount))
        if isinstance(r, Outcome):
            return r
        c, sub = r.get("code"), r.get("sub_code", "")
        note = f"{c} {sub}".strip()
        if c == "10000":
            return Outcome(SUCCESS, trade_no=r.get("trade_no"), amount=fen(r.get("total_amount")), note=note,
                           payer=alipay_payer(r, self.app_id))
        if c == "10003":
            return Outcome(USER_PAYING, note=note)
        if c == "40004" and sub not in UNKNOWN_40004:
            return Outcome(FAILED, FAILURES.get(sub, "declined"), note=note)
        if c in ("40001", "40002", "40006"):
            return Outcome(FAILED, "provider_error", note=note)
        return Outcome(UNKNOWN, note=note)

    def query(self, out_trade_no: str) -> Outcome:
        r = self._call("api_alipay_trade_query", out_trade_no=out_trade_no)
        if isinstance(r, Outcome):
            return r
        c, sub, status = r.get("code"), r.get("sub_code", ""), r.get("trade_status", "")
        note = f"{c} {sub or status}".strip()
        if c == "10000":
            if status in ("TRADE_SUCCESS", "TRADE_FINISHED"):
                return Outcome(SUCCESS, trade_no=r.get("trade_no"), amount=fen(r.get("total_amount")), note=note,
                               payer=alipay_payer(r, self.app_id))
            if status == "WAIT_BUYER_PAY":
                return Outcome(USER_PAYING, note=note)
            if status == "TRADE_CLOSED":
                return Outcome(CLOSED, note=note)
        if c == "40004" and sub == "ACQ.TRADE_NOT_EXIST":
            return Outcome(NOT_FOUND, note=note)
        return Outcome(UNKNOWN, note=note)

    def cancel(self, out_trade_no: str) -> Outcome:
        r = self._call("api_alipay_trade_cancel", out_trade_no=out_trade_no)
        if isinstance(r, Outcome):
            return Outcome(RETRY, note=r.note)
        c, sub = r.get("code"), r.get("sub_code", "")
        note = f"{c} {sub} retry_flag={r.get('retry_flag', '')} action={r.get('action', '')}"
        if r.get("retry_flag") == "Y" or c != "10000":
            if c == "40004" and sub in ("ACQ.REASON_TRADE_BEEN_FREEZEN", "ACQ.REASON_ILLEGAL_STATUS",
                                        "ACQ.TRADE_CANCEL_TIME_OUT"):
                return Outcome(REFUND_NEEDED, note=note)
            return Outcome(RETRY, note=note)
        return Outcome(REFUNDED if r.get("action") == "refund" else CLOSED, note=note)

    def refund(self, out_trade_no: str, amount: int, refund_no: str, total: int | None = None) -> Outcome:
        r = self._call("api_alipay_trade_refund", yuan(amount), out_trade_no=out_trade_no, out_request_no=refund_no)
        if isinstance(r, Outcome):
            return Outcome(RETRY, note=r.note)
        c, sub = r.get("code"), r.get("sub_code", "")
        note = f"{c} {sub}".strip()
        if c == "10000":
            return Outcome(REFUNDED, note=note)
        if c == "40004" and sub not in ("ACQ.SYSTEM_ERROR",):
            return Outcome(FAILED, "provider_error", note=note)
        return Outcome(RETRY, note=note)

    # -- in-app --------------------------------------------------------------------------------
    def prepay(self, out_trade_no: str, amount: int, subject: str, notify_url: str, return_url: str,
               started_ms: int, expire_ms: int) -> Outcome:
        try:
            signed = self.sdk.api_alipay_trade_wap_pay(subject, out_trade_no, yuan(amount), return_url=return_url,
                                                       notify_url=notify_url, quit_url=return_url,
                                                       time_expire=beijing_time(expire_ms, "%Y-%m-%d %H:%M:%S"))
        except Exception as exc:  # noqa: BLE001 - a key that cannot sign
            return Outcome(FAILED, "provider_error", note=describe(exc))
        return Outcome(PREPARED, pay_url=f"{self.url}?{signed}", note="wap.pay signed")

    def close(self, out_trade_no: str) -> Outcome:
        r = self._call("api_alipay_trade_close", out_trade_no=out_trade_no)
        if isinstance(r, Outcome):
            return Outcome(RETRY, note=r.note)
        c, sub = r.get("code"), r.get("sub_code", "")
        note = f"{c} {sub}".strip()
        if c == "10000":
            return Outcome(CLOSED, note=note)
        if c == "40004" and sub == "ACQ.TRADE_NOT_EXIST":
            # the customer never opened the page; past its time_expire it can never be paid
            return Outcome(CLOSED, note=note)
        if c == "40004" and sub == "ACQ.TRADE_STATUS_ERROR":
            return Outcome(REFUND_NEEDED, note=note)  # paid (or finished): it cannot be closed
        return Outcome(RETRY, note=note)

    def notice(self, body: bytes, content_type: str) -> Notice | None:
        try:
            data = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True))
        except (UnicodeDecodeError, ValueError):
            return None
        signature = data.pop("sign", "")
        if not signature or data.get("app_id") != self.app_id or data.get("sign_type", "RSA2") != "RSA2":
            return None
        fields = dict(data)
        try:
            if not self.sdk.verify(fields, signature):
                return None
        except Exception:  # noqa: BLE001 - a signature that is not even base64
            return None
        status = data.get("trade_status", "")
        return Notice(data.get("out_trade_no", ""), fen(data.get("total_amount")),
                      status in ("TRADE_SUCCESS", "TRADE_FINISHED"), data.get("trade_no") or None, status,
                      alipay_payer(data, self.app_id, "buyer_id"))

    def notice_answer(self, ok: bool) -> tuple[bytes, str]:
        return (b"success" if ok else b"fail"), "text/plain; charset=utf-8"
