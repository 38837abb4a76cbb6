"""Payment endpoints of the core's local API (docs/payments.md, docs/protocol.md):

    POST /v1/orders/{id}/payments {"code": "..."} | {"from_scan": true, "screen"?}   start paying by code
    POST /v1/screens/{screen}/showing {"order_id": "..." | null}   a UI's pay screen shows that order / left
    GET  /v1/orders/{id}/payments                 the order's attempts
    POST /v1/orders/{id}/cash                     the cashier took cash (abandons open attempts; staff session)
    GET  /v1/payments?unresolved=1&limit=50       attempts (the cashier's unresolved list)
    GET  /v1/payments/cashier                     {"unresolved": [...], "awaiting": [orders held for payment]}
    GET  /v1/payments/{attempt_id}                one attempt
    POST /v1/payments/{attempt_id}/abandon        give it up ({"reason": "customer_cancelled"}; a staff
                                                  session, except the customer's own cancel while the
                                                  attempt waits for them)
    POST /v1/payments/{attempt_id}/query          ask the gateway now (cashier's "retry query")

A payment code sent in a body is used for the one request to the gateway and never logged,
stored or echoed; `from_scan` takes the code the camera / a wedge scanner read last (once), and only
when it was read at the asking `screen` (edge.core.scanning: a code never pays another screen's order).
A refusal of the payment manager (PaymentError) becomes its answer in edge.core.errors. Taking cash
and abandoning name the staff member by the header `X-Staff-Session` (edge.core.cashier_api): 401
no_session without one, and the change is recorded with their id.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from edge.codes import classify
from edge.core.bodies import BAD_SCREEN, AbandonBody, ShowingBody, StartPaymentBody
from edge.core.cashier_api import LoggedIn, MaybeLoggedIn
from edge.core.depends import Payments, Service, json_body
from edge.core.errors import error
from edge.core.scanning import ScanRefused

router = APIRouter()
SCREEN_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


async def run(fn, *args, status: int = 200) -> JSONResponse:
    """The manager's work in a thread; a refusal becomes the error answer (edge.core.errors)."""
    return JSONResponse(await run_in_threadpool(fn, *args), status_code=status)


def payment_code(service, doc):
    """The payment code a body names: typed (`code`), else the one scanned at its `screen`;
    (code, None), or (None, the refusal to answer) when the scan belongs elsewhere."""
    if doc.code is not None:
        return classify(doc.code.strip()), None
    try:
        return (service.scanner.take_payment_code(doc.screen) if service.scanner else None), None
    except ScanRefused as refused:
        return None, error(refused.status, refused.code, refused.message)


@router.post("/v1/orders/{order_id}/payments")
async def start(service: Service, order_id: str, doc: Annotated[StartPaymentBody, json_body(StartPaymentBody)]):
    code, refusal = payment_code(service, doc)
    if refusal is not None:
        return refusal
    view, created = await run_in_threadpool(service.payments.pay, order_id, code)
    return JSONResponse(view, status_code=201 if created else 200)


@router.post("/v1/screens/{screen}/showing")
async def showing(service: Service, screen: str, doc: Annotated[ShowingBody, json_body(ShowingBody)]):
    """A UI's pay screen says which order it shows (or that it left): edge.core.scanning."""
    if not SCREEN_ID.fullmatch(screen):
        return error(422, BAD_SCREEN.code, str(BAD_SCREEN.message), "screen")
    if service.scanner:
        service.scanner.showing(screen, doc.order_id)
    return {"screen": screen, "order_id": doc.order_id}


@router.get("/v1/orders/{order_id}/payments")
async def of_order(manager: Payments, order_id: str):
    return await run(lambda: {"attempts": manager.attempts(order_id=order_id)})


@router.post("/v1/orders/{order_id}/cash")
async def cash(manager: Payments, order_id: str, staff: LoggedIn):
    return await run(manager.take_cash, order_id, staff)


@router.get("/v1/payments")
async def listing(manager: Payments, unresolved: bool = False, limit: int = 50):
    return await run(lambda: {"attempts": manager.attempts(unresolved=unresolved, limit=max(1, min(limit, 500)))})


@router.get("/v1/payments/cashier")
async def cashier(manager: Payments):
    return await run(lambda: {"unresolved": manager.attempts(unresolved=True), "awaiting": manager.awaiting()})


@router.get("/v1/payments/{attempt_id}")
async def one(manager: Payments, attempt_id: str):
    view = await run_in_threadpool(manager.view, attempt_id)
    return view if view is not None else error(404, "not_found", f"no payment attempt {attempt_id}")


@router.post("/v1/payments/{attempt_id}/abandon")
async def abandon(manager: Payments, attempt_id: str, doc: Annotated[AbandonBody, json_body(AbandonBody)],
                  staff: MaybeLoggedIn):
    return await run(manager.abandon, attempt_id, doc.reason, staff)


@router.post("/v1/payments/{attempt_id}/query")
async def query(manager: Payments, attempt_id: str):
    return await run(manager.retry_query, attempt_id)
