"""Reasons and waiting details in plain words, Chinese first (the kiosk, the cashier, the CLI)."""

from __future__ import annotations

REASONS = {
    "insufficient_funds": ("余额不足，请换一种方式付款", "Insufficient balance: pay another way"),
    "code_expired": ("付款码已过期，请刷新付款码后重试", "The payment code expired: refresh it and try again"),
    "code_invalid": ("付款码无效，请刷新付款码后重试", "The payment code is not valid: refresh it and try again"),
    "code_used": ("付款码已使用，请刷新付款码后重试", "This payment code was used already: refresh it and try again"),
    "declined": ("支付被拒绝，请换一种方式付款", "The payment was declined: pay another way"),
    "provider_error": ("支付服务出错，未扣款，请到柜台付款", "The payment service failed (nothing was taken): "
                       "please pay at the counter"),
    "timed_out": ("支付超时，未扣款", "Payment timed out: nothing was taken"),
    "cancelled": ("已取消，未扣款", "Cancelled: nothing was taken"),
    "cash": ("已改为现金付款", "Paid in cash instead"),
    "duplicate": ("重复付款，已自动退回", "Paid twice: the second payment is returned automatically"),
    "amount_mismatch": ("金额与订单不符，未扣款", "The amount does not match the order: nothing was taken"),
    "unknown_delivery": ("支付未完成，未扣款，请重试", "The payment did not go through (nothing was taken): "
                         "try again"),
    "offline": ("网络不通，暂不能扫码付款，请到柜台付款", "No connection: code payments are not available, "
                "please pay at the counter"),
    "not_enrolled": ("本机未连接后台，不能扫码付款，请到柜台付款", "This device is not connected to the store's "
                     "server: please pay at the counter"),
    "no_gateway": ("本店未开通扫码付款，请到柜台付款", "This store takes no code payments: please pay at the counter"),
    "order_paid": ("订单已付款", "The order is paid already"),
    "attempt_open": ("本单另有一笔付款正在进行", "Another payment of this order is in progress"),
    "gateway_refused": ("支付未受理，未扣款", "The payment was not accepted: nothing was taken"),
}
STATES = {
    "created": ("正在发起支付…", "Starting the payment…"),
    "pending": ("正在支付…", "Paying…"),
    "user_paying": ("请在手机上输入支付密码", "Enter your payment password on your phone"),
    "checking": ("正在确认支付结果…", "Checking the payment…"),
    "abandoning": ("正在取消支付…", "Cancelling the payment…"),
    "closing": ("正在撤销支付，如已扣款将自动退回", "Cancelling: any money taken is returned automatically"),
    "unresolved": ("支付结果未知，请到柜台处理，请勿重复付款", "Payment status unknown: please see the cashier, "
                   "do not pay again"),
    "succeeded": ("支付成功", "Paid"),
    "failed": ("支付失败", "Payment failed"),
    "closed": ("支付已撤销，未扣款", "Payment cancelled: nothing was taken"),
    "refunded": ("已扣款项已退回", "The money taken was returned"),
    "abandoned": ("支付已取消，未扣款", "Payment cancelled: nothing was taken"),
}


def words(key: str | None, table: dict = REASONS) -> dict | None:
    if key is None or key not in table:
        return None
    zh, en = table[key]
    return {"zh": zh, "en": en}


NOTHING_TAKEN = ("，未扣款", ": nothing was taken", " (nothing was taken)")


def _joined(head: str, tail: str, brackets: str) -> str:
    """The state's words with the reason's in brackets, saying nothing twice: the reason loses a
    'nothing was taken' the state already says, and a reason the state already says is left out."""
    for said in NOTHING_TAKEN:
        if said.strip(" ，:()") in head:
            tail = tail.replace(said, "")
    if not tail or tail.lower() in head.lower():
        return head
    return head + brackets.format(tail)


def message(state: str, detail: str | None, reason: str | None, unresolved: bool) -> dict:
    """What to tell the customer / cashier about an attempt now."""
    if unresolved and state not in ("succeeded", "failed", "closed", "refunded", "abandoned"):
        return words("unresolved", STATES)
    if state == "pending" and detail in ("user_paying", "checking"):
        return words(detail, STATES)
    if state in ("failed", "closed", "abandoned", "closing", "refunded") and reason in REASONS:
        head, tail = STATES[state], REASONS[reason]
        if state == "failed":
            return {"zh": tail[0], "en": tail[1]}
        return {"zh": _joined(head[0], tail[0], "（{}）"), "en": _joined(head[1], tail[1], " ({})")}
    return words(state, STATES) or {"zh": state, "en": state}
