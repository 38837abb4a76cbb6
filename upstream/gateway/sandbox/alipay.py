"""The Alipay-format sandbox: `POST /gateway.do` (form body or query string), RSA2 both ways.

Requests are verified with the calling app's public key over the sorted `k=v&...` string of all
parameters but `sign` (Alipay's rule); answers are `{"<method>_response": {...}, "sign": "..."}`
with the signature over the exact text of the response object, under the platform key.
Methods: alipay.trade.pay / query / cancel / refund. One server can host several app ids
(Alipay itself, and the acquirer route used for UnionPay codes).
"""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qsl

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from upstream.gateway.providers.base import fen, yuan
from upstream.gateway.sandbox.ledger import Ledger


class AlipaySandbox:
    def __init__(self, ledger: Ledger, platform_private_pem: str, apps: dict[str, str]):
        """apps: app_id -> the app's public key PEM."""
        self.ledger = ledger
        self.platform_key = serialization.load_pem_private_key(platform_private_pem.encode(), None)
        self.apps = {app: serialization.load_pem_public_key(pem.encode()) for app, pem in apps.items()}

    def _sign(self, text: str) -> str:
        return base64.b64encode(self.platform_key.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()

    def _reply(self, h, method: str, doc: dict) -> None:
        name = method.replace(".", "_") + "_response"
        inner = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
        body = '{"' + name + '":' + inner + ',"sign":"' + self._sign(inner) + '"}'
        h.answer(200, body.encode(), "application/json;charset=utf-8")

    def handle(self, h) -> None:
        raw = h.body().decode("utf-8", "replace") if h.command == "POST" else h.path.partition("?")[2]
        params = dict(parse_qsl(raw, keep_blank_values=True))
        method = params.get("method", "")
        key = self.apps.get(params.get("app_id", ""))
        if key is None:
            return self._reply(h, method or "error", {"code": "40002", "msg": "Invalid Arguments",
                                                      "sub_code": "isv.invalid-app-id", "sub_msg": "无效的AppID参数"})
        unsigned = "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k != "sign")
        try:
            key.verify(base64.b64decode(params.get("sign", "")), unsigned.encode(), padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, ValueError):
            return self._reply(h, method, {"code": "40002", "msg": "Invalid Arguments",
                                           "sub_code": "isv.invalid-signature", "sub_msg": "验签出错"})
        try:
            biz = json.loads(params.get("biz_content") or "{}")
        except ValueError:
            biz = {}
        out = str(biz.get("out_trade_no", ""))
        if method != "alipay.trade.pay" and self.ledger.dropping(out):
            return h.drop()
        action = {"alipay.trade.pay": self.pay, "alipay.trade.query": self.query,
                  "alipay.trade.cancel": self.cancel, "alipay.trade.refund": self.refund}.get(method)
        if action is None or not out:
            return self._reply(h, method or "error", {"code": "40004", "msg": "Business Failed",
                                                      "sub_code": "ACQ.INVALID_PARAMETER"})
        action(h, method, params["app_id"], out, biz)

    @staticmethod
    def _fail(sub_code: str, msg: str = "Business Failed", code: str = "40004") -> dict:
        return {"code": code, "msg": msg, "sub_code": sub_code, "sub_msg": sub_code}

    def pay(self, h, method, app, out, biz) -> None:
        amount = fen(biz.get("total_amount"))
        code = str(biz.get("auth_code", ""))
        if amount is None or amount <= 0 or biz.get("scene") != "bar_code" or not code:
            return self._reply(h, method, self._fail("ACQ.INVALID_PARAMETER"))
        result, t = self.ledger.pay(app, out, amount, code)
        del code
        if result == "drop":
            return h.drop()
        if result in ("success", "duplicate") and t and t.paid:
            return self._reply(h, method, {"code": "10000", "msg": "Success", "out_trade_no": out,
                                           "trade_no": t.trade_no, "total_amount": yuan(t.amount),
                                           "buyer_logon_id": "sandbox***@example.com"})
        if result in ("user_paying", "duplicate"):
            return self._reply(h, method, {"code": "10003", "msg": "order success pay inprocess",
                                           "out_trade_no": out})
        reply = {"system_error": self._fail("ACQ.SYSTEM_ERROR", "Service Currently Unavailable", "20000"),
                 "insufficient_funds": self._fail("ACQ.BUYER_BALANCE_NOT_ENOUGH"),
                 "code_expired": self._fail("ACQ.PAYMENT_AUTH_CODE_INVALID"),
                 "code_used": self._fail("ACQ.PAYMENT_AUTH_CODE_INVALID"),
                 "closed": self._fail("ACQ.TRADE_HAS_CLOSE")}[result]
        self._reply(h, method, reply)

    def query(self, h, method, app, out, biz) -> None:
        t = self.ledger.query(out)
        if t is None:
            return self._reply(h, method, self._fail("ACQ.TRADE_NOT_EXIST"))
        status = {"USERPAYING": "WAIT_BUYER_PAY", "SUCCESS": "TRADE_SUCCESS"}.get(t.state, "TRADE_CLOSED")
        self._reply(h, method, {"code": "10000", "msg": "Success", "out_trade_no": out, "trade_no": t.trade_no,
                                "trade_status": status, "total_amount": yuan(t.amount)})

    def cancel(self, h, method, app, out, biz) -> None:
        result = self.ledger.cancel(out)
        if result == "busy":
            return self._reply(h, method, {**self._fail("ACQ.SYSTEM_ERROR", "Service Currently Unavailable", "20000"),
                                           "retry_flag": "Y"})
        self._reply(h, method, {"code": "10000", "msg": "Success", "out_trade_no": out, "retry_flag": "N",
                                "action": "refund" if result == "refunded" else "close"})

    def refund(self, h, method, app, out, biz) -> None:
        amount = fen(biz.get("refund_amount"))
        result = self.ledger.refund(out, amount or 0, str(biz.get("out_request_no", out)))
        if result != "refunded":
            return self._reply(h, method, self._fail("ACQ.TRADE_STATUS_ERROR" if result == "not_paid"
                                                     else "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL"))
        self._reply(h, method, {"code": "10000", "msg": "Success", "out_trade_no": out, "fund_change": "Y",
                                "refund_fee": yuan(amount or 0)})
