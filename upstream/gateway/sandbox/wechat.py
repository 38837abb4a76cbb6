"""The WeChat Pay v2 sandbox: XML over POST, HMAC-SHA256 signatures both ways.

Paths: /pay/micropay, /pay/orderquery, /secapi/pay/reverse, /secapi/pay/refund, /pay/unifiedorder,
/pay/closeorder. A request whose signature does not verify gets return_code FAIL (unsigned, as
WeChat does). Every other answer is signed with the merchant's API key: sorted non-empty
`k=v&...&key=KEY`, HMAC-SHA256, upper hex.

In-app (H5 支付): `/pay/unifiedorder` with trade_type=MWEB opens the order (until time_expire,
yyyyMMddHHmmss Beijing time) and answers prepay_id and mweb_url; the merchant sends the phone's
browser to mweb_url + `&redirect_url=...`, which shows the confirmation page. On 确认付款
(`POST /cgi-bin/mmpayweb-bin/confirm`) the books charge it, the signed XML notify goes to the
order's notify_url until it answers return_code SUCCESS, and the browser goes to redirect_url.
The same out_trade_no with the same parameters answers the same prepay_id; with others,
OUT_TRADE_NO_USED.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qsl

from xml.etree import ElementTree

from upstream.gateway.sandbox.cashier import confirm_page, page_customer, result_page
from upstream.gateway.sandbox.ledger import Ledger, wechat_openid, wechat_subscribed
from upstream.gateway.sandbox.notifier import Notifier

BEIJING = timezone(timedelta(hours=8))
DEFAULT_EXPIRE_S = 2 * 3600  # WeChat Pay's default: an unpaid order closes after 2 hours
PAGE, CONFIRM = "/cgi-bin/mmpayweb-bin/checkmweb", "/cgi-bin/mmpayweb-bin/confirm"


def expire_time(text: str) -> float | None:
    """WeChat Pay's time_expire (yyyyMMddHHmmss, Beijing time) as epoch seconds."""
    try:
        return datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=BEIJING).timestamp()
    except (TypeError, ValueError):
        return None


def hmac_sign(fields: dict, key: str) -> str:
    text = "&".join(f"{k}={fields[k]}" for k in sorted(fields) if fields[k] not in ("", None)) + f"&key={key}"
    return hmac.new(key.encode(), text.encode(), hashlib.sha256).hexdigest().upper()


def to_xml(fields: dict) -> bytes:
    parts = ["<xml>"] + [f"<{k}><![CDATA[{v}]]></{k}>" for k, v in fields.items()] + ["</xml>"]
    return "".join(parts).encode()


def from_xml(body: bytes) -> dict:
    root = ElementTree.fromstring(body)  # stdlib parser: no external entities are fetched
    return {child.tag: (child.text or "") for child in root}


class WechatSandbox:
    def __init__(self, ledger: Ledger, merchants: dict[str, str], appid: str, notifier: Notifier | None = None):
        """merchants: mch_id -> API key."""
        self.ledger, self.merchants, self.appid = ledger, merchants, appid
        self.notifier = notifier or Notifier(ledger, ledger.timings.notify_retry_s)

    def _reply(self, h, mch_id: str, fields: dict) -> None:
        key = self.merchants[mch_id]
        doc = {"return_code": "SUCCESS", "return_msg": "OK", "appid": self.appid, "mch_id": mch_id,
               "nonce_str": secrets.token_hex(8), **fields}
        doc["sign"] = hmac_sign(doc, key)
        h.answer(200, to_xml(doc), "text/xml")

    def handle(self, h) -> None:
        path = h.path.partition("?")[0]
        if path == PAGE and h.command == "GET":
            return self.page(h)
        if path == CONFIRM and h.command == "POST":
            return self.confirm(h)
        try:
            req = from_xml(h.body())
        except ElementTree.ParseError:
            return h.answer(200, to_xml({"return_code": "FAIL", "return_msg": "XML_FORMAT_ERROR"}), "text/xml")
        mch_id = req.get("mch_id", "")
        key = self.merchants.get(mch_id)
        fields = {k: v for k, v in req.items() if k != "sign"}
        if key is None or req.get("sign_type") != "HMAC-SHA256" or hmac_sign(fields, key) != req.get("sign"):
            return h.answer(200, to_xml({"return_code": "FAIL", "return_msg": "签名错误"}), "text/xml")
        out = req.get("out_trade_no", "")
        path = h.path.rstrip("/")
        if path != "/pay/micropay" and self.ledger.dropping(out):
            return h.drop()
        action = {"/pay/micropay": self.micropay, "/pay/orderquery": self.orderquery,
                  "/secapi/pay/reverse": self.reverse, "/secapi/pay/refund": self.refund,
                  "/pay/unifiedorder": self.unifiedorder, "/pay/closeorder": self.closeorder}.get(path)
        if action is None or not out:
            return self._reply(h, mch_id, {"result_code": "FAIL", "err_code": "PARAM_ERROR",
                                           "err_code_des": "参数错误"})
        action(h, mch_id, out, req)

    @staticmethod
    def _fail(err: str, des: str = "") -> dict:
        return {"result_code": "FAIL", "err_code": err, "err_code_des": des or err}

    def micropay(self, h, mch_id, out, req) -> None:
        fee, code = req.get("total_fee", ""), req.get("auth_code", "")
        if not fee.isdigit() or int(fee) <= 0 or not code:
            return self._reply(h, mch_id, self._fail("PARAM_ERROR"))
        result, t = self.ledger.pay(mch_id, out, int(fee), code)
        del code
        req.pop("auth_code", None)
        if result == "drop":
            return h.drop()
        if result in ("success", "duplicate") and t and t.paid:
            if result == "duplicate":
                return self._reply(h, mch_id, self._fail("ORDERPAID", "订单已支付"))
            return self._reply(h, mch_id, {"result_code": "SUCCESS", **self.payer(t, req),
                                           "trade_type": "MICROPAY", "bank_type": "OTHERS", "total_fee": str(t.amount),
                                           "fee_type": "CNY",
                                           "transaction_id": t.trade_no, "out_trade_no": out,
                                           "time_end": t.trade_no[:8] + "120000"})
        reply = {"user_paying": self._fail("USERPAYING", "需要用户输入支付密码"),
                 "duplicate": self._fail("USERPAYING", "需要用户输入支付密码"),
                 "system_error": self._fail("SYSTEMERROR", "系统超时"),
                 "insufficient_funds": self._fail("NOTENOUGH", "余额不足"),
                 "code_expired": self._fail("AUTHCODEEXPIRE", "二维码已过期，请用户在微信上刷新后再试"),
                 "code_used": self._fail("AUTH_CODE_INVALID", "授权码检验错误"),
                 "closed": self._fail("ORDERREVERSED", "订单已撤销")}[result]
        self._reply(h, mch_id, reply)

    def orderquery(self, h, mch_id, out, req) -> None:
        t = self.ledger.query(out)
        if t is None:
            return self._reply(h, mch_id, self._fail("ORDERNOTEXIST", "此交易订单号不存在"))
        state = "NOTPAY" if t.kind == "inapp" and t.state == "USERPAYING" else t.state
        self._reply(h, mch_id, {"result_code": "SUCCESS", "trade_state": state, "out_trade_no": out,
                                "trade_type": "MWEB" if t.kind == "inapp" else "MICROPAY",
                                "transaction_id": t.trade_no, "total_fee": str(t.amount),
                                **(self.payer(t, req) if t.paid else {})})

    def payer(self, t, req: dict) -> dict:
        """Who paid, as WeChat Pay says it: openid under the merchant's app id, is_subscribe; in
        service-provider mode (sub_mch_id) also sub_openid under the sub app id. None for UnionPay."""
        if not t.customer:
            return {}
        fields = {"openid": wechat_openid(self.appid, t.customer), "is_subscribe": wechat_subscribed(t.customer)}
        if req.get("sub_mch_id"):
            sub_appid = req.get("sub_appid") or self.appid
            fields.update(sub_mch_id=req["sub_mch_id"], sub_appid=sub_appid,
                          sub_openid=wechat_openid(sub_appid, t.customer), sub_is_subscribe="N")
        return fields

    def reverse(self, h, mch_id, out, req) -> None:
        result = self.ledger.cancel(out, wechat=True)
        if result == "busy":
            return self._reply(h, mch_id, {**self._fail("SYSTEMERROR", "系统超时"), "recall": "Y"})
        self._reply(h, mch_id, {"result_code": "SUCCESS", "recall": "N"})

    def refund(self, h, mch_id, out, req) -> None:
        fee = req.get("refund_fee", "")
        result = self.ledger.refund(out, int(fee) if fee.isdigit() else 0, req.get("out_refund_no", out))
        if result != "refunded":
            return self._reply(h, mch_id, self._fail("TRADE_STATE_ERROR" if result == "not_paid" else "PARAM_ERROR"))
        self._reply(h, mch_id, {"result_code": "SUCCESS", "out_trade_no": out, "refund_fee": fee,
                                "out_refund_no": req.get("out_refund_no", "")})

    # -- in-app (H5): the unified order, the page, the notify ---------------------------------
    def unifiedorder(self, h, mch_id, out, req) -> None:
        fee, body, notify_url = req.get("total_fee", ""), req.get("body", ""), req.get("notify_url", "")
        if not fee.isdigit() or int(fee) <= 0 or not body or not notify_url or not req.get("spbill_create_ip"):
            return self._reply(h, mch_id, self._fail("PARAM_ERROR", "缺少参数"))
        if req.get("trade_type") != "MWEB":
            return self._reply(h, mch_id, self._fail("PARAM_ERROR", "沙箱只支持 trade_type=MWEB (H5)"))
        expire_at = expire_time(req["time_expire"]) if req.get("time_expire") else time.time() + DEFAULT_EXPIRE_S
        if expire_at is None:
            return self._reply(h, mch_id, self._fail("PARAM_ERROR", "time_expire 格式错误"))
        fp = hashlib.sha256(json.dumps([mch_id, int(fee), body, notify_url, req.get("trade_type"),
                                        req.get("time_expire", "")]).encode()).hexdigest()
        result, t = self.ledger.open_inapp(mch_id, out, int(fee), body, notify_url, "", expire_at, fp)
        if result == "inconsistent":
            return self._reply(h, mch_id, self._fail("OUT_TRADE_NO_USED", "商户订单号重复"))
        if result == "expired":
            return self._reply(h, mch_id, self._fail("PARAM_ERROR", "time_expire 已过"))
        if result == "closed":
            return self._reply(h, mch_id, self._fail("ORDERCLOSED", "订单已关闭"))
        if t.paid:
            return self._reply(h, mch_id, self._fail("ORDERPAID", "该订单已支付"))
        prepay_id = "wx" + t.page_token
        host = h.headers.get("Host") or "127.0.0.1"
        mweb_url = f"http://{host}{PAGE}?prepay_id={prepay_id}&package={int(fee) * 7 % 10**10}"
        self._reply(h, mch_id, {"result_code": "SUCCESS", "trade_type": "MWEB", "prepay_id": prepay_id,
                                "mweb_url": mweb_url})

    def closeorder(self, h, mch_id, out, req) -> None:
        result = self.ledger.close(out)
        if result == "not_found":
            return self._reply(h, mch_id, self._fail("ORDERNOTEXIST", "订单不存在"))
        if result == "paid":
            return self._reply(h, mch_id, self._fail("ORDERPAID", "订单已支付，不能发起关单"))
        self._reply(h, mch_id, {"result_code": "SUCCESS"})

    def page(self, h) -> None:
        query = dict(parse_qsl(h.path.partition("?")[2]))
        t = self.ledger.by_page(query.get("prepay_id", "").removeprefix("wx"))
        if t is None:
            return h.html(404, result_page("wechat", "找不到订单", "prepay_id 无效或已过期"))
        redirect = query.get("redirect_url", "")
        if redirect.startswith(("http://", "https://")):
            with self.ledger.lock:
                t.return_url = redirect
        if t.paid:
            return h.html(200, result_page("wechat", "已付款", "这笔订单已经付过了", t.return_url or None))
        if t.state != "USERPAYING":
            return h.html(200, result_page("wechat", "交易已关闭", "订单已超时或已关闭，请回到商家重新下单",
                                           t.return_url or None))
        h.html(200, confirm_page("wechat", CONFIRM, t.page_token, t.subject, t.amount, page_customer(h)))

    def confirm(self, h) -> None:
        form = dict(parse_qsl(h.body().decode("utf-8", "replace"), keep_blank_values=True))
        t = self.ledger.by_page(form.get("token", ""))
        if t is None:
            return h.html(404, result_page("wechat", "找不到订单", "这个付款页面已失效"))
        if form.get("choice") == "pay":
            result, t = self.ledger.confirm(form.get("token", ""), form.get("customer", ""))
            if result == "closed":
                return h.html(200, result_page("wechat", "交易已关闭", "订单已超时或已关闭，没有付款",
                                               t.return_url or None))
            if result == "paid":
                self.notify(t)
        if t.return_url:
            return h.redirect(t.return_url)
        h.html(200, result_page("wechat", "付款成功" if t.paid else "已取消", "请回到商家页面"))

    def notify_body(self, t) -> bytes:
        doc = {"return_code": "SUCCESS", "appid": self.appid, "mch_id": t.app, "nonce_str": secrets.token_hex(8),
               "sign_type": "HMAC-SHA256", "result_code": "SUCCESS", **self.payer(t, {}),
               "trade_type": "MWEB", "bank_type": "OTHERS", "total_fee": str(t.amount), "fee_type": "CNY",
               "cash_fee": str(t.amount), "transaction_id": t.trade_no, "out_trade_no": t.out_trade_no,
               "time_end": datetime.now(BEIJING).strftime("%Y%m%d%H%M%S")}
        doc["sign"] = hmac_sign(doc, self.merchants[t.app])
        return to_xml(doc)

    def notify(self, t) -> None:
        def accepted(answer: bytes) -> bool:
            try:
                return from_xml(answer).get("return_code") == "SUCCESS"
            except ElementTree.ParseError:
                return False

        self.notifier.send(t.out_trade_no, t.notify_url, self.notify_body(t), "text/xml", accepted)
