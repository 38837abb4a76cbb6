"""Every money or printing action of the core's API needs a staff session (`X-Staff-Session`):
without one (or with a session that does not exist) it is refused with 401 and nothing changes —
no order, print job, outbox event or who-did-it row. With one it is done and leaves exactly one
audit row naming the staff member; taking cash names them in the `order.paid` event too.
(Abandoning a code payment, where the customer's own cancel stays open, is tested against a real
gateway in tests/payments/test_staff_abandon.py.) Real HTTP to a real core on 127.0.0.1."""

from __future__ import annotations

import json

import pytest

from edge.printer_sim.simulator import PrinterSimulator
from tests.cashier.helpers import CASHIER, Served, open_service, place
from tests.support import wait_for

PAY_FIRST = '[payments]\nmode = "pay_first"\n'


@pytest.fixture
def sims():
    started = {name: PrinterSimulator(port=0, name=name).start() for name in ("dimsum", "counter")}
    yield started
    for sim in started.values():
        sim.stop()


@pytest.fixture
def core(tmp_path, sims):
    """A pay-first core (orders wait for their money) with a kitchen printer and a receipt printer."""
    served = Served(open_service(tmp_path / "core", {name: sim.port for name, sim in sims.items()},
                                 extra='receipt = "counter"\n' + PAY_FIRST))
    yield served
    served.close()


def state_of(core) -> tuple:
    with core.service.ledger.reading():
        db = core.service.db
        return tuple(db.execute(sql).fetchall() for sql in (
            "SELECT id, status, payment FROM orders ORDER BY id",
            "SELECT id, kind, reprint FROM print_jobs ORDER BY id",
            "SELECT count(*) FROM outbox", "SELECT count(*) FROM staff_actions"))


def audit(core) -> list[tuple]:
    with core.service.ledger.reading():
        return core.service.db.execute("SELECT action, staff_id, target FROM staff_actions ORDER BY id").fetchall()


def cash(core, order):
    return "POST", f"/v1/orders/{order['id']}/cash", {}


def receipt(core, order):
    return "POST", f"/v1/orders/{order['id']}/receipt", {}


def reprint(core, order):
    return "POST", f"/v1/print-jobs/{paid_job(core, order)}/reprint", {}


def cashier_reprint(core, order):
    return "POST", f"/v1/cashier/print-jobs/{paid_job(core, order)}/reprint", {}


def report_print(core, order):
    return "POST", "/v1/cashier/reports/day/print", {"date": order["business_day"]}


def paid_job(core, order) -> str:
    """A kitchen job of the order (it is paid first, by the cashier, so that it has one)."""
    if not order.get("_job"):
        answer = core.api.call("POST", f"/v1/orders/{order['id']}/cash", {}, session=core.api.login())
        assert answer.status_code == 200, answer.text
        core.api.session = None
        order["_job"] = next(j for j in answer.json()["print_jobs"] if j["kind"] == "kitchen")["id"]
    return order["_job"]


ROUTES = {"cash": (cash, "cash"), "receipt": (receipt, "receipt"), "reprint": (reprint, "reprint"),
          "cashier_reprint": (cashier_reprint, "reprint"), "report_print": (report_print, "report_print")}


@pytest.mark.parametrize("name", list(ROUTES))
def test_refused_without_a_session_and_nothing_changes(core, name):
    route, action = ROUTES[name]
    order = place(core.service, lines=(("har_gow", 3), ("char_siu_bao", 1)))  # ¥102: held until paid
    method, path, body = route(core, order)
    before, audited = state_of(core), audit(core)
    for session in (None, "not-a-session", ""):
        answer = core.api.call(method, path, body, session=session)
        assert answer.status_code == 401, (session, answer.text)
        assert answer.json()["error"]["code"] == "no_session"
    assert state_of(core) == before, "a refused action changes nothing"
    core.api.login()
    answer = core.api.call(method, path, body)
    assert answer.status_code in (200, 202), answer.text
    new = audit(core)[len(audited):]
    assert [(a, s) for a, s, _ in new] == [(action, CASHIER[0])], "one audit row, naming the staff member"


def test_cash_pays_a_held_order_and_names_the_staff_member(core, sims):
    order = place(core.service, lines=(("har_gow", 3), ("char_siu_bao", 1)))
    assert order["status"] == "awaiting_payment" and order["print_jobs"] == []
    refused = core.api.call("POST", f"/v1/orders/{order['id']}/cash", {})
    assert refused.status_code == 401
    assert core.service.order(order["id"])["status"] == "awaiting_payment"
    assert not sims["dimsum"].tickets, "nothing reaches the kitchen without a staff member"
    core.api.login()
    paid = core.api.call("POST", f"/v1/orders/{order['id']}/cash", {})
    assert paid.status_code == 200 and paid.json()["status"] == "paid"
    with core.service.ledger.reading():
        events = [json.loads(r[0]) for r in core.service.db.execute(
            "SELECT payload FROM outbox WHERE type = 'order.paid'").fetchall()]
    assert [(e["order_id"], e["payment"], e["staff_id"]) for e in events] == [(order["id"], "cash", CASHIER[0])]
    assert audit(core) == [("cash", CASHIER[0], order["id"])]
    wait_for(lambda: sims["dimsum"].tickets, what="the kitchen ticket once paid")
