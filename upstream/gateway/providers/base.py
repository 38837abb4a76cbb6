"""The provider interface and its outcomes; safe error text.

Every adapter call returns an Outcome and never raises: a network error, a timeout, a bad
signature on an answer or any SDK exception is `unknown` (the gateway then queries, and cancels
at the deadline). Exceptions are turned into text with `safe_text`, so no SDK message can carry
a payment code into a log or the database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

# pay / query
SUCCESS = "success"
USER_PAYING = "user_paying"
UNKNOWN = "unknown"
NOT_FOUND = "not_found"
FAILED = "failed"
CLOSED = "closed"
REFUNDED = "refunded"
# cancel / refund
RETRY = "retry"              # retry_flag=Y / recall=Y / system error: call again
REFUND_NEEDED = "refund_needed"  # cannot be cancelled any more (paid): refund instead
# in-app prepay
PREPARED = "prepared"        # the order is open at the provider: send the customer to pay_url

_DIGITS = re.compile(r"[0-9]{12,}")


def safe_text(text: object, *secrets: str, limit: int = 200) -> str:
    """Printable, bounded, secrets removed, every run of 12+ digits masked."""
    out = str(text)
    for secret in secrets:
        if secret:
            out = out.replace(secret, "[code]")
    out = _DIGITS.sub(lambda m: m.group()[:4] + "*" * (len(m.group()) - 6) + m.group()[-2:], out)
    out = "".join(c if c.isprintable() else " " for c in out)
    return out[:limit]


def describe(exc: BaseException, *secrets: str) -> str:
    return safe_text(f"{type(exc).__name__}: {exc}", *secrets)


_ALIPAY_USER = re.compile(r"2088[0-9]{12}")
_OPENID = re.compile(r"[A-Za-z0-9_-]{6,64}")


@dataclass(frozen=True)
class Payer:
    """Who paid, as the provider named them: a reusable id under one app id (Alipay buyer_user_id,
    WeChat openid / sub_openid). Never logged: its repr is masked."""

    payer_id: str
    app_id: str
    masked: str                   # what may be shown: 2088********1234, or Alipay's masked logon id
    subscribed: bool | None = None  # WeChat is_subscribe

    def __repr__(self) -> str:
        return f"Payer({self.masked})"


def mask_id(text: str) -> str:
    return text[:4] + "*" * (len(text) - 8) + text[-4:] if len(text) > 8 else "*" * len(text)


def alipay_payer(fields: dict, app_id: str, id_field: str = "buyer_user_id") -> Payer | None:
    """The payer of an Alipay answer or notify; None when it names nobody or not in Alipay's form."""
    user = str(fields.get(id_field) or fields.get("buyer_open_id") or "")
    if not _ALIPAY_USER.fullmatch(user):
        return None
    logon = safe_text(fields.get("buyer_logon_id") or "", limit=40)
    return Payer(user, app_id, logon if "*" in logon else mask_id(user))


def wechat_payer(fields: dict, appid: str) -> Payer | None:
    """The payer of a WeChat Pay answer or notify: sub_openid under the sub app id in
    service-provider mode, else openid under the app id; None when absent or malformed."""
    if _OPENID.fullmatch(str(fields.get("sub_openid") or "")):
        openid, app, flag = fields["sub_openid"], str(fields.get("sub_appid") or appid), fields.get("sub_is_subscribe")
    elif _OPENID.fullmatch(str(fields.get("openid") or "")):
        openid, app, flag = fields["openid"], appid, fields.get("is_subscribe")
    else:
        return None
    return Payer(openid, app, mask_id(openid), {"Y": True, "N": False}.get(str(flag or "")))


@dataclass(frozen=True)
class Outcome:
    kind: str
    reason: str | None = None     # FAILED: insufficient_funds, code_expired, ...
    trade_no: str | None = None   # the provider's transaction id
    amount: int | None = None     # fen, when the provider said how much was paid
    note: str = ""                # provider code / safe message, for the gateway log
    pay_url: str | None = None    # PREPARED: the provider's page the customer's phone opens
    payer: Payer | None = None    # SUCCESS: who paid, when the provider says (never UnionPay)

    def __repr__(self) -> str:
        return f"Outcome({self.kind}, reason={self.reason}, note={self.note!r})"


@dataclass(frozen=True)
class Notice:
    """A provider's asynchronous notify whose signature verified (upstream/gateway/inapp_notify.py)."""

    out_trade_no: str
    amount: int | None            # fen
    paid: bool                    # the trade is paid (TRADE_SUCCESS / result_code SUCCESS)
    trade_no: str | None = None
    note: str = ""
    payer: Payer | None = None


class Provider(Protocol):
    name: str
    kind: str

    def pay(self, out_trade_no: str, amount: int, code: str, subject: str) -> Outcome: ...

    def query(self, out_trade_no: str) -> Outcome: ...

    def cancel(self, out_trade_no: str) -> Outcome: ...

    def refund(self, out_trade_no: str, amount: int, refund_no: str, total: int | None = None) -> Outcome:
        """Refund `amount` of the trade (whose whole amount is `total`, default `amount`)."""


class InAppProvider(Provider, Protocol):
    """A provider that also takes in-app payments: the customer pays on the provider's page."""

    def prepay(self, out_trade_no: str, amount: int, subject: str, notify_url: str, return_url: str,
               started_ms: int, expire_ms: int) -> Outcome:
        """Open the order (the same arguments again: the same order) -> PREPARED with pay_url."""

    def close(self, out_trade_no: str) -> Outcome:
        """Close an unpaid order -> CLOSED | REFUND_NEEDED (it was paid) | RETRY."""

    def notice(self, body: bytes, content_type: str) -> Notice | None:
        """The notify's fields if its signature verifies and it is for this merchant, else None."""

    def notice_answer(self, ok: bool) -> tuple[bytes, str]:
        """What the provider expects back: (body, content type)."""


def beijing_time(ms: int, fmt: str) -> str:
    """Epoch milliseconds as the providers' wall-clock text (Beijing time, UTC+8), rounded down."""
    from datetime import datetime, timedelta, timezone

    return datetime.fromtimestamp(ms / 1000, timezone(timedelta(hours=8))).strftime(fmt)


def yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def fen(text: object) -> int | None:
    try:
        whole, _, frac = str(text).partition(".")
        if not whole.isdigit() or (frac and (not frac.isdigit() or len(frac) > 2)):
            return None
        return int(whole) * 100 + int((frac + "00")[:2])
    except (TypeError, ValueError):
        return None
