"""The routes of table sessions: the phones' JSON API (cookie `matou_table`) and the store device's
table view (signed device requests). The rules live in upstream/table_sessions.py and
upstream/table_rounds.py; this module reads requests and writes answers.

A phone's write must come as `Content-Type: application/json` from the page's own origin (no
foreign `Origin`): with the SameSite=Lax cookie, another site cannot order for a table.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from upstream import member_tokens, phone_coupons, proxies, table_pay, table_rounds, table_sessions
from upstream.errors import ApiError
from upstream.sql import Database
from upstream.web import MAX_SMALL_BODY, page_json, parse_json, read_body

MAX_WAIT_S = 25.0
POLL_S = 0.25
MAX_PHONE_BODY = 8 * 1024


def tables_router(db: Database, device_of: Callable[..., Awaitable[dict]], clock: Callable[[], int],
                  trusted) -> APIRouter:
    router = APIRouter()
    table_pay.register()  # the gateway tells table_pay when a phone payment settles

    def client_of(request: Request) -> str:
        return proxies.client_address(request.client.host if request.client else None,
                                      request.headers.get("x-forwarded-for"), trusted)

    async def phone_body(request: Request) -> object:
        return await page_json(request, MAX_PHONE_BODY)

    def member_of(request: Request, session: dict) -> dict | None:
        """The member this phone proved to be at the table's store (its member cookie), or None."""
        return member_tokens.member_of(db, session["store_id"], request.cookies.get(member_tokens.COOKIE), clock())

    def phone_of(request: Request) -> str | None:
        """This phone, as the hash of its table cookie."""
        return table_sessions.token_hash(request.cookies.get(table_sessions.COOKIE))

    async def phone_session(request: Request) -> dict:
        token = request.cookies.get(table_sessions.COOKIE)
        return await run_in_threadpool(table_sessions.session_of_token, db, token, clock())

    def state(session_id: str) -> dict:
        session = db.one("SELECT * FROM table_sessions WHERE session_id = ?", [session_id])
        table_pay.settle_table(db, session)  # a phone payment a crash left unsettled
        return table_pay.with_payments(db, session, table_rounds.table_state(db, session, clock()))

    # -- the phones -----------------------------------------------------------------------
    @router.get("/v1/table/state")
    async def table_state(request: Request, after: str = "", wait: float = 0.0):
        session = await phone_session(request)
        sid = session["session_id"]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(0.0, min(wait, MAX_WAIT_S))
        while after and loop.time() < deadline and not await request.is_disconnected():
            version = await run_in_threadpool(table_rounds.state_version, db, sid, clock())
            if version != after:
                break
            await asyncio.sleep(POLL_S)
        return await run_in_threadpool(state, sid)

    @router.post("/v1/table/cart")
    async def table_cart(request: Request):
        doc = await phone_body(request)
        session = await phone_session(request)
        await run_in_threadpool(table_rounds.change_cart, db, session, doc, client_of(request), clock())
        return await run_in_threadpool(state, session["session_id"])

    @router.post("/v1/table/rounds")
    async def table_round(request: Request):
        doc = await phone_body(request)
        session = await phone_session(request)
        _, created = await run_in_threadpool(table_rounds.submit_round, db, session, doc, client_of(request),
                                             clock())
        return JSONResponse(await run_in_threadpool(state, session["session_id"]), 201 if created else 200)

    @router.post("/v1/table/calls")
    async def table_call(request: Request):
        doc = await phone_body(request)
        session = await phone_session(request)
        call, created = await run_in_threadpool(table_rounds.place_call, db, session, doc, clock())
        return JSONResponse(call, 201 if created else 200)

    @router.post("/v1/table/rounds/{round_no}/pay")
    async def table_round_pay(round_no: int, request: Request):
        doc = await phone_body(request)
        session = await phone_session(request)
        member = await run_in_threadpool(member_of, request, session)
        return await run_in_threadpool(table_pay.pay_round, db, session, round_no, doc, clock(), phone_of(request),
                                       member)

    @router.post("/v1/table/bill/pay")
    async def table_bill_pay(request: Request):
        doc = await phone_body(request)
        session = await phone_session(request)
        member = await run_in_threadpool(member_of, request, session)
        return await run_in_threadpool(table_pay.pay_bill, db, session, doc, clock(), phone_of(request), member)

    @router.get("/v1/table/coupons")
    async def table_coupons(request: Request, amount: int = 0):
        """This phone's member's coupons and what each takes off `amount` fen (the pay sheet's choice)."""
        session = await phone_session(request)

        def work() -> dict:
            member = member_of(request, session)
            return {"member": member is not None,
                    "coupons": phone_coupons.usable(db, member, max(0, min(amount, 10**9)), clock())}
        return await run_in_threadpool(work)

    # -- the store's device (the cashier's table view) --------------------------------------
    async def device_json(request: Request) -> tuple[dict, object]:
        body = await read_body(request, MAX_SMALL_BODY)
        device = await device_of(request, body)
        return device, parse_json(body) if body else {}

    def own_session(device: dict, session_id: str) -> dict:
        session = db.one("SELECT * FROM table_sessions WHERE session_id = ? AND store_id = ?",
                         [session_id, device["store_id"]])
        if session is None:
            raise ApiError(404, "no_such_session", f"no table session {session_id} in this store")
        return session

    @router.get("/v1/devices/me/tables")
    async def device_tables(request: Request):
        device = await device_of(request)
        return {"tables": await run_in_threadpool(table_rounds.tables_for_device, db, device["store_id"], clock())}

    @router.post("/v1/devices/me/tables/{table}/open")
    async def device_open(table: str, request: Request):
        device, _ = await device_json(request)
        if not (table.isascii() and table.isalnum() and len(table) <= 8):
            raise ApiError(422, "bad_table", "a table is 1-8 letters or digits", "table")

        def work():
            session, opened = table_sessions.open_session(db, device["store_id"], table, "cashier", clock())
            return table_rounds.tables_for_device(db, device["store_id"], clock()), session, opened

        tables, session, opened = await run_in_threadpool(work)
        return JSONResponse({"session_id": session["session_id"], "table": table, "tables": tables},
                            201 if opened else 200)

    @router.post("/v1/devices/me/tables/{session_id}/close")
    async def device_close(session_id: str, request: Request):
        device, doc = await device_json(request)
        force = isinstance(doc, dict) and doc.get("force") is True
        staff = doc.get("staff_id") if isinstance(doc, dict) and isinstance(doc.get("staff_id"), str) else None

        def work():
            session = own_session(device, session_id)
            due = table_rounds.bill(db, session_id)["due"]
            closed = table_sessions.close_session(db, device["store_id"], session_id, f"cashier:{staff or '?'}",
                                                  clock(), due=due, force=force)
            return {"session_id": session_id, "table": session["table_no"], "state": closed["state"]}

        return await run_in_threadpool(work)

    @router.post("/v1/devices/me/tables/{session_id}/bill-paid")
    async def device_bill_paid(session_id: str, request: Request):
        device, doc = await device_json(request)
        if not isinstance(doc, dict) or not isinstance(doc.get("payment_id"), str) \
                or not isinstance(doc.get("amount"), int) or isinstance(doc.get("amount"), bool) \
                or not 0 < doc["amount"] <= 10**9 or not isinstance(doc.get("method"), str):
            raise ApiError(422, "bad_request", "a bill payment is {payment_id, amount (fen), method, staff_id}")

        def work():
            session = own_session(device, session_id)
            recorded = table_rounds.record_payment(db, session, doc["payment_id"][:64], doc["amount"],
                                                   doc["method"][:16], "counter",
                                                   str(doc.get("staff_id") or "")[:64] or None, clock())
            return {"recorded": recorded, "bill": table_rounds.bill(db, session_id)}

        return await run_in_threadpool(work)

    @router.post("/v1/devices/me/calls/{call_id}/handled")
    async def device_call_handled(call_id: str, request: Request):
        device, _ = await device_json(request)
        return await run_in_threadpool(table_rounds.handle_call, db, device["store_id"], call_id, clock())

    return router
