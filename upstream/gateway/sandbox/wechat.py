"""The WeChat Pay v2 sandbox: XML over POST, HMAC-SHA256 signatures both ways.

Paths: /pay/micropay, /pay/orderquery, /secapi/pay/reverse, /secapi/pay/refund. A request whose
signature does not verify gets return_code FAIL (unsigned, as WeChat does). Every other answer is
signed with the merchant's API key: sorted non-empty `k=v&...&key=KEY`, HMAC-SHA256, upper hex.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from xml.etree import ElementTree

from upstream.gateway.sandbox.ledger import Ledger


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
    def __init__(self, ledger: Ledger, merchants: dict[str, str], appid: str):
        """merchants: mch_id -> API key."""
        self.ledger, self.merchants, self.appid = ledger, merchants, appid

    def _reply(self, h, mch_id: str, fields: dict) -> None:
        key = self.merchants[mch_id]
        doc = {"return_code": "SUCCESS", "return_msg": "OK", "appid": self.appid, "mch_id": mch_id,
               "nonce_str": secrets.token_hex(8), **fields}
        doc["sign"] = hmac_sign(doc, key)
        h.answer(200, to_xml(doc), "text/xml")

    def handle(self, h) -> None:
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
                  "/secapi/pay/reverse": self.reverse, "/secapi/pay/refund": self.refund}.get(path)
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
        req.clear()
        if result == "drop":
            return h.drop()
        if result in ("success", "duplicate") and t and t.paid:
            if result == "duplicate":
                return self._reply(h, mch_id, self._fail("ORDERPAID", "订单已支付"))
            return self._reply(h, mch_id, {"result_code": "SUCCESS", "openid": "sandbox-openid",
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
        state = t.state if t.state != "PAYERROR" else "PAYERROR"
        self._reply(h, mch_id, {"result_code": "SUCCESS", "trade_state": state, "out_trade_no": out,
                                "transaction_id": t.trade_no, "total_fee": str(t.amount)})

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
