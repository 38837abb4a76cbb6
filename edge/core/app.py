"""The core's local HTTP API (FastAPI), on 127.0.0.1 only: `create_app(service)` builds it.
Documented in docs/protocol.md; the endpoints live in the routers of edge/core/*_api.py.

Errors always have the form {"error": {"code": ..., "message": ..., "field": ...}} (edge.core.errors).
Every request first passes the front door (edge.core.front_door: its own Host, no foreign Origin,
JSON on every state-changing request), then its body is limited while it streams in
(edge.core.body_limit): 64 KiB, less where a router's bodies are small.
"""

from __future__ import annotations

from fastapi import FastAPI

from edge.core import cashier_api, device_api, orders_api, payments_api, printing_api, tables_api, technician_api
from edge.core.body_limit import BodyLimit, Limit
from edge.core.errors import install_refusal_handler
from edge.core.front_door import FrontDoor
from edge.core.service import EdgeService

BODY_LIMITS = (
    Limit("/v1/orders", 64 * 1024, "an order must be under 64 KiB"),
    Limit("/v1/(cashier|technician)/.*", 16 * 1024),
    Limit("/v1/orders/[^/]+/payments|/v1/payments/.*", 4096),
    Limit("/v1/tables/.*|/v1/calls/.*", 4096),
)
ROUTERS = (device_api, orders_api, cashier_api, technician_api, payments_api, printing_api, tables_api)


def create_app(service: EdgeService) -> FastAPI:
    app = FastAPI(title="Matou edge core", version="1", docs_url=None, redoc_url=None)
    app.state.service = service
    install_refusal_handler(app)
    app.add_middleware(BodyLimit, limits=BODY_LIMITS)
    app.add_middleware(FrontDoor)  # added last: the outermost, before any body is read
    for module in ROUTERS:
        app.include_router(module.router)
    return app
