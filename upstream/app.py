"""The upstream HTTP API (FastAPI). Documented in docs/upstream.md.

Device endpoints are signed (edge.protocol.signing) and authenticated per request; public
endpoints: health, enrollment (token in the body) and phone orders (table code in the body).
Every error has the shape {"error": {"code", "message", "field"}}; bad input is a 4xx.
"""

from __future__ import annotations

import asyncio
import logging

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from edge.protocol.signing import HEADER_DEVICE, HEADER_TIME
from upstream import clock as device_clock
from upstream import code_signing, enroll, ingest, phone_orders, proxies, store_settings
from upstream.errors import ApiError, now_ms
from upstream.gateway.api import add_payment_routes, gateway_from_env
from upstream.dashboard.routes import dashboard_router
from upstream.member_page import member_router
from upstream.phone_page import phone_page_router
from upstream.sql import Database
from upstream.table_api import tables_router
from upstream.vouchers import vouchers_router
from upstream.web import MAX_SMALL_BODY, parse_json, read_body, signed_path

log = logging.getLogger(__name__)
MAX_WAIT_S = 30.0
POLL_S = 0.25


def _error(exc: ApiError) -> JSONResponse:
    headers = {"Retry-After": str(exc.extra["retry_after"])} if "retry_after" in exc.extra else None
    return JSONResponse(exc.doc(), status_code=exc.status, headers=headers)


def _note_clock(db: Database, headers) -> None:
    try:
        device_clock.note(db, headers[HEADER_DEVICE], int(headers[HEADER_TIME]) - now_ms(), now_ms())
    except Exception:  # noqa: BLE001 - a note that fails never changes the answer
        log.exception("could not note a device's clock skew")


def create_app(db: Database, gateway=None, *, trusted_proxies=None, clock=now_ms) -> FastAPI:
    """`trusted_proxies`: addresses whose X-Forwarded-For is believed (upstream/proxies.py; None:
    $EDGE_UPSTREAM_TRUSTED_PROXIES, default none); `clock`: milliseconds, for the phone-order rate limits."""
    app = FastAPI(title="Matou upstream", version="1", docs_url=None, redoc_url=None)
    app.state.db = db
    trusted = proxies.parse_trusted(trusted_proxies)

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError):
        if exc.code == "clock_skew":  # the signature verified: the device's own clock, measured
            await run_in_threadpool(_note_clock, db, request.headers)
        return _error(exc)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):  # unknown paths, wrong methods
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "bad_request")
        answer = _error(ApiError(exc.status_code, code, str(exc.detail)))
        answer.headers.update(exc.headers or {})
        return answer

    @app.exception_handler(RequestValidationError)
    async def bad_parameter(request: Request, exc: RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {}
        field = ".".join(str(part) for part in first.get("loc", ())[1:]) or None
        return _error(ApiError(422, "bad_request", f"{field or 'a parameter'}: {first.get('msg', 'invalid')}"[:200],
                               field))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return JSONResponse({"error": {"code": "internal", "message": "internal error", "field": None}}, 500)

    async def device_of(request: Request, body: bytes = b"") -> dict:
        return await run_in_threadpool(enroll.authenticate, db, request.method, signed_path(request), body,
                                       request.headers)

    @app.get("/v1/health")
    def health() -> dict:
        return {"ok": True, "server_time_ms": now_ms()}

    @app.post("/v1/enroll")
    async def post_enroll(request: Request):
        doc = parse_json(await read_body(request, MAX_SMALL_BODY))
        device, created = await run_in_threadpool(enroll.register, db, doc)
        return JSONResponse({"device_id": device["device_id"], "store_id": device["store_id"], "role": device["role"],
                             "name": device["name"], "server_time_ms": now_ms(),
                             "upstream_key": await run_in_threadpool(code_signing.public_key, db)},
                            status_code=201 if created else 200)

    @app.post("/v1/ingest")
    async def post_ingest(request: Request):
        body = await read_body(request, ingest.MAX_BODY)
        device = await device_of(request, body)

        def work():
            events = ingest.parse_batch(body)
            return ingest.ingest(db, device, events, now_ms())

        return await run_in_threadpool(work)

    @app.get("/v1/devices/me")
    async def me(request: Request):
        d = await device_of(request)
        return {"device_id": d["device_id"], "store_id": d["store_id"], "role": d["role"], "name": d["name"],
                "max_seq": d["max_seq"], "events_stored": d["events_stored"], "server_time_ms": now_ms()}

    def _etagged(doc: dict, etag: str | None, request: Request) -> Response:
        if etag and request.headers.get("if-none-match", "").strip('"') == etag:
            return Response(status_code=304, headers={"ETag": f'"{etag}"'})
        return JSONResponse(doc, headers={"ETag": f'"{etag}"'} if etag else None)

    @app.get("/v1/devices/me/menu")
    async def device_menu(request: Request):
        d = await device_of(request)
        doc, etag = await run_in_threadpool(store_settings.store_menu, db, d["store_id"])
        if doc is None:
            return JSONResponse({"menu": None})
        return _etagged({"menu": doc, "etag": etag}, etag, request)

    @app.get("/v1/devices/me/settings")
    async def device_settings(request: Request):
        d = await device_of(request)
        doc, etag = await run_in_threadpool(store_settings.settings_doc, db, d["store_id"])
        return _etagged(doc, etag, request)

    def seen(device: dict) -> None:
        """The device asked for its commands: it is online (the phones say whether the kitchen can print)."""
        now = clock()
        if now - (device.get("last_seen_ms") or 0) > 5_000:
            with db.tx():
                db.execute("UPDATE devices SET last_seen_ms = ? WHERE device_id = ?", [now, device["device_id"]])
            device["last_seen_ms"] = now

    @app.get("/v1/devices/me/commands")
    async def device_commands(request: Request, wait: float = 0.0, menu_etag: str = "", settings_etag: str = ""):
        d = await device_of(request)
        deadline = asyncio.get_running_loop().time() + max(0.0, min(wait, MAX_WAIT_S))

        def look():
            seen(d)
            commands = phone_orders.pending_commands(db, d["device_id"])
            _, m_etag = store_settings.store_menu(db, d["store_id"])
            _, s_etag = store_settings.settings_doc(db, d["store_id"])
            return commands, m_etag or "", s_etag

        while True:
            commands, m_etag, s_etag = await run_in_threadpool(look)
            changed = (menu_etag and m_etag != menu_etag) or (settings_etag and s_etag != settings_etag)
            if commands or changed or asyncio.get_running_loop().time() >= deadline or await request.is_disconnected():
                return {"commands": commands, "menu_etag": m_etag or None, "settings_etag": s_etag}
            await asyncio.sleep(POLL_S)

    @app.post("/v1/devices/me/commands/ack")
    async def ack(request: Request):
        body = await read_body(request, MAX_SMALL_BODY * 4)
        d = await device_of(request, body)
        acked = await run_in_threadpool(phone_orders.ack_commands, db, d, parse_json(body))
        return {"acked": acked}

    @app.post("/v1/stores/{store_id}/orders")
    async def phone_order(store_id: str, request: Request):
        doc = parse_json(await read_body(request, MAX_SMALL_BODY))
        client = proxies.client_address(request.client.host if request.client else None,
                                        request.headers.get("x-forwarded-for"), trusted)
        view, created = await run_in_threadpool(phone_orders.place_phone_order, db, store_id, doc, client, clock)
        return JSONResponse(view, status_code=201 if created else 200)

    @app.get("/v1/stores/{store_id}/orders/{order_id}")
    async def phone_order_status(store_id: str, order_id: str):
        view = await run_in_threadpool(phone_orders.phone_order_view, db, store_id, order_id)
        if view is None:
            raise ApiError(404, "not_found", f"no order {order_id} in store {store_id}")
        return view

    app.include_router(tables_router(db, device_of, clock, trusted))  # table sessions: upstream/table_api.py
    app.include_router(phone_page_router(db, trusted, clock))  # the table code's page: upstream/phone_page.py
    app.include_router(vouchers_router(db))  # vouchers: upstream/vouchers.py
    app.include_router(dashboard_router(db))  # the owner's dashboard: upstream/dashboard/routes.py
    app.include_router(member_router(db, trusted, clock))  # the member page: upstream/member_page.py
    add_payment_routes(app, db, gateway if gateway is not None else gateway_from_env(db))  # payments: upstream/gateway
    return app
