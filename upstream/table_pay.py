"""Paying a table on the phone: a pay_first round before it is sent to the kitchen, or a pay_after
table's bill at the end, as an in-app payment of the upstream's gateway (upstream/gateway/inapp.py).

    pay_round(db, session, round_no, doc, now)  {"channel", "coupon_id"?} -> {"pay_url", "attempt_id", ...}
    pay_bill(db, session, doc, now)             {"channel", "coupon_id"?} -> {"pay_url", "attempt_id", ...}
    on_settled(db, attempt_row)                 the gateway's settle callback (registered by `register`)

A member (the phone's member cookie) may apply one of their coupons (upstream/phone_coupons.py):
the attempt is for the amount less the discount, the coupon is held by it, and on settle the
round's command or the bill's payment carries the discount to the device.

A round's bill reference is its round_id; the table's bill's is "session:<session_id>". On
settle, a paid round gets its one `order.place` command (payment "prepaid", table_rounds.
send_paid_round, guarded by command_id IS NULL: a repeated callback sends nothing) and goes
`sent`; a paid bill is recorded as a table payment (keyed by the attempt id: once). A round that
can no longer be sent (the table was cleared while its guest was paying) is refunded. The
payments are shown on the phone as the table's receipts (`payments_of`).
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from upstream import phone_coupons, table_rounds, table_sessions
from upstream.errors import ApiError, now_ms
from upstream.gateway import inapp, inapp_settle
from upstream.members import BILL_PREFIX
from upstream.sql import Database
from upstream.store_settings import table_code

log = logging.getLogger(__name__)


def register() -> None:
    """Let the gateway tell this module when a phone payment settles (idempotent)."""
    inapp_settle.on_inapp_settled(on_settled)


def bill_ref(session_id: str) -> str:
    return BILL_PREFIX + session_id


def _channel(doc: object) -> object:
    if not isinstance(doc, dict):
        raise ApiError(422, "bad_request", "a payment is {\"channel\": \"wechat\" | \"alipay\"}", "channel")
    return doc.get("channel")


def _start(db: Database, session: dict, ref: str, amount: int, channel: object, subject: str, doc: object,
           member: dict | None, now: int) -> dict:
    """Start the in-app payment of `amount` for bill `ref`, less the member's coupon when the body
    names one (held before the attempt starts, given back when it does not)."""
    coupon_id = doc.get("coupon_id") if isinstance(doc, dict) else None
    held = phone_coupons.hold(db, member, coupon_id, ref, amount, now) if coupon_id is not None else None
    try:
        started = inapp.start_inapp(db, session["store_id"], ref, amount - (held.discount if held else 0), channel,
                                    subject, _return_url(db, session))
    except BaseException:
        if held is not None:
            phone_coupons.drop(db, held)
        raise
    if held is not None:
        phone_coupons.attach(db, held, started["attempt_id"], started["state"])
    return {**started, "coupon": phone_coupons.of_attempt(db, started["attempt_id"])}


def _return_url(db: Database, session: dict) -> str:
    """Where the provider's page sends the guest back: the table's own page (its signed code's URL)
    on this upstream as the phones reach it."""
    gateway = inapp.gateway_for(db)
    if not gateway.public_url:
        raise ApiError(503, "no_notify_url", "the gateway does not know its public URL ([inapp] public_url)")
    code = urlsplit(table_code(db, session["store_id"], session["table_no"], "table.invalid"))
    return f"{gateway.public_url}{code.path}?{code.query}"


def _subject(db: Database, session: dict, what: str) -> str:
    name = db.scalar("SELECT name FROM stores WHERE store_id = ?", [session["store_id"]]) or session["store_id"]
    return f"{name} {session['table_no']}号桌 {what}"


def _answer(started: dict) -> dict:
    return {"pay_url": started["pay_url"], "attempt_id": started["attempt_id"], "state": started["state"],
            "paid": started["paid"], "amount": started["amount"], "channel": started["channel"],
            "expires_ms": started["expires_ms"], "coupon": started.get("coupon")}


def _started_by(db: Database, started: dict, phone: str | None) -> dict:
    """The phone that asked for the page is the one that pays there: remember it (member_join.py)."""
    if phone and started.get("attempt_id"):
        db.execute("UPDATE gateway_attempts SET started_by = ? WHERE attempt_id = ?", [phone, started["attempt_id"]])
    return started


def pay_round(db: Database, session: dict, round_no: object, doc: object, now: int, phone: str | None = None,
              member: dict | None = None) -> dict:
    """先付后吃: pay round `round_no` of the phone's table (it waits as `awaiting_payment`)."""
    table_sessions.require_open(session)
    channel = _channel(doc)
    rnd = db.one("SELECT * FROM table_rounds WHERE session_id = ? AND round_no = ?",
                 [session["session_id"], round_no]) if isinstance(round_no, int) else None
    if rnd is None:
        raise ApiError(404, "no_such_round", f"this table has no round {round_no}")
    if rnd["state"] != "awaiting_payment":
        if rnd["payment"] == "prepaid":
            raise ApiError(409, "round_paid", f"round {round_no} is paid already")
        raise ApiError(409, "round_not_payable", f"round {round_no} does not wait for a payment ({rnd['state']})")
    subject = _subject(db, session, f"第{rnd['round_no']}轮")
    started = _start(db, session, rnd["round_id"], rnd["total"], channel, subject, doc, member, now)
    return _answer(_started_by(db, started, phone))


def pay_bill(db: Database, session: dict, doc: object, now: int, phone: str | None = None,
             member: dict | None = None) -> dict:
    """先吃后付: pay what the table still owes (all its rounds, less voids and what was paid)."""
    table_sessions.require_open(session)
    channel = _channel(doc)
    due = table_rounds.bill(db, session["session_id"])["due"]
    if due <= 0:
        raise ApiError(409, "nothing_due", "this table owes nothing now")
    started = _start(db, session, bill_ref(session["session_id"]), due, channel, _subject(db, session, "结账"), doc,
                     member, now)
    return _answer(_started_by(db, started, phone))


def on_settled(db: Database, row: dict) -> None:
    """A phone payment succeeded (the gateway calls this once per attempt; again only after a crash)."""
    ref, now = row["order_id"], now_ms()
    amount = row["paid_amount"] or row["amount"]
    if ref.startswith(BILL_PREFIX):
        session = db.one("SELECT * FROM table_sessions WHERE session_id = ? AND store_id = ?",
                         [ref.removeprefix(BILL_PREFIX), row["store_id"]])
        if session is not None:
            discount, coupon_id = phone_coupons.applied(db, row)
            table_rounds.record_payment(db, session, row["attempt_id"], amount, row["channel"], "phone", None, now,
                                        discount, coupon_id)
        return
    rnd = db.one("SELECT * FROM table_rounds WHERE round_id = ? AND store_id = ?", [ref, row["store_id"]])
    if rnd is None:
        return  # not a table's payment
    if rnd["state"] == "awaiting_payment":
        discount, coupon_id = phone_coupons.applied(db, row)
        table_rounds.send_paid_round(db, rnd["round_id"], row["attempt_id"], row["channel"], amount, now,
                                     discount, coupon_id)
    elif rnd["attempt_id"] != row["attempt_id"]:
        # the round can no longer be sent (the table was cleared) or another payment sent it: give it back
        log.warning("round %s paid by %s but it is %s: refunding", rnd["round_id"], row["attempt_id"], rnd["state"])
        inapp.give_back(db, row["attempt_id"], "cancelled")


def payments_of(db: Database, session: dict) -> list[dict]:
    """The table's phone payments (its receipts): what, how, how much, and where they are."""
    rounds = {r["round_id"]: r["round_no"] for r in db.query(
        "SELECT round_id, round_no FROM table_rounds WHERE session_id = ?", [session["session_id"]])}
    refs = [bill_ref(session["session_id"]), *rounds]
    rows = db.query(f"SELECT a.*, {phone_coupons.COUPON_COLUMNS} FROM gateway_attempts a {phone_coupons.OF_ATTEMPT}"
                    f" WHERE a.store_id = ? AND a.kind = 'inapp' AND a.order_id IN ({', '.join('?' * len(refs))})"
                    " ORDER BY a.created_ms, a.attempt_id", [session["store_id"], *refs])
    return [{"attempt_id": r["attempt_id"], "round": rounds.get(r["order_id"]), "channel": r["channel"],
             "amount": r["paid_amount"] or r["amount"], "state": _phone_state(r["state"]),
             "coupon": phone_coupons.coupon_of(r),
             "paid_ms": (r["notified_ms"] or r["final_ms"]) if r["state"] == "succeeded" else None,
             "provider_trade_no": r["provider_trade_no"]} for r in rows]


def _phone_state(state: str) -> str:
    """The attempt in a guest's words' keys: paying | paid | closed | refunding | refunded | failed."""
    return {"paying": "paying", "querying": "paying", "succeeded": "paid", "refunding": "refunding",
            "refunded": "refunded", "failed": "failed"}.get(state, "closed")


def settle_table(db: Database, session: dict) -> None:
    """Run the settle callbacks a crash left undone for this table's payments (on every state read)."""
    rounds = [r["round_id"] for r in db.query("SELECT round_id FROM table_rounds WHERE session_id = ?"
                                              " AND state = 'awaiting_payment'", [session["session_id"]])]
    inapp_settle.settle_pending(db, [bill_ref(session["session_id"]), *rounds])


def with_payments(db: Database, session: dict, body: dict) -> dict:
    """The phone's state body with the table's phone payments in its bill (`bill.payments`, and
    `bill.state` "paying" while a payment of the bill is open)."""
    payments = payments_of(db, session)
    bill = dict(body.get("bill") or {})
    bill["payments"] = payments
    if bill.get("state") == "open" and any(p["state"] == "paying" and p["round"] is None for p in payments):
        bill["state"] = "paying"
    return {**body, "bill": bill}
