"""Cashier endpoints of the core's local API (docs/cashier.md has the full list).

Staff: GET /v1/cashier/staff, POST /v1/cashier/login {staff_id, pin} -> {session}, POST
/v1/cashier/logout. Every action that changes something needs the header `X-Staff-Session`
(who did it). Codes: POST /v1/cashier/vouchers/verify|redeem {code | voucher_id}, POST
/v1/cashier/vouchers/reconcile, GET /v1/cashier/vouchers, POST /v1/cashier/pickups {code |
order_id}. Orders: GET /v1/cashier/orders?ticket=&table=&day=&since_ms=&until_ms=&open=,
GET /v1/cashier/orders/{id}, POST …/{id}/void {lines | null, reason}, POST …/{id}/refund
{amount, reason, manager_id, manager_pin}, POST /v1/cashier/print-jobs/{id}/reprint, POST
/v1/cashier/menu/items/{id}/sold-out {sold_out}. Day: GET /v1/cashier/reports/day?date=,
POST /v1/cashier/reports/day/print {date}, POST /v1/cashier/reports/day/close {date, print}.
Errors: {"error": {"code", "message", "field", ...}} like the rest of the API.
"""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from edge.cashier.order_actions import ActionRefused
from edge.core.service import EdgeService
from edge.core.errors import error

SESSION_HEADER = "X-Staff-Session"
MAX_BODY = 16 * 1024


def cashier_router(service: EdgeService) -> APIRouter:
    router = APIRouter(prefix="/v1/cashier")

    def desk():
        return service.cashier

    async def body(request: Request) -> dict:
        raw = await request.body()
        if len(raw) > MAX_BODY:
            raise ActionRefused(413, "too_large", "the body is too large")
        if not raw:
            return {}
        try:
            doc = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise ActionRefused(400, "malformed_json", "the body is not valid JSON") from None
        if not isinstance(doc, dict):
            raise ActionRefused(422, "bad_request", "the body must be a JSON object")
        return doc

    async def run(fn, *args, status: int = 200, **kwargs):
        """The desk's work in a thread; a refusal becomes the error answer (edge.core.errors)."""
        return JSONResponse(await run_in_threadpool(fn, *args, **kwargs), status_code=status)

    def staff(request: Request):
        return desk().staff_of(request.headers.get(SESSION_HEADER))

    async def act(request: Request, fn, *args, **kwargs):
        """An action that records who did it: the session's staff member is the first argument."""
        return await run(fn, staff(request), *args, **kwargs)

    @router.get("/staff")
    async def staff_list():
        return {"staff": await run_in_threadpool(desk().staff_list)}

    @router.post("/login")
    async def login(request: Request):
        doc = await body(request)
        result, token = await run_in_threadpool(desk().login, str(doc.get("staff_id") or ""), str(doc.get("pin") or ""))
        if token:
            return {"session": token, "staff": result["staff"]}
        if result["reason"] == "locked":
            return error(423, "locked", f"too many wrong PINs: try again in {result['retry_after_s']} s",
                          "pin", **result)
        return error(401, result["reason"], "wrong PIN" if result["reason"] == "bad_pin" else "unknown staff",
                      "pin", **result)

    @router.post("/logout")
    def logout(request: Request):
        desk().sessions.close(request.headers.get(SESSION_HEADER))
        return {"ok": True}

    @router.get("/session")
    def session(request: Request):
        return {"staff": staff(request).doc()}

    # -- codes ------------------------------------------------------------------------------------
    @router.post("/vouchers/verify")
    async def verify(request: Request):
        doc = await body(request)
        return await run(desk().verify_voucher, doc.get("code"), doc.get("voucher_id"), bool(doc.get("online", True)))

    @router.post("/vouchers/redeem")
    async def redeem(request: Request):
        doc = await body(request)
        return await act(request, desk().redeem_voucher, doc.get("code"), doc.get("voucher_id"), doc.get("order_id"))

    @router.post("/vouchers/reconcile")
    async def reconcile():
        from edge.cashier.upstream_link import Offline

        try:
            conflicts = await run_in_threadpool(desk().reconcile)
        except Offline as exc:
            return error(503, "offline", f"upstream cannot be reached: {exc}")
        return {"conflicts": conflicts}

    @router.get("/vouchers")
    def voucher_list(day: str | None = None, limit: int = 100):
        from edge.cashier.vouchers import list_redemptions

        return {"redemptions": desk().locked(list_redemptions, day, max(1, min(limit, 500)))}

    @router.post("/pickups")
    async def pickup(request: Request):
        doc = await body(request)
        return await act(request, desk().collect_pickup, doc.get("order_id"), doc.get("code"))

    # -- orders -----------------------------------------------------------------------------------
    @router.get("/orders")
    def search(ticket: str | None = None, table: str | None = None, day: str | None = None,
               since_ms: int | None = None, until_ms: int | None = None, open: bool = False, limit: int = 50):
        from edge.cashier.order_actions import search as find

        return {"orders": desk().locked(find, ticket=ticket, table=table, day=day, since_ms=since_ms,
                                        until_ms=until_ms, open_only=open, limit=limit)}

    @router.get("/orders/{order_id}")
    def order(order_id: str):
        from edge.cashier.order_actions import detail

        found = desk().locked(detail, order_id)
        return found if found else error(404, "not_found", f"no order {order_id}")

    @router.post("/orders/{order_id}/void")
    async def void(order_id: str, request: Request):
        doc = await body(request)
        return await act(request, desk().void, order_id, doc.get("lines"), doc.get("reason"))

    @router.post("/orders/{order_id}/refund")
    async def refund(order_id: str, request: Request):
        doc = await body(request)
        return await act(request, desk().refund, order_id, doc.get("amount"), doc.get("reason"),
                         doc.get("manager_id"), doc.get("manager_pin"))

    @router.post("/print-jobs/{job_id}/reprint")
    async def reprint(job_id: str, request: Request):
        return await act(request, desk().reprint, job_id)

    @router.post("/menu/items/{item_id}/sold-out")
    async def sold_out(item_id: str, request: Request):
        doc = await body(request)
        flag = doc.get("sold_out", True)
        if not isinstance(flag, bool):
            return error(422, "bad_request", "'sold_out' is true or false", "sold_out")
        return await act(request, desk().sold_out, item_id, flag)

    # -- day report ---------------------------------------------------------------------------------
    @router.get("/reports/day")
    async def report(date: str | None = None):
        return await run(desk().report, date)

    @router.post("/reports/day/print")
    async def print_report(request: Request):
        doc = await body(request)
        return await run(desk().print_report, doc.get("date"), status=202)

    @router.post("/reports/day/close")
    async def close_day(request: Request):
        doc = await body(request)
        return await act(request, desk().close_day, doc.get("date"), bool(doc.get("print", True)))

    return router
