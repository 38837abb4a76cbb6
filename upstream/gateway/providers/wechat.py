"""WeChat Pay v2 (付款码支付: micropay / orderquery / reverse / refund) on wechatpy, HMAC-SHA256.

wechatpy builds the XML, adds nonce_str, signs (sign_type=HMAC-SHA256 in the body makes it use
HMAC-SHA256) and posts. What we add:
- every answer's signature is checked here (wechatpy does not check answers of these calls); an
  answer that is not signed correctly is treated as unknown;
- wechatpy logs each request body at DEBUG (that would include auth_code): its logger is capped
  at WARNING with a filter that drops anything lower, whatever the root level;
- spbill_create_ip is always given (wechatpy would otherwise look up api.mch.weixin.qq.com).
The merchant certificate (cert_file / key_file) is sent for secapi/ calls when configured.

Results: SUCCESS; err_code USERPAYING (password) / SYSTEMERROR / BANKERROR (unknown: query);
NOTENOUGH, AUTHCODEEXPIRE, AUTH_CODE_INVALID ... (definite failures); reverse answers recall=Y
while it must be called again.

In-app (H5 支付): `prepay` is pay/unifiedorder with trade_type=MWEB and time_expire (the same
arguments again answer the same order), pay_url = mweb_url + `&redirect_url=<return_url>`;
`close` is pay/closeorder; `notice` verifies an XML notify (HMAC-SHA256 with the API key) and
that it names this appid and mch_id.
"""

from __future__ import annotations

import json
import logging
from urllib.parse import quote

from upstream.gateway.config import ProviderConfig
from upstream.gateway.providers.base import (CLOSED, FAILED, NOT_FOUND, PREPARED, REFUND_NEEDED, REFUNDED, RETRY,
                                             SUCCESS, UNKNOWN, USER_PAYING, Notice, Outcome, beijing_time, describe,
                                             wechat_payer)

FAILURES = {
    "NOTENOUGH": "insufficient_funds",
    "AUTHCODEEXPIRE": "code_expired",
    "AUTH_CODE_INVALID": "code_invalid",
    "AUTH_CODE_ERROR": "code_invalid",
    "ORDERCLOSED": "cancelled",
    "ORDERREVERSED": "cancelled",
    "NOTSUPORTCARD": "declined",
    "BUYER_MISMATCH": "declined",
    "TRADE_ERROR": "declined",
    "PARAM_ERROR": "provider_error",
    "NOAUTH": "provider_error",
    "XML_FORMAT_ERROR": "provider_error",
    "LACK_PARAMS": "provider_error",
    "APPID_NOT_EXIST": "provider_error",
    "MCHID_NOT_EXIST": "provider_error",
    "APPID_MCHID_NOT_MATCH": "provider_error",
    "OUT_TRADE_NO_USED": "provider_error",
    "INVALID_REQUEST": "provider_error",
}


class _BelowWarning(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING


def quiet_wechatpy() -> None:
    logger = logging.getLogger("wechatpy")
    logger.setLevel(logging.WARNING)
    if not any(isinstance(f, _BelowWarning) for f in logger.filters):
        logger.addFilter(_BelowWarning())
    for name in ("wechatpy.pay", "wechatpy.pay.utils"):
        sub = logging.getLogger(name)
        sub.setLevel(logging.WARNING)
        if not any(isinstance(f, _BelowWarning) for f in sub.filters):
            sub.addFilter(_BelowWarning())


class WechatProvider:
    kind = "wechat"

    def __init__(self, cfg: ProviderConfig, connect_s: float, timeout_s: float):
        quiet_wechatpy()
        # the SDK loads only when a WeChat Pay provider is configured
        from wechatpy.pay import WeChatPay
        from wechatpy.pay.utils import calculate_signature_hmac

        s = cfg.settings
        self.name, self.url = cfg.name, cfg.url
        self.appid, self.api_key, self.mch_id = s["appid"], s["api_key"], str(s["mch_id"])
        self.client_ip = s.get("client_ip", "127.0.0.1")
        self._sign = calculate_signature_hmac
        self.client = WeChatPay(appid=s["appid"], api_key=s["api_key"], mch_id=str(s["mch_id"]),
                                sub_mch_id=s.get("sub_mch_id") or None, mch_cert=s.get("cert") or None,
                                mch_key=s.get("key") or None, timeout=(connect_s, timeout_s))
        self.client.API_BASE_URL = cfg.url if cfg.url.endswith("/") else cfg.url + "/"
        self.client._http.trust_env = False

    def _verified(self, data: dict) -> dict | None:
        fields = {k: v for k, v in data.items() if k != "sign"}
        return data if data.get("sign") and self._sign(fields, self.api_key) == data.get("sign") else None

    def _call(self, endpoint: str, data: dict, secret: str = "") -> dict | Outcome:
        """The answer's fields (signature checked), or an UNKNOWN outcome."""
        import xmltodict
        from wechatpy.exceptions import WeChatPayException

        body = {"appid": self.appid, "sign_type": "HMAC-SHA256", **data}
        try:
            result = self.client.post(endpoint, data=body)
        except WeChatPayException as exc:
            try:
                result = xmltodict.parse(exc.response.content)["xml"]
            except Exception:  # noqa: BLE001 - no readable answer
                return Outcome(UNKNOWN, note=safe_code(exc, secret))
        except Exception as exc:  # noqa: BLE001 - network, timeout, ...
            return Outcome(UNKNOWN, note=describe(exc, secret))
        finally:
            body.clear()
        if not isinstance(result, dict):
            return Outcome(UNKNOWN, note="answer is not XML")
        if result.get("return_code") != "SUCCESS":
            return Outcome(UNKNOWN, note=f"return_code {result.get('return_code')}")
        if self._verified(result) is None:
            return Outcome(UNKNOWN, note="answer signature does not verify")
        return result

    def pay(self, out_trade_no: str, amount: int, code: str, subject: str) -> Outcome:
        r = self._call("pay/micropay", {"body": subject, "out_trade_no": out_trade_no, "total_fee": amount,
                                        "fee_type": "CNY", "spbill_create_ip": self.client_ip, "auth_code": code},
                       secret=code)
        if isinstance(r, Outcome):
            return r
        err = r.get("err_code", "")
        if r.get("result_code") == "SUCCESS":
            return Outcome(SUCCESS, trade_no=r.get("transaction_id"), amount=_int(r.get("total_fee")), note="SUCCESS",
                           payer=wechat_payer(r, self.appid))
        if err == "USERPAYING":
            return Outcome(USER_PAYING, note=err)
        if err in FAILURES:
            return Outcome(FAILED, FAILURES[err], note=err)
        return Outcome(UNKNOWN, note=err or "FAIL")  # SYSTEMERROR, BANKERROR, ORDERPAID, anything new

    def query(self, out_trade_no: str) -> Outcome:
        r = self._call("pay/orderquery", {"out_trade_no": out_trade_no})
        if isinstance(r, Outcome):
            return r
        if r.get("result_code") != "SUCCESS":
            err = r.get("err_code", "")
            return Outcome(NOT_FOUND if err == "ORDERNOTEXIST" else UNKNOWN, note=err)
        state = r.get("trade_state", "")
        if state == "SUCCESS":
            return Outcome(SUCCESS, trade_no=r.get("transaction_id"), amount=_int(r.get("total_fee")), note=state,
                           payer=wechat_payer(r, self.appid))
        if state == "USERPAYING":
            return Outcome(USER_PAYING, note=state)
        if state in ("CLOSED", "REVOKED"):
            return Outcome(CLOSED, note=state)
        if state == "REFUND":
            return Outcome(REFUNDED, note=state)
        if state == "PAYERROR":
            return Outcome(FAILED, "declined", note=state)
        return Outcome(UNKNOWN, note=state)  # NOTPAY: the pay request may still arrive

    def cancel(self, out_trade_no: str) -> Outcome:
        r = self._call("secapi/pay/reverse", {"out_trade_no": out_trade_no})
        if isinstance(r, Outcome):
            return Outcome(RETRY, note=r.note)
        recall, err = r.get("recall", "N"), r.get("err_code", "")
        note = f"{r.get('result_code')} {err} recall={recall}"
        if r.get("result_code") == "SUCCESS" and recall != "Y":
            return Outcome(CLOSED, note=note)
        if err == "ORDERREVERSED":
            return Outcome(CLOSED, note=note)
        if err == "REVERSE_EXPIRE":
            return Outcome(REFUND_NEEDED, note=note)
        return Outcome(RETRY, note=note)

    def refund(self, out_trade_no: str, amount: int, refund_no: str, total: int | None = None) -> Outcome:
        r = self._call("secapi/pay/refund", {"out_trade_no": out_trade_no, "out_refund_no": refund_no,
                                             "total_fee": total or amount, "refund_fee": amount})
        if isinstance(r, Outcome):
            return Outcome(RETRY, note=r.note)
        if r.get("result_code") == "SUCCESS":
            return Outcome(REFUNDED, note="SUCCESS")
        err = r.get("err_code", "")
        return Outcome(RETRY if err in ("SYSTEMERROR", "BIZERR_NEED_RETRY", "FREQUENCY_LIMITED") else FAILED,
                       "provider_error", note=err)

    # -- in-app (H5) ---------------------------------------------------------------------------
    def prepay(self, out_trade_no: str, amount: int, subject: str, notify_url: str, return_url: str,
               started_ms: int, expire_ms: int) -> Outcome:
        scene = json.dumps({"h5_info": {"type": "Wap", "wap_url": return_url, "wap_name": subject[:32]}},
                           ensure_ascii=False, separators=(",", ":"))
        r = self._call("pay/unifiedorder", {"body": subject, "out_trade_no": out_trade_no, "total_fee": amount,
                                            "fee_type": "CNY", "spbill_create_ip": self.client_ip,
                                            "notify_url": notify_url, "trade_type": "MWEB", "scene_info": scene,
                                            "time_start": beijing_time(started_ms, "%Y%m%d%H%M%S"),
                                            "time_expire": beijing_time(expire_ms, "%Y%m%d%H%M%S")})
        if isinstance(r, Outcome):
            return r
        err = r.get("err_code", "")
        if r.get("result_code") == "SUCCESS" and r.get("mweb_url"):
            url = r["mweb_url"] + ("&" if "?" in r["mweb_url"] else "?") + "redirect_url=" + quote(return_url, safe="")
            return Outcome(PREPARED, pay_url=url, note=f"prepay_id {r.get('prepay_id', '')}"[:60])
        if err == "ORDERPAID":
            return Outcome(UNKNOWN, note=err)  # paid already: the query finds it
        if err == "ORDERCLOSED":
            return Outcome(FAILED, "cancelled", note=err)
        if err in FAILURES:
            return Outcome(FAILED, FAILURES[err], note=err)
        return Outcome(UNKNOWN, note=err or "FAIL")

    def close(self, out_trade_no: str) -> Outcome:
        r = self._call("pay/closeorder", {"out_trade_no": out_trade_no})
        if isinstance(r, Outcome):
            return Outcome(RETRY, note=r.note)
        err = r.get("err_code", "")
        if r.get("result_code") == "SUCCESS" or err in ("ORDERCLOSED", "ORDERNOTEXIST"):
            return Outcome(CLOSED, note=err or "SUCCESS")
        if err == "ORDERPAID":
            return Outcome(REFUND_NEEDED, note=err)
        return Outcome(RETRY, note=err or "FAIL")

    def notice(self, body: bytes, content_type: str) -> Notice | None:
        from xml.etree import ElementTree

        try:
            root = ElementTree.fromstring(body)  # stdlib parser: no external entities are fetched
        except ElementTree.ParseError:
            return None
        data = {child.tag: (child.text or "") for child in root}
        if self._verified(data) is None or data.get("appid") != self.appid or data.get("mch_id") != self.mch_id:
            return None
        if data.get("return_code") != "SUCCESS":
            return None
        paid = data.get("result_code") == "SUCCESS"
        return Notice(data.get("out_trade_no", ""), _int(data.get("total_fee")), paid,
                      data.get("transaction_id") or None, data.get("result_code", ""), wechat_payer(data, self.appid))

    def notice_answer(self, ok: bool) -> tuple[bytes, str]:
        code, msg = ("SUCCESS", "OK") if ok else ("FAIL", "not accepted")
        return (f"<xml><return_code><![CDATA[{code}]]></return_code><return_msg><![CDATA[{msg}]]></return_msg>"
                "</xml>").encode(), "text/xml"


def _int(value) -> int | None:
    return int(value) if isinstance(value, str) and value.isdigit() else None


def safe_code(exc, secret: str) -> str:
    return describe(exc, secret)
