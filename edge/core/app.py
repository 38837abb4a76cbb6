"""The core's local HTTP API (FastAPI), on 127.0.0.1 only. Documented in docs/protocol.md.

Errors always have the form {"error": {"code": ..., "message": ..., "field": ...}}.
"""

from __future__ import annotations

import asyncio
import json

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, StreamingResponse

from edge.cart import CartError
from edge.core.cashier_api import cashier_router
from edge.core.errors import error, install_refusal_handler
from edge.core.payments_api import payments_router
from edge.ledger.placement import TokenReused
from edge.core.printing_api import printing_router
from edge.core.technician_api import technician_router
from edge.core.service import EdgeService
from edge.ledger.db import StorageError

HEARTBEAT_S = 15.0
MAX_BODY = 64 * 1024




def create_app(service: EdgeService) -> FastAPI:
    app = FastAPI(title="Matou edge core", version="1", docs_url=None, redoc_url=None)
    app.state.service = service
    install_refusal_handler(app)

    @app.get("/v1/health")
    def health() -> dict:
        return {"ok": True}

    @app.get("/v1/status")
    def status() -> dict:
        return service.status()

    @app.get("/v1/menu")
    def menu():
        doc = service.menu_doc()
        if doc is None:
            return error(404, "no_menu", "no menu on this device yet: import one with `edge menu import FILE`")
        return doc

    @app.post("/v1/orders")
    async def post_order(request: Request):
        body = await request.body()
        if len(body) > MAX_BODY:
            return error(413, "too_large", f"an order must be under {MAX_BODY // 1024} KiB")
        try:
            doc = json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            return error(400, "malformed_json", f"the body is not valid JSON: {exc}")
        try:
            view, created = await run_in_threadpool(service.place_order, doc)
        except TokenReused as exc:
            return error(409, exc.code, exc.message, exc.field, order_id=exc.order_id, ticket_no=exc.ticket_no)
        except CartError as exc:
            return error(422, exc.code, exc.message, exc.field)
        except StorageError as exc:
            return error(503, "storage", str(exc))
        return JSONResponse(view, status_code=201 if created else 200)

    @app.post("/v1/scans")
    async def post_scan(request: Request):
        """A code typed by a keyboard-wedge scanner at a UI: classified and announced like a camera scan."""
        try:
            doc = json.loads(await request.body())
        except (json.JSONDecodeError, UnicodeDecodeError):
            return error(400, "malformed_json", "the body is not valid JSON")
        text = doc.get("text") if isinstance(doc, dict) else None
        if not isinstance(text, str) or not text.strip() or len(text) > 4096:
            return error(422, "bad_scan", "'text' must be the scanned text (1-4096 characters)", "text")
        await run_in_threadpool(service.scanner.submit, text.strip(), "wedge")
        return JSONResponse({"accepted": True}, status_code=202)

    @app.get("/v1/orders")
    def list_orders(limit: int = 20):
        return {"orders": service.recent_orders(max(1, min(limit, 200)))}

    @app.get("/v1/orders/{order_id}")
    def get_order(order_id: str):
        view = service.order(order_id)
        if view is None:
            return error(404, "not_found", f"no order {order_id}")
        return view

    @app.get("/v1/events")
    async def events(request: Request):
        async def stream():
            async with service.events.subscribe() as queue:
                yield "retry: 1000\n: connected\n\n"
                while not service.events.closed and not await request.is_disconnected():
                    try:
                        event = await asyncio.wait_for(queue.get(), HEARTBEAT_S)
                    except TimeoutError:
                        yield ": heartbeat\n\n"
                        continue
                    yield event.sse()
                    if event.type == "shutdown":
                        return

        return StreamingResponse(stream(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})

    for router in (cashier_router, technician_router, payments_router, printing_router):
        app.include_router(router(service))
    return app
