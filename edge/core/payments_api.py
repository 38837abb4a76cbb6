"""Payment endpoints of the core's local API (docs/payments.md, docs/protocol.md):

    POST /v1/orders/{id}/payments {"code": "..."} | {"from_scan": true}   start paying by code
    GET  /v1/orders/{id}/payments                 the order's attempts
    POST /v1/orders/{id}/cash                     the cashier took cash (abandons open attempts)
    GET  /v1/payments?unresolved=1&limit=50       attempts (the cashier's unresolved list)
    GET  /v1/payments/cashier                     {"unresolved": [...], "awaiting": [orders held for payment]}
    GET  /v1/payments/{attempt_id}                one attempt
    POST /v1/payments/{attempt_id}/abandon        give it up ({"reason": "customer_cancelled"})
    POST /v1/payments/{attempt_id}/query          ask the gateway now (cashier's "retry query")

A payment code sent in a body is used for the one request to the gateway and never logged,
stored or echoed; `from_scan` takes the code the camera / a wedge scanner read last (once).
"""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from edge.codes import classify
from edge.payments.manager import PaymentError
from edge.core.errors import error

MAX_BODY = 4096


def payments_router(service) -> APIRouter:
    router = APIRouter()

    async def body(request: Request) -> dict:
        raw = await request.body()
        if len(raw) > MAX_BODY:
            raise PaymentError(413, "too_large", "the body is too large")
        try:
            doc = json.loads(raw) if raw else {}
        except (ValueError, UnicodeDecodeError):
            raise PaymentError(400, "malformed_json", "the body is not valid JSON") from None
        if not isinstance(doc, dict):
            raise PaymentError(422, "bad_request", "the body must be a JSON object")
        return doc

    async def run(fn, *args, status: int = 200):
        """The manager's work in a thread; a refusal becomes the error answer (edge.core.errors)."""
        return JSONResponse(await run_in_threadpool(fn, *args), status_code=status)

    def manager():
        return service.payments

    @router.post("/v1/orders/{order_id}/payments")
    async def start(order_id: str, request: Request):
        doc = await body(request)
        text = doc.pop("code", None)
        if isinstance(text, str):
            code = classify(text.strip())
        elif doc.get("from_scan"):
            code = service.scanner.take_payment_code() if service.scanner else None
        else:
            return error(422, "bad_request", "send {\"code\": \"...\"} or {\"from_scan\": true}", "code")
        del text
        view, created = await run_in_threadpool(manager().pay, order_id, code)
        return JSONResponse(view, status_code=201 if created else 200)

    @router.get("/v1/orders/{order_id}/payments")
    async def of_order(order_id: str):
        return await run(lambda: {"attempts": manager().attempts(order_id=order_id)})

    @router.post("/v1/orders/{order_id}/cash")
    async def cash(order_id: str):
        return await run(manager().take_cash, order_id)

    @router.get("/v1/payments")
    async def listing(unresolved: bool = False, limit: int = 50):
        return await run(lambda: {"attempts": manager().attempts(unresolved=unresolved,
                                                                 limit=max(1, min(limit, 500)))})

    @router.get("/v1/payments/cashier")
    async def cashier():
        return await run(lambda: {"unresolved": manager().attempts(unresolved=True),
                                  "awaiting": manager().awaiting()})

    @router.get("/v1/payments/{attempt_id}")
    async def one(attempt_id: str):
        view = await run_in_threadpool(manager().view, attempt_id)
        return view if view is not None else error(404, "not_found", f"no payment attempt {attempt_id}")

    @router.post("/v1/payments/{attempt_id}/abandon")
    async def abandon(attempt_id: str, request: Request):
        doc = await body(request)
        reason = doc.get("reason") if doc.get("reason") in ("customer_cancelled", "cash") else "customer_cancelled"
        return await run(manager().abandon, attempt_id, reason)

    @router.post("/v1/payments/{attempt_id}/query")
    async def query(attempt_id: str):
        return await run(manager().retry_query, attempt_id)

    return router
