"""Table endpoints of the core's local API (the cashier's 桌台 view; docs/protocol.md, docs/cashier.md).
Every one needs a staff session (`X-Staff-Session`, edge.core.cashier_api):

    GET  /v1/tables                          the open table sessions with this device's orders and bills
                                             ({"online": false, "message"} and the tables that owe money
                                             while upstream cannot be reached)
    POST /v1/tables/{table}/open      {}     开台 (upstream opens the table's session, or returns the open one)
    POST /v1/tables/{session}/close   {"force"?, "manager_id"?, "manager_pin"?}   清台; 409 bill_unpaid while
                                             the bill has money due, unless a manager forces it
    POST /v1/tables/{session}/pay     {"method": "cash"} | {"method": "code", "code"} |
                                      {"method": "code", "from_scan": true, "screen"}   the whole bill
    POST /v1/calls/{call_id}/handled  {}     a guest's call was seen to

Upstream unreachable: 409 `upstream_offline` for open, close and calls (nothing changed); taking
a bill's money works offline (upstream is told when it is back).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from edge.core.bodies import CloseTableBody, PayBillBody
from edge.core.cashier_api import LoggedIn, run
from edge.core.depends import Cashier, Service, json_body
from edge.core.payments_api import payment_code

router = APIRouter()


@router.get("/v1/tables")
async def tables(desk: Cashier, staff: LoggedIn):
    return await run(desk.tables.view)


@router.post("/v1/tables/{table}/open")
async def open_table(desk: Cashier, table: str, staff: LoggedIn):
    return await run(desk.tables.open_table, staff, table)


@router.post("/v1/tables/{session_id}/close")
async def close_table(desk: Cashier, session_id: str, doc: Annotated[CloseTableBody, json_body(CloseTableBody)],
                      staff: LoggedIn):
    return await run(desk.close_table, staff, session_id, doc.force, doc.manager_id, doc.manager_pin)


@router.post("/v1/tables/{session_id}/pay")
async def pay_bill(service: Service, session_id: str, doc: Annotated[PayBillBody, json_body(PayBillBody)],
                   staff: LoggedIn):
    if doc.method == "cash":
        return await run(service.payments.take_bill_cash, session_id, staff)
    code, refusal = payment_code(service, doc)
    if refusal is not None:
        return refusal
    view, created = await run_in_threadpool(service.payments.pay_bill, session_id, code)
    return JSONResponse(view, status_code=201 if created else 200)


@router.post("/v1/calls/{call_id}/handled")
async def call_handled(desk: Cashier, call_id: str, staff: LoggedIn):
    return await run(desk.tables.call_handled, staff, call_id)
