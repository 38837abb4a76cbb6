"""The kiosk's endpoints of the core's local API (docs/protocol.md): the menu, orders, and codes
typed by a keyboard-wedge scanner.

    GET  /v1/menu                 the menu (404 no_menu before one is imported)
    POST /v1/orders               place an order (201; 200 for a client_token seen before)
    GET  /v1/orders?limit=20      recent orders, newest first
    GET  /v1/orders/{id}          one order
    POST /v1/scans {"text", "screen"?}   a wedge scan at the UI `screen`, classified and announced like
                                  a camera scan (202)

The order body is the domain's to check (edge.orders.parse_order_request); its refusals become
error answers in edge.core.errors.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from edge.core.bodies import ScanBody
from edge.core.depends import JsonDocument, Service, json_body
from edge.core.errors import error

router = APIRouter()


@router.get("/v1/menu")
def menu(service: Service):
    doc = service.menu_doc()
    if doc is None:
        return error(404, "no_menu", "no menu on this device yet: import one with `edge menu import FILE`")
    return doc


@router.post("/v1/orders")
async def post_order(service: Service, doc: JsonDocument):
    view, created = await run_in_threadpool(service.place_order, doc)
    return JSONResponse(view, status_code=201 if created else 200)


@router.post("/v1/scans")
async def post_scan(service: Service, scan: Annotated[ScanBody, json_body(ScanBody)]):
    """A code typed by a keyboard-wedge scanner at a UI: classified and announced like a camera scan."""
    await run_in_threadpool(service.scanner.submit, scan.text, "wedge", scan.screen)
    return JSONResponse({"accepted": True}, status_code=202)


@router.get("/v1/orders")
def list_orders(service: Service, limit: int = 20):
    return {"orders": service.recent_orders(max(1, min(limit, 200)))}


@router.get("/v1/orders/{order_id}")
def get_order(service: Service, order_id: str):
    view = service.order(order_id)
    if view is None:
        return error(404, "not_found", f"no order {order_id}")
    return view
