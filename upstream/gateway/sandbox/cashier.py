"""The sandbox providers' confirmation page: what the customer's phone shows at a pay_url.

A phone-sized HTML page in the provider's colours with the merchant's subject, the amount in
yuan and two big buttons, 确认付款 (pay) and 取消 (back to the merchant without paying), posted
as a plain form (no script). Result pages say that the order is paid, closed or unknown."""

from __future__ import annotations

import secrets
from html import escape

from upstream.gateway.providers.base import yuan

BRANDS = {"alipay": ("支付宝", "#1677ff"), "wechat": ("微信支付", "#07c160")}
_STYLE = """*{box-sizing:border-box}body{margin:0;font-family:system-ui,sans-serif;background:#f5f5f5;color:#222}
header{color:#fff;padding:16px;font-size:20px;font-weight:600;background:%s}
main{max-width:480px;margin:0 auto;padding:24px 16px}
.subject{font-size:18px;margin:8px 0}.amount{font-size:40px;font-weight:700;margin:16px 0 32px}
button,a.button{display:block;width:100%%;min-height:56px;margin:12px 0;border:0;border-radius:8px;font-size:20px;
text-align:center;line-height:56px;text-decoration:none}
.pay{color:#fff;background:%s}.cancel{color:#333;background:#e5e5e5}.note{color:#666;font-size:14px}"""


def _page(provider: str, title: str, body: str) -> bytes:
    brand, colour = BRANDS[provider]
    return ("<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
            f"<title>{escape(title)} - {brand}</title><style>{_STYLE % (colour, colour)}</style></head>"
            f"<body><header>{brand} · 沙箱</header><main>{body}</main></body></html>").encode()


CUSTOMER_COOKIE = "sandbox_customer"


def page_customer(h) -> str:
    """This phone's sandbox customer (six digits): its cookie, or a new one remembered from now on."""
    customer = h.cookie(CUSTOMER_COOKIE)
    if not (customer.isdigit() and len(customer) == 6):
        customer = f"{secrets.randbelow(10**6):06d}"
        h.set_cookie(CUSTOMER_COOKIE, customer)
    return customer


def confirm_page(provider: str, action: str, token: str, subject: str, amount: int, customer: str = "") -> bytes:
    """The page with the two buttons; the form posts `token`, `customer` and `choice` (pay | cancel)
    to `action`."""
    account = f"<p class=\"note\">付款账户 沙箱顾客 {escape(customer)}</p>" if customer else ""
    return _page(provider, "确认付款", (
        f"<p class=\"subject\">{escape(subject)}</p><p class=\"amount\">¥{yuan(amount)}</p>{account}"
        f"<form method=\"post\" action=\"{escape(action)}\">"
        f"<input type=\"hidden\" name=\"token\" value=\"{escape(token)}\">"
        f"<input type=\"hidden\" name=\"customer\" value=\"{escape(customer)}\">"
        "<button class=\"pay\" type=\"submit\" name=\"choice\" value=\"pay\">确认付款</button>"
        "<button class=\"cancel\" type=\"submit\" name=\"choice\" value=\"cancel\">取消</button></form>"
        "<p class=\"note\">沙箱支付：不会扣真实的钱 (sandbox: no real money)</p>"))


def result_page(provider: str, title: str, message: str, back_url: str | None = None) -> bytes:
    link = f"<a class=\"button cancel\" href=\"{escape(back_url)}\">返回商家</a>" if back_url else ""
    return _page(provider, title, f"<p class=\"amount\">{escape(title)}</p><p class=\"subject\">{escape(message)}</p>"
                 + link)
