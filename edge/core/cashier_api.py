"""Cashier endpoints of the core's local API (docs/cashier.md has the full list).

Staff: GET /v1/cashier/staff (cashiers, managers, owners), POST /v1/cashier/login {staff_id,
pin} -> {session} (403 not_cashier for a technician), POST /v1/cashier/logout. Every action that
changes something or prints needs the header `X-Staff-Session` (who did it); the payment and
printing routers take it too (`LoggedIn`, `MaybeLoggedIn`).
Codes: POST /v1/cashier/vouchers/verify|redeem {code | voucher_id}, POST
/v1/cashier/vouchers/reconcile, GET /v1/cashier/vouchers, POST /v1/cashier/pickups {code |
order_id}. Orders: GET /v1/cashier/orders?ticket=&table=&day=&since_ms=&until_ms=&open=,
GET /v1/cashier/orders/{id}, POST …/{id}/void {lines | null, reason, manager_id?, manager_pin?}, POST …/{id}/refund
{amount, reason, manager_id, manager_pin}, POST /v1/cashier/print-jobs/{id}/reprint, POST
/v1/cashier/menu/items/{id}/sold-out {sold_out}. Day: GET /v1/cashier/reports/day?date=,
POST /v1/cashier/reports/day/print {date}, POST /v1/cashier/reports/day/close {date, print}.
Errors: {"error": {"code", "message", "field", ...}} like the rest of the API; a desk's refusal
(ActionRefused) becomes its answer in edge.core.errors.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from edge.core.bodies import (CloseDayBody, DayBody, LoginBody, PickupBody, RedeemVoucherBody, RefundBody,
                              SoldOutBody, VerifyVoucherBody, VoidBody)
from edge.core.depends import Cashier, json_body
from edge.core.errors import error
from edge.ledger.staff import Staff

SESSION_HEADER = "X-Staff-Session"

router = APIRouter(prefix="/v1/cashier")


async def get_staff(request: Request, desk: Cashier) -> Staff:
    """The staff member whose session the request names (401 no_session otherwise)."""
    return desk.staff_of(request.headers.get(SESSION_HEADER))


LoggedIn = Annotated[Staff, Depends(get_staff)]


async def maybe_staff(request: Request, desk: Cashier) -> Staff | None:
    """The staff member of the request's session; None when it names none (a customer). A session
    header that names no open session is refused (401 no_session), never read as a customer."""
    token = request.headers.get(SESSION_HEADER)
    return None if token is None else desk.staff_of(token)


MaybeLoggedIn = Annotated[Staff | None, Depends(maybe_staff)]


async def run(fn, *args, status: int = 200, **kwargs) -> JSONResponse:
    """The desk's work in a thread; a refusal becomes the error answer (edge.core.errors)."""
    return JSONResponse(await run_in_threadpool(fn, *args, **kwargs), status_code=status)


@router.get("/staff")
async def staff_list(desk: Cashier):
    return {"staff": await run_in_threadpool(desk.staff_list)}


@router.post("/login")
async def login(desk: Cashier, doc: Annotated[LoginBody, json_body(LoginBody)]):
    result, token = await run_in_threadpool(desk.login, doc.staff_id, doc.pin)
    if token:
        return {"session": token, "staff": result["staff"]}
    if result["reason"] == "busy":
        return error(429, "busy", "another PIN for this staff member is being checked: try again", "pin", **result)
    if result["reason"] == "locked":
        return error(423, "locked", f"too many wrong PINs: try again in {result['retry_after_s']} s", "pin", **result)
    if result["reason"] == "not_allowed":
        return error(403, "not_cashier", "only a cashier, manager or owner may log into cashier mode "
                     "(a technician uses technician mode)", "staff_id", **result)
    return error(401, result["reason"], "wrong PIN" if result["reason"] == "bad_pin" else "unknown staff",
                 "pin", **result)


@router.post("/logout")
def logout(desk: Cashier, request: Request):
    desk.sessions.close(request.headers.get(SESSION_HEADER))
    return {"ok": True}


@router.get("/session")
def session(staff: LoggedIn):
    return {"staff": staff.doc()}


# -- codes ------------------------------------------------------------------------------------
@router.post("/vouchers/verify")
async def verify(desk: Cashier, doc: Annotated[VerifyVoucherBody, json_body(VerifyVoucherBody)]):
    return await run(desk.verify_voucher, doc.code, doc.voucher_id, doc.online)


@router.post("/vouchers/redeem")
async def redeem(desk: Cashier, doc: Annotated[RedeemVoucherBody, json_body(RedeemVoucherBody)], staff: LoggedIn):
    return await run(desk.redeem_voucher, staff, doc.code, doc.voucher_id, doc.order_id)


@router.post("/vouchers/reconcile")
async def reconcile(desk: Cashier):
    from edge.cashier.upstream_link import Offline

    try:
        conflicts = await run_in_threadpool(desk.reconcile)
    except Offline as exc:
        return error(503, "offline", f"upstream cannot be reached: {exc}")
    return {"conflicts": conflicts}


@router.get("/vouchers")
def voucher_list(desk: Cashier, day: str | None = None, limit: int = 100):
    from edge.cashier.vouchers import list_redemptions

    return {"redemptions": desk.locked(list_redemptions, day, max(1, min(limit, 500)))}


@router.post("/pickups")
async def pickup(desk: Cashier, doc: Annotated[PickupBody, json_body(PickupBody)], staff: LoggedIn):
    return await run(desk.collect_pickup, staff, doc.order_id, doc.code)


# -- orders -----------------------------------------------------------------------------------
@router.get("/orders")
def search(desk: Cashier, ticket: str | None = None, table: str | None = None, day: str | None = None,
           since_ms: int | None = None, until_ms: int | None = None, open: bool = False, limit: int = 50):
    from edge.cashier.order_actions import search as find

    return {"orders": desk.locked(find, ticket=ticket, table=table, day=day, since_ms=since_ms,
                                  until_ms=until_ms, open_only=open, limit=limit)}


@router.get("/orders/{order_id}")
def order(desk: Cashier, order_id: str):
    from edge.cashier.order_actions import detail

    found = desk.locked(detail, order_id)
    return found if found else error(404, "not_found", f"no order {order_id}")


@router.post("/orders/{order_id}/void")
async def void(desk: Cashier, order_id: str, doc: Annotated[VoidBody, json_body(VoidBody)], staff: LoggedIn):
    return await run(desk.void, staff, order_id, doc.lines, doc.reason, doc.manager_id, doc.manager_pin)


@router.post("/orders/{order_id}/refund")
async def refund(desk: Cashier, order_id: str, doc: Annotated[RefundBody, json_body(RefundBody)], staff: LoggedIn):
    return await run(desk.refund, staff, order_id, doc.amount, doc.reason, doc.manager_id, doc.manager_pin)


@router.post("/print-jobs/{job_id}/reprint")
async def reprint(desk: Cashier, job_id: str, staff: LoggedIn):
    return await run(desk.reprint, staff, job_id)


@router.post("/menu/items/{item_id}/sold-out")
async def sold_out(desk: Cashier, item_id: str, doc: Annotated[SoldOutBody, json_body(SoldOutBody)],
                   staff: LoggedIn):
    return await run(desk.sold_out, staff, item_id, doc.sold_out)


# -- day report ---------------------------------------------------------------------------------
@router.get("/reports/day")
async def report(desk: Cashier, date: str | None = None):
    return await run(desk.report, date)


@router.post("/reports/day/print")
async def print_report(desk: Cashier, doc: Annotated[DayBody, json_body(DayBody)], staff: LoggedIn):
    return await run(desk.print_report, staff, doc.date, status=202)


@router.post("/reports/day/close")
async def close_day(desk: Cashier, doc: Annotated[CloseDayBody, json_body(CloseDayBody)], staff: LoggedIn):
    return await run(desk.close_day, staff, doc.date, doc.print_it)
