"""The sandbox provider's books: trades by out_trade_no, charges, refunds, scenarios.

Scenario = the last two digits of the payment code (any middle digits; the code must have the
channel's shape: Alipay 16-24 digits starting 25-30, WeChat 18 digits starting 10-15, UnionPay
19 digits starting 62):

  00 instant success          pay answers success
  01 password then success    pay answers "user paying"; paid after `password_s`
  02 password then timeout    "user paying" until cancelled; the first cancel / reverse answers
                              "call again" (retry_flag=Y / recall=Y)
  03 insufficient funds       pay fails (ACQ.BUYER_BALANCE_NOT_ENOUGH / NOTENOUGH)
  04 system error but charged pay answers system error (20000 / SYSTEMERROR); the money was taken
  05 network loss             the money is taken, the pay connection drops without an answer, and
                              every request about this trade is dropped for `outage_s`
  06 code expired             pay fails (ACQ.PAYMENT_AUTH_CODE_INVALID / AUTHCODEEXPIRE)
  anything else               instant success

Who pays: digits 3-8 of an Alipay or WeChat code are the sandbox customer's number (the rest is
the one-time part), so one customer pays twice with two codes and two numbers are two people; a
UnionPay code has no customer the merchant learns (anonymous). A customer's payer ids are stable:
Alipay's buyer_user_id `2088` + 12 digits and a masked buyer_logon_id; WeChat's openid per app id
(and sub_openid per sub app id in service-provider mode). On an in-app page the customer is the
phone's own (the page's `customer` cookie, made on its first visit, or a `customer` form field).

A code already used for another trade is refused (code_invalid). A cancel / reverse of a trade
the sandbox has never seen closes that out_trade_no for good (a late pay with it is refused), as
the real providers do. Codes are kept in memory only, as keyed hashes.

In-app orders (a phone pays on the provider's page, upstream/gateway/sandbox/cashier.py) are
trades of kind "inapp": opened by a prepay (WeChat's unified order) or by the first visit to the
page (Alipay's wap pay), waiting for the customer (USERPAYING) until confirmed on the page
(SUCCESS), closed by the merchant (close) or expired at their time_expire (CLOSED).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import secrets
import threading
import time
from dataclasses import dataclass, field

SCENARIOS = {
    "00": "instant_success", "01": "password_then_success", "02": "password_then_timeout",
    "03": "insufficient_funds", "04": "system_error_but_charged", "05": "network_loss", "06": "code_expired",
}
_PREFIX = {"alipay": "2888888888888888", "wechat": "1388888888888888", "unionpay": "62888888888888888"}
TEST_CODES = {channel: {name: prefix + suffix for suffix, name in SCENARIOS.items()}
              for channel, prefix in _PREFIX.items()}


def scenario_of(code: str) -> str:
    return SCENARIOS.get(code[-2:], "instant_success")


def customer_of(code: str) -> str:
    """The sandbox customer behind an Alipay / WeChat payment code ("" for UnionPay: anonymous)."""
    if code.startswith("62") or len(code) < 10 or not code.isdigit():
        return ""
    return code[2:8]


def _digest(*parts: str) -> bytes:
    return hashlib.sha256("\x1f".join(("matou-sandbox", *parts)).encode()).digest()


def alipay_user_id(customer: str) -> str:
    """The customer's Alipay user id (2088 + 12 digits), the same for every merchant."""
    return "2088" + f"{int.from_bytes(_digest('alipay', customer)[:8], 'big') % 10**12:012d}"


def alipay_logon_id(customer: str) -> str:
    """Alipay's masked buyer_logon_id: a phone number with its middle starred."""
    return f"13{customer[0]}****{customer[-4:]}"


def wechat_openid(appid: str, customer: str) -> str:
    """The customer's openid under one app id (28 characters, like WeChat's)."""
    return "o" + base64.urlsafe_b64encode(_digest("wechat", appid, customer)).decode()[:27]


def wechat_subscribed(customer: str) -> str:
    return "Y" if int(customer) % 2 == 0 else "N"


@dataclass
class SandboxTimings:
    password_s: float = 3.0     # 01: how long the customer takes to enter the password
    outage_s: float = 90.0      # 05: how long requests about the trade are dropped
    reverse_after_s: float = 15.0  # WeChat asks merchants not to reverse sooner than this after pay
    # in-app: a notify that is not answered with the provider's success text is sent again after
    # each of these pauses (the providers' own schedules, shortened: WeChat 15 s, 15 s, 30 s, 3 min,
    # 10 min...; Alipay 4 min, 10 min, 10 min, 1 h...)
    notify_retry_s: tuple = (2.0, 5.0, 15.0, 30.0, 60.0, 180.0, 600.0)


@dataclass
class Trade:
    out_trade_no: str
    app: str
    amount: int
    scenario: str
    started: float
    state: str = "USERPAYING"   # USERPAYING | SUCCESS | CLOSED | REFUND | PAYERROR
    trade_no: str = ""
    paid: bool = False
    refunded: int = 0
    refund_nos: set = field(default_factory=set)
    busy_cancels: int = 0
    outage_until: float = 0.0
    kind: str = "code"          # code | inapp
    request_fp: str = ""        # inapp: what the order was opened with (a repeat must match)
    subject: str = ""
    notify_url: str = ""
    return_url: str = ""
    expire_at: float = 0.0      # inapp: wall-clock time after which it can no longer be paid
    page_token: str = ""        # inapp: names the order on its confirmation page
    customer: str = ""          # who paid (six digits; "" = anonymous: UnionPay)


class Ledger:
    def __init__(self, timings: SandboxTimings | None = None):
        self.timings = timings or SandboxTimings()
        self.lock = threading.Lock()
        self.trades: dict[str, Trade] = {}
        self.closed: set[str] = set()        # out_trade_nos cancelled before any pay arrived
        self._codes: dict[bytes, str] = {}   # keyed hash of a used code -> out_trade_no
        self._key = secrets.token_bytes(32)
        self._seq = itertools.count(1)
        self.violations: list[str] = []      # e.g. a WeChat reverse sooner than reverse_after_s
        self.calls: list[tuple[str, str]] = []  # (action, out_trade_no)
        self.notices: list[dict] = []        # every notify sent: out_trade_no, url, body, answered, ok

    # -- the books ---------------------------------------------------------------------------
    def charged(self, out_trade_no: str) -> int:
        """Net money taken for a trade (charges minus refunds), in fen."""
        with self.lock:
            t = self.trades.get(out_trade_no)
            return (t.amount if t and t.paid else 0) - (t.refunded if t else 0)

    def total_charged(self) -> int:
        with self.lock:
            return sum((t.amount if t.paid else 0) - t.refunded for t in self.trades.values())

    def dropping(self, out_trade_no: str) -> bool:
        with self.lock:
            t = self.trades.get(out_trade_no)
            return bool(t and time.monotonic() < t.outage_until)

    def _settle_time(self, t: Trade) -> None:
        if t.kind == "inapp" and t.state == "USERPAYING" and time.time() > t.expire_at:
            t.state = "CLOSED"  # the provider closes an unpaid order at its time_expire
        if t.state == "USERPAYING" and t.scenario == "password_then_success" \
                and time.monotonic() - t.started >= self.timings.password_s:
            self._pay(t)

    def _pay(self, t: Trade) -> None:
        t.state, t.paid = "SUCCESS", True
        t.trade_no = f"{time.strftime('%Y%m%d')}{next(self._seq):010d}"

    # -- provider actions ----------------------------------------------------------------------
    def pay(self, app: str, out_trade_no: str, amount: int, code: str) -> tuple[str, Trade | None]:
        """-> (result, trade): success | user_paying | system_error | drop | insufficient_funds |
        code_expired | code_used | closed | duplicate."""
        digest = hmac.new(self._key, code.encode(), hashlib.sha256).digest()
        with self.lock:
            self.calls.append(("pay", out_trade_no))
            if out_trade_no in self.closed:
                return "closed", None
            if out_trade_no in self.trades:
                return "duplicate", self.trades[out_trade_no]
            if self._codes.get(digest, out_trade_no) != out_trade_no:
                return "code_used", None
            self._codes[digest] = out_trade_no
            scenario = scenario_of(code)
            t = Trade(out_trade_no, app, amount, scenario, time.monotonic(), customer=customer_of(code))
            if scenario in ("insufficient_funds", "code_expired"):
                t.state = "PAYERROR"
                self.trades[out_trade_no] = t
                return scenario, t
            self.trades[out_trade_no] = t
            if scenario in ("instant_success", "system_error_but_charged", "network_loss"):
                self._pay(t)
            if scenario == "network_loss":
                t.outage_until = time.monotonic() + self.timings.outage_s
                return "drop", t
            if scenario == "system_error_but_charged":
                return "system_error", t
            if scenario == "password_then_timeout":
                t.busy_cancels = 1
            return ("success" if t.paid else "user_paying"), t

    def query(self, out_trade_no: str) -> Trade | None:
        with self.lock:
            self.calls.append(("query", out_trade_no))
            t = self.trades.get(out_trade_no)
            if t:
                self._settle_time(t)
            return t

    def cancel(self, out_trade_no: str, wechat: bool = False) -> str:
        """-> busy | closed | refunded."""
        with self.lock:
            self.calls.append(("cancel", out_trade_no))
            t = self.trades.get(out_trade_no)
            if t is None:
                self.closed.add(out_trade_no)
                return "closed"
            if wechat and time.monotonic() - t.started < self.timings.reverse_after_s:
                self.violations.append(f"reverse of {out_trade_no} {time.monotonic() - t.started:.2f}s after pay")
            self._settle_time(t)
            if t.busy_cancels > 0:
                t.busy_cancels -= 1
                return "busy"
            if t.paid and t.refunded < t.amount:
                t.refunded = t.amount
                t.state = "REFUND" if not wechat else "REVOKED"
                return "refunded"
            if t.state not in ("REFUND", "REVOKED"):
                t.state = "CLOSED" if not wechat else "REVOKED"
            return "closed"

    def refund(self, out_trade_no: str, amount: int, refund_no: str) -> str:
        """-> refunded | not_paid | too_much."""
        with self.lock:
            self.calls.append(("refund", out_trade_no))
            t = self.trades.get(out_trade_no)
            if t is None or not t.paid:
                return "not_paid"
            if refund_no in t.refund_nos:
                return "refunded"
            if t.refunded + amount > t.amount:
                return "too_much"
            t.refund_nos.add(refund_no)
            t.refunded += amount
            t.state = "REFUND"
            return "refunded"

    # -- in-app orders (the customer pays on the provider's page) ------------------------------
    def open_inapp(self, app: str, out_trade_no: str, amount: int, subject: str, notify_url: str, return_url: str,
                   expire_at: float, request_fp: str) -> tuple[str, Trade | None]:
        """-> (result, trade): created | same (opened before with the same parameters) |
        inconsistent (opened before with others) | closed | expired."""
        with self.lock:
            self.calls.append(("prepay", out_trade_no))
            if out_trade_no in self.closed:
                return "closed", None
            t = self.trades.get(out_trade_no)
            if t is not None:
                if t.kind != "inapp" or t.request_fp != request_fp:
                    return "inconsistent", t
                self._settle_time(t)
                return ("closed" if t.state == "CLOSED" else "same"), t
            if time.time() > expire_at:
                return "expired", None
            t = Trade(out_trade_no, app, amount, "inapp", time.monotonic(), kind="inapp", request_fp=request_fp,
                      subject=subject, notify_url=notify_url, return_url=return_url, expire_at=expire_at,
                      page_token=secrets.token_hex(16))
            self.trades[out_trade_no] = t
            return "created", t

    def by_page(self, page_token: str) -> Trade | None:
        with self.lock:
            for t in self.trades.values():
                if t.kind == "inapp" and t.page_token and hmac.compare_digest(t.page_token, page_token):
                    self._settle_time(t)
                    return t
            return None

    def confirm(self, page_token: str, customer: str = "") -> tuple[str, Trade | None]:
        """The customer pressed 确认付款: -> (paid | already_paid | closed | unknown, trade)."""
        t = self.by_page(page_token)
        with self.lock:
            if t is None:
                return "unknown", None
            self.calls.append(("confirm", t.out_trade_no))
            self._settle_time(t)
            if t.paid:
                return "already_paid", t
            if t.state != "USERPAYING":
                return "closed", t
            t.customer = customer if customer.isdigit() and len(customer) == 6 else f"{secrets.randbelow(10**6):06d}"
            self._pay(t)
            return "paid", t

    def close(self, out_trade_no: str) -> str:
        """The merchant closes an unpaid order: -> closed | paid | not_found."""
        with self.lock:
            self.calls.append(("close", out_trade_no))
            t = self.trades.get(out_trade_no)
            if t is None:
                return "not_found"
            self._settle_time(t)
            if t.paid:
                return "paid"
            t.state = "CLOSED"
            return "closed"
