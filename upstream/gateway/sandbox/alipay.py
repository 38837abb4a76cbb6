"""The Alipay-format sandbox: `POST /gateway.do` (form body or query string), RSA2 both ways.

Requests are verified with the calling app's public key over the sorted `k=v&...` string of all
parameters but `sign` (Alipay's rule); answers are `{"<method>_response": {...}, "sign": "..."}`
with the signature over the exact text of the response object, under the platform key.
Methods: alipay.trade.pay / query / cancel / refund / close. One server can host several app ids
(Alipay itself, and the acquirer route used for UnionPay codes).

In-app (手机网站支付): the merchant signs an alipay.trade.wap.pay request and sends the phone's
browser to `/gateway.do?<signed query>`; the signature is checked, the order opened (until its
biz_content.time_expire, "yyyy-MM-dd HH:mm:ss" Beijing time) and the confirmation page shown.
On 确认付款 (`POST /cashier/confirm`) the books charge it, the asynchronous notify (form POST,
RSA2 over the sorted parameters but sign and sign_type, trade_status=TRADE_SUCCESS) goes to the
order's notify_url until it answers `success`, and the browser is redirected to return_url
with the signed synchronous return parameters.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qsl, urlencode

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from upstream.gateway.providers.base import fen, yuan
from upstream.gateway.sandbox.cashier import confirm_page, page_customer, result_page
from upstream.gateway.sandbox.ledger import Ledger, alipay_logon_id, alipay_user_id
from upstream.gateway.sandbox.notifier import Notifier

BEIJING = timezone(timedelta(hours=8))
GONE = "订单已超时或已关闭"
SELLER_ID = "2088000000000001"
DEFAULT_EXPIRE_S = 15 * 24 * 3600  # Alipay's default timeout_express: 15 days


def expire_time(text: str) -> float | None:
    """Alipay's time_expire ("yyyy-MM-dd HH:mm:ss", Beijing time) as epoch seconds."""
    try:
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=BEIJING).timestamp()
    except (TypeError, ValueError):
        return None


class AlipaySandbox:
    def __init__(self, ledger: Ledger, platform_private_pem: str, apps: dict[str, str],
                 notifier: Notifier | None = None):
        """apps: app_id -> the app's public key PEM."""
        self.ledger = ledger
        self.notifier = notifier or Notifier(ledger, ledger.timings.notify_retry_s)
        self.platform_key = serialization.load_pem_private_key(platform_private_pem.encode(), None)
        self.apps = {app: serialization.load_pem_public_key(pem.encode()) for app, pem in apps.items()}

    def _sign(self, text: str) -> str:
        return base64.b64encode(self.platform_key.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()

    def _reply(self, h, method: str, doc: dict) -> None:
        name = method.replace(".", "_") + "_response"
        inner = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
        body = '{"' + name + '":' + inner + ',"sign":"' + self._sign(inner) + '"}'
        h.answer(200, body.encode(), "application/json;charset=utf-8")

    def _signed_params(self, fields: dict) -> dict:
        """`fields` + sign: RSA2 over the sorted `k=v` of every field but sign and sign_type (notify, return)."""
        unsigned = "&".join(f"{k}={v}" for k, v in sorted(fields.items()) if k not in ("sign", "sign_type") and v != "")
        return {**fields, "sign": self._sign(unsigned)}

    def handle(self, h) -> None:
        if h.path.partition("?")[0] == "/cashier/confirm" and h.command == "POST":
            return self.confirm(h)
        raw = h.body().decode("utf-8", "replace") if h.command == "POST" else h.path.partition("?")[2]
        params = dict(parse_qsl(raw, keep_blank_values=True))
        method = params.get("method", "")
        page = method == "alipay.trade.wap.pay"  # a browser: answered with a page, not JSON
        key = self.apps.get(params.get("app_id", ""))
        if key is None:
            if page:
                return h.html(400, result_page("alipay", "错误", "isv.invalid-app-id 无效的AppID参数"))
            return self._reply(h, method or "error", {"code": "40002", "msg": "Invalid Arguments",
                                                      "sub_code": "isv.invalid-app-id", "sub_msg": "无效的AppID参数"})
        unsigned = "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k != "sign")
        try:
            key.verify(base64.b64decode(params.get("sign", "")), unsigned.encode(), padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, ValueError):
            if page:
                return h.html(400, result_page("alipay", "错误", "isv.invalid-signature 验签出错"))
            return self._reply(h, method, {"code": "40002", "msg": "Invalid Arguments",
                                           "sub_code": "isv.invalid-signature", "sub_msg": "验签出错"})
        try:
            biz = json.loads(params.get("biz_content") or "{}")
        except ValueError:
            biz = {}
        out = str(biz.get("out_trade_no", ""))
        if method != "alipay.trade.pay" and self.ledger.dropping(out):
            return h.drop()
        if page:
            return self.wap_pay(h, params, out, biz)
        action = {"alipay.trade.pay": self.pay, "alipay.trade.query": self.query,
                  "alipay.trade.cancel": self.cancel, "alipay.trade.refund": self.refund,
                  "alipay.trade.close": self.close}.get(method)
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
                                           **self.payer(t)})
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
                                "trade_status": status, "total_amount": yuan(t.amount),
                                **(self.payer(t) if t.paid else {})})

    @staticmethod
    def payer(t, notify: bool = False) -> dict:
        """Who paid, as Alipay says it: buyer_user_id (buyer_id in a notify) and the masked
        buyer_logon_id. A UnionPay code through the acquirer route names nobody."""
        if not t.customer:
            return {}
        return {"buyer_id" if notify else "buyer_user_id": alipay_user_id(t.customer),
                "buyer_logon_id": alipay_logon_id(t.customer)}

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

    def close(self, h, method, app, out, biz) -> None:
        result = self.ledger.close(out)
        if result == "not_found":
            return self._reply(h, method, self._fail("ACQ.TRADE_NOT_EXIST"))
        if result == "paid":
            return self._reply(h, method, self._fail("ACQ.TRADE_STATUS_ERROR"))
        self._reply(h, method, {"code": "10000", "msg": "Success", "out_trade_no": out,
                                "trade_no": self.ledger.trades[out].trade_no})

    # -- in-app: the phone's browser --------------------------------------------------------------
    def wap_pay(self, h, params: dict, out: str, biz: dict) -> None:
        amount, subject = fen(biz.get("total_amount")), str(biz.get("subject", ""))[:256]
        if not out or amount is None or amount <= 0 or not subject:
            return h.html(400, result_page("alipay", "错误", "ACQ.INVALID_PARAMETER 参数无效"))
        expire_at = expire_time(biz.get("time_expire")) if biz.get("time_expire") else time.time() + DEFAULT_EXPIRE_S
        if expire_at is None:
            return h.html(400, result_page("alipay", "错误", "ACQ.INVALID_PARAMETER time_expire 格式错误"))
        notify_url, return_url = params.get("notify_url", ""), params.get("return_url", "")
        fp = hashlib.sha256(json.dumps([params["app_id"], amount, subject, notify_url, return_url,
                                        biz.get("time_expire", "")]).encode()).hexdigest()
        result, t = self.ledger.open_inapp(params["app_id"], out, amount, subject, notify_url, return_url,
                                           expire_at, fp)
        if result == "inconsistent":
            return h.html(400, result_page("alipay", "错误", "ACQ.CONTEXT_INCONSISTENT 交易信息被篡改"))
        if result in ("closed", "expired"):
            return h.html(200, result_page("alipay", "交易已关闭", GONE + "，请回到商家重新下单", return_url or None))
        if t.paid:
            return h.html(200, result_page("alipay", "已付款", "这笔订单已经付过了", return_url or None))
        h.html(200, confirm_page("alipay", "/cashier/confirm", t.page_token, t.subject, t.amount, page_customer(h)))

    def confirm(self, h) -> None:
        form = dict(parse_qsl(h.body().decode("utf-8", "replace"), keep_blank_values=True))
        t = self.ledger.by_page(form.get("token", ""))
        if t is None:
            return h.html(404, result_page("alipay", "找不到订单", "这个付款页面已失效"))
        if form.get("choice") != "pay":
            if t.return_url:
                return h.redirect(t.return_url)
            return h.html(200, result_page("alipay", "已取消", "没有付款"))
        result, t = self.ledger.confirm(form.get("token", ""), form.get("customer", ""))
        if result == "closed":
            return h.html(200, result_page("alipay", "交易已关闭", GONE + "，没有付款", t.return_url or None))
        if result == "paid" and t.notify_url:
            self.notify(t)
        if not t.return_url:
            return h.html(200, result_page("alipay", "付款成功", f"¥{yuan(t.amount)}"))
        h.redirect(t.return_url + ("&" if "?" in t.return_url else "?") + urlencode(self._signed_params({
            "charset": "utf-8", "out_trade_no": t.out_trade_no, "method": "alipay.trade.wap.pay.return",
            "total_amount": yuan(t.amount), "trade_no": t.trade_no, "auth_app_id": t.app, "version": "1.0",
            "app_id": t.app, "sign_type": "RSA2", "seller_id": SELLER_ID,
            "timestamp": datetime.now(BEIJING).strftime("%Y-%m-%d %H:%M:%S")})))

    def notify_body(self, t) -> bytes:
        now = datetime.now(BEIJING).strftime("%Y-%m-%d %H:%M:%S")
        return urlencode(self._signed_params({
            "notify_time": now, "notify_type": "trade_status_sync", "notify_id": secrets.token_hex(16),
            "app_id": t.app, "charset": "utf-8", "version": "1.0", "sign_type": "RSA2", "trade_no": t.trade_no,
            "out_trade_no": t.out_trade_no, "seller_id": SELLER_ID, "trade_status": "TRADE_SUCCESS",
            "total_amount": yuan(t.amount), "receipt_amount": yuan(t.amount), "buyer_pay_amount": yuan(t.amount),
            "subject": t.subject, "gmt_create": now, "gmt_payment": now, **self.payer(t, notify=True)})).encode()

    def notify(self, t) -> None:
        self.notifier.send(t.out_trade_no, t.notify_url, self.notify_body(t), "application/x-www-form-urlencoded;"
                           " charset=utf-8", lambda answer: answer.strip() == b"success")
