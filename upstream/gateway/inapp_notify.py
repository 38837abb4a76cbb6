"""The providers' notifies of in-app payments: `POST /v1/pay-notify/<provider>` (public).

The provider's adapter verifies the signature and that the notify is for this merchant
(`notice`); the attempt is found by out_trade_no (an in-app attempt of that provider) and the
amount must be the attempt's. Anything else (forged, unknown trade, wrong amount) changes
nothing, is written to the alarms (`edge-upstream alarms`) and answered with the provider's
failure text. A verified payment notify is applied in a transaction that re-reads the attempt:
waiting → succeeded (then the settle callbacks run); already succeeded → nothing (a repeated
notify settles once); being closed or closed → refunding (one net charge). The answer is the
provider's success text (Alipay `success`, WeChat Pay `<return_code>SUCCESS`)."""

from __future__ import annotations

import logging

from upstream import members
from upstream.errors import ApiError, now_ms
from upstream.gateway import store
from upstream.gateway.engine import payer_fields
from upstream.gateway.states import (CANCELLING, CLOSED, FAILED, PAYING, QUERYING, RECONCILE, RUNNING,
                                     SUCCEEDED, REFUNDING)

log = logging.getLogger(__name__)


def handle_notice(gateway, provider_name: str, body: bytes, content_type: str, client: str | None) -> tuple[bytes, str]:
    """-> the answer the provider expects (body, content type)."""
    provider = gateway.providers.get(provider_name)
    if provider is None or not hasattr(provider, "notice"):
        raise ApiError(404, "not_found", "no such payment provider")
    db, now = gateway.db, now_ms()
    notice = provider.notice(body, content_type)
    if notice is None:
        with db.tx():
            store.alarm(db, None, "pay_notify_forged", f"{provider_name} notify from {client}: signature or merchant"
                        " does not verify", now)
        log.warning("%s notify from %s refused: signature or merchant does not verify", provider_name, client)
        return provider.notice_answer(False)
    row = store.by_out_trade_no(db, notice.out_trade_no)
    if row is None or row["kind"] != "inapp" or row["provider"] != provider_name:
        with db.tx():
            store.alarm(db, row["store_id"] if row else None, "pay_notify_unknown",
                        f"{provider_name} notify for unknown trade {notice.out_trade_no[:40]!r}", now)
        return provider.notice_answer(False)
    attempt_id = row["attempt_id"]
    if not notice.paid:  # e.g. a notify that the trade closed: the queries and the close decide
        with db.tx():
            store.log(db, attempt_id, row["state"], "notify", notice.note or "not paid", "nothing to do", now)
        return provider.notice_answer(True)
    if notice.amount != row["amount"]:
        with db.tx():
            store.alarm(db, row["store_id"], "pay_notify_amount",
                        f"{provider_name} notify for {attempt_id}: {notice.amount} fen, the attempt is {row['amount']}",
                        now)
            store.log(db, attempt_id, row["state"], "notify", "amount_mismatch", f"{notice.amount} fen", now)
        return provider.notice_answer(False)
    state = _apply(gateway, attempt_id, notice)
    gateway._fp("gw.after_notify")
    if state == SUCCEEDED:
        gateway.wake(attempt_id)  # its runner stops: nothing more to query
        gateway.succeeded(attempt_id)  # the settle callbacks (inapp.attach hooked them)
    elif state in RUNNING:
        gateway.wake(attempt_id)
        gateway.ensure_runner(attempt_id)
    return provider.notice_answer(True)


def _apply(gateway, attempt_id: str, notice) -> str:
    db = gateway.db
    with db.tx():
        row = store.lock(db, attempt_id)
        now = now_ms()
        fields: dict = {"notified_ms": now, "paid_amount": notice.amount}
        if notice.trade_no:
            fields["provider_trade_no"] = notice.trade_no
        if row["state"] in (PAYING, QUERYING) and not row["abandoned"]:
            fields.update(state=SUCCEEDED, detail=None, reason=None, **payer_fields(row, notice.payer))
            note = "paid"
        elif row["state"] in (PAYING, QUERYING, CANCELLING, RECONCILE, CLOSED, FAILED):
            # paid on the provider's page after the attempt was given up: give the money back
            fields.update(state=REFUNDING, open_order=None, tries=0, next_action_ms=now, final_ms=None,
                          reason=row["abandon_reason"] or row["reason"] or "timed_out")
            note = "paid after it was given up: refund"
            store.alarm(db, row["store_id"], "pay_late", f"{attempt_id} paid after it was given up: refunding", now)
        else:  # succeeded (a repeated notify), refunding, refunded, attention: nothing changes
            store.log(db, attempt_id, row["state"], "notify", "paid", "repeated notify: nothing to do", now)
            return row["state"]
        store.update(db, attempt_id, fields, now)
        store.log(db, attempt_id, fields["state"], "notify", "paid", note, now)
        if fields["state"] == SUCCEEDED:
            members.record_settled(db, {**row, **fields}, now)
        return fields["state"]
